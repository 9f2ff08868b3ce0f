"""Character models: shapes, the NumPy stepper against Keras, saving and loading."""

import json

import keras
import numpy as np
import pytest
from keras import ops

from rnnbook import models
from rnnbook.models import build_char_model, load_char_model, save_char_model
from rnnbook.text.vocabulary import Vocabulary

VOCAB = Vocabulary.from_text("shall i compare thee to a summer's day?\n")


@pytest.fixture(autouse=True)
def _models_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path))


@pytest.mark.parametrize("kind", models.KINDS)
@pytest.mark.parametrize("embedding_dim", [None, 6])
def test_build_char_model_outputs_probabilities_for_any_length(kind, embedding_dim):
    model = build_char_model(len(VOCAB), kind=kind, units=8, embedding_dim=embedding_dim)
    for time in (1, 7, 23):
        ids = np.random.default_rng(time).integers(0, len(VOCAB), (2, time))
        probs = ops.convert_to_numpy(model(ids))
        assert probs.shape == (2, time, len(VOCAB))
        np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
        assert (probs > 0).all()


def test_build_char_model_keeps_the_fused_kernel_defaults():
    for kind, cls in (("lstm", keras.layers.LSTM), ("gru", keras.layers.GRU)):
        layer = next(x for x in build_char_model(10, kind=kind).layers if isinstance(x, cls))
        assert layer.units == 128
        assert layer.recurrent_dropout == 0 and not layer.unroll and layer.use_bias
        assert layer.activation is keras.activations.tanh
        assert layer.recurrent_activation is keras.activations.sigmoid
        if kind == "gru":
            assert layer.reset_after


def test_one_hot_input_has_the_tutorials_parameter_count():
    # The tutorial: LSTM(128) on one-hot vectors of the vocabulary, then Dense(vocab).
    v, u = 38, 128
    assert build_char_model(v).count_params() == 4 * u * (v + u + 1) + u * v + v


@pytest.mark.parametrize(
    "kwargs, word",
    [({"kind": "transformer"}, "kind"), ({"units": 0}, "units"), ({"vocab_size": 0}, "vocab_size"),
     ({"embedding_dim": -1}, "embedding_dim"), ({"dropout": 1.0}, "dropout"),
     ({"layers": 0}, "layers")],
)
def test_build_char_model_rejects_bad_arguments(kwargs, word):
    args = {"vocab_size": 10, **kwargs}
    with pytest.raises(ValueError, match=f"Argument `{word}` must .* Received: {word}="):
        build_char_model(**args)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_save_and_load_round_trip(kind, tmp_path):
    model = build_char_model(len(VOCAB), kind=kind, units=6, embedding_dim=4)
    ids = np.arange(len(VOCAB))[None]
    card_path = save_char_model(model, VOCAB, f"sonnets_{kind}6",
                                {"best_val_loss_nats": 1.5, "epochs": 3})
    assert card_path == tmp_path / "models" / f"sonnets_{kind}6.json"
    assert models.saved_models() == [f"sonnets_{kind}6"]
    loaded, vocab, info = load_char_model(f"sonnets_{kind}6")
    assert vocab == VOCAB
    assert info["kind"] == kind and info["units"] == 6 and info["best_val_loss_nats"] == 1.5
    assert info["backend"] == keras.backend.backend() and info["keras_version"] == keras.__version__
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0),
                               atol=1e-6)
    # A path works as well as a name, with or without a suffix.
    again, _, _ = load_char_model(tmp_path / "models" / f"sonnets_{kind}6.weights.h5")
    assert again.count_params() == model.count_params()


def test_save_rejects_a_vocabulary_of_the_wrong_size():
    model = build_char_model(len(VOCAB) + 1, units=4)
    with pytest.raises(ValueError, match="vocab"):
        save_char_model(model, VOCAB, "bad")


def test_load_reports_missing_and_inconsistent_cards(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model card"):
        load_char_model("nothing_here")
    card_path = save_char_model(build_char_model(len(VOCAB), units=4), VOCAB, "m")
    weights = tmp_path / "models" / "m.weights.h5"
    card = json.loads(card_path.read_text())

    def write(**changes):
        card_path.write_text(json.dumps({**card, **changes}))

    write(chars=card["chars"][:-1])
    with pytest.raises(ValueError, match="vocab_size"):
        load_char_model("m")
    write(kind="transformer")
    with pytest.raises(ValueError, match="kind"):
        load_char_model("m")
    write(weights_sha256="0" * 64)
    with pytest.raises(ValueError, match="does not match its card"):
        load_char_model("m")
    # The card's hash is right but the architecture it describes is not the weights'.
    write(units=5)
    with pytest.raises(ValueError, match="does not fit"):
        load_char_model("m")
    card_path.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid JSON"):
        load_char_model("m")
    card_path.write_text(json.dumps({"name": "m"}))
    with pytest.raises(ValueError, match="lacks"):
        load_char_model("m")
    write()
    weights.unlink()
    with pytest.raises(FileNotFoundError, match="weights"):
        load_char_model("m")
    assert models.saved_models() == []


def test_fused_kernel_blockers_name_each_argument_that_leaves_cudnn():
    for kind in ("lstm", "gru"):
        assert all(not r for r in models.model_fused_kernel_blockers(
            build_char_model(10, kind=kind, layers=2, dropout=0.3)).values())
    cases = [
        (keras.layers.LSTM(4, recurrent_dropout=0.1), "recurrent_dropout"),
        (keras.layers.LSTM(4, activation="relu"), "activation='relu'"),
        (keras.layers.LSTM(4, recurrent_activation="hard_sigmoid"), "recurrent_activation"),
        (keras.layers.LSTM(4, unroll=True), "unroll"),
        (keras.layers.GRU(4, use_bias=False), "use_bias"),
        (keras.layers.GRU(4, reset_after=False), "reset_after"),
        (keras.layers.SimpleRNN(4), "no fused kernel"),
    ]
    for layer, word in cases:
        reasons = models.fused_kernel_blockers(layer)
        assert len(reasons) == 1 and word in reasons[0], (layer, reasons)
    ids = keras.Input((None,), dtype="int32")
    out = keras.layers.LSTM(4)(keras.layers.Embedding(10, 3, mask_zero=True)(ids))
    (reasons,) = models.model_fused_kernel_blockers(keras.Model(ids, out)).values()
    assert reasons and "mask" in reasons[0]


def test_card_summary_says_what_the_card_knows():
    card = {"name": "m", "kind": "lstm", "units": 256, "layers": 2, "parameters": 832519,
            "keras_version": "3.5.0", "backend": "jax", "hardware": "x86_64, 2 cores"}
    assert models.card_summary({**card, "stage": "pretrained"}) == (
        "m: lstm(256) x2, 832,519 weights; pretrained; Keras 3.5.0 on jax, x86_64, 2 cores")
    one = models.card_summary({**card, "layers": 1, "epochs": 20, "best_val_loss_nats": 1.0})
    assert one == ("m: lstm(256), 832,519 weights; 20 epochs; held-out loss 1.000 nats = "
                   "1.443 bits/char; Keras 3.5.0 on jax, x86_64, 2 cores")


def test_a_transformer_is_saved_and_loaded_like_the_recurrent_models(tmp_path):
    from rnnbook.cells.attention import TransformerSize, build_char_transformer
    size = TransformerSize(dim=8, heads=2, blocks=1, mlp_ratio=2, window=12,
                           positions="sinusoidal")
    model = build_char_transformer(len(VOCAB), size, dropout=0.1)
    save_char_model(build_char_model(len(VOCAB), units=4), VOCAB, "rnn")
    card_path = save_char_model(model, VOCAB, "tiny_transformer", {"stage": "fine-tuned"})
    card = json.loads(card_path.read_text())
    assert card["format"] == models.TRANSFORMER_FORMAT and card["kind"] == "transformer"
    assert (card["dim"], card["blocks"], card["window"], card["positions"]) == (8, 1, 12,
                                                                                "sinusoidal")
    # The recurrent tools (the explorers, the browser export) list only what they can replay.
    assert models.saved_models() == ["rnn"]
    assert models.saved_models(transformers=True) == ["rnn", "tiny_transformer"]
    loaded, vocab, info = load_char_model("tiny_transformer")
    ids = np.arange(len(VOCAB))[None, :12]
    assert vocab == VOCAB and info["stage"] == "fine-tuned"
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0),
                               atol=1e-6)
    assert models.card_summary(info).startswith(
        f"tiny_transformer: transformer(8x1), {model.count_params():,} weights; fine-tuned")
    (row,) = models.saved_model_scores(["tiny_transformer"],
                                       text="shall i compare thee to a summer's day?\n" * 30)
    assert row["name"] == "tiny_transformer" and "transformer(8x1)" in row["kind"]
    card_path.write_text(json.dumps({**card, "format": "rnnbook-char-transformer/9"}))
    with pytest.raises(ValueError, match="format"):
        load_char_model("tiny_transformer")
    card_path.write_text(json.dumps({k: v for k, v in card.items() if k != "heads"}))
    with pytest.raises(ValueError, match="lacks heads"):
        load_char_model("tiny_transformer")
