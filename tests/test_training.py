"""Training helpers: held-out targets, the recipe, resuming after an interruption, the tutorial."""

import json
import math

import keras
import numpy as np
import pytest

from rnnbook import training
from rnnbook.data import Vocabulary
from rnnbook.models import build_char_model
from rnnbook.training import (
    HeldOut,
    compile_char_model,
    fit_char_model,
    held_out_windows,
    prepare_char_data,
    steps_per_epoch,
)

TEXT = ("From fairest creatures we desire increase,\nThat thereby beauty's rose might never die,\n"
        "But as the riper should by time decease,\nHis tender heir might bear his memory:\n") * 8


def _tiny(seq_len=20):
    keras.utils.set_random_seed(0)
    data = prepare_char_data(TEXT, seq_len=seq_len, context=5)
    model = build_char_model(len(data.vocab), units=8)
    return data, compile_char_model(model, learning_rate=1e-2)


@pytest.mark.parametrize("n, seq_len, context", [(300, 20, 5), (101, 50, 40), (1000, 100, 40),
                                                 (257, 30, 29), (64, 10, 1)])
def test_held_out_windows_count_every_target_once_after_context(n, seq_len, context):
    ids = np.arange(n) % 50
    held = held_out_windows(ids, seq_len, context)
    assert held.x.shape == held.y.shape == held.mask.shape and held.x.shape[1] == seq_len
    # Rebuild which text position each counted target is, from the windows themselves.
    position = np.arange(n)
    pos = held_out_windows(position, seq_len, context)
    counted = pos.y[held.mask.astype(bool)]
    assert sorted(counted.tolist()) == list(range(context, n))
    assert (pos.y == pos.x + 1).all()  # targets are the inputs shifted by one
    # Each counted target has at least `context` characters before it inside its window.
    first = pos.x[:, :1]
    assert ((pos.y - first)[held.mask.astype(bool)] >= context).all()
    assert held.targets == n - context


def test_held_out_windows_rejects_bad_sizes():
    with pytest.raises(ValueError, match="context"):
        held_out_windows(np.arange(100), 20, 20)
    with pytest.raises(ValueError, match="fewer than one window"):
        held_out_windows(np.arange(20), 20, 5)


def test_held_out_loss_is_the_mean_over_counted_targets():
    class Uniform:
        def predict(self, x, batch_size=None, verbose=0):
            probs = np.full((*x.shape, 4), 0.1)
            probs[..., 0] = 0.7
            return probs

    y = np.array([[0, 1], [2, 0]])
    held = HeldOut(np.zeros((2, 2)), y, np.array([[1, 0], [1, 1]], np.float32))
    expected = -(math.log(0.7) + math.log(0.1) + math.log(0.7)) / 3
    assert held.loss(Uniform()) == pytest.approx(expected)
    assert HeldOut(np.zeros((2, 2)), y).loss(Uniform()) == pytest.approx(
        -(2 * math.log(0.7) + 2 * math.log(0.1)) / 4)


def test_prepare_char_data_splits_and_shifts():
    data = prepare_char_data(TEXT, seq_len=50)
    assert data.train_text + data.val_text == TEXT.lower()
    assert (data.y_train[:, :-1] == data.x_train[:, 1:]).all()
    assert data.vocab == Vocabulary.from_text(TEXT.lower())
    assert data.held_out.targets == len(data.val_text) - training.CONTEXT


def test_compile_rejects_bad_settings():
    model = build_char_model(5, units=4)
    with pytest.raises(ValueError, match="learning_rate"):
        compile_char_model(model, learning_rate=0)
    with pytest.raises(ValueError, match="clipnorm"):
        compile_char_model(model, clipnorm=-1)
    with pytest.raises(ValueError, match="lr_drop"):
        fit_char_model(compile_char_model(model), prepare_char_data(TEXT, 50), 1, lr_drop=1.5)
    with pytest.raises(ValueError, match="compile"):
        fit_char_model(build_char_model(5, units=4), prepare_char_data(TEXT), 1)


def test_fit_records_epochs_keeps_best_and_reports_bits():
    data, model = _tiny()
    log = fit_char_model(model, data, epochs=3, batch_size=8)
    assert [r["epoch"] for r in log.records] == [1, 2, 3]
    for r in log.records:
        assert r["val_bits"] == pytest.approx(r["val_loss"] / math.log(2))
        assert r["seconds"] > 0
    assert np.all(np.diff(log.column("elapsed")) > 0)
    assert log.best_val_loss == pytest.approx(log.column("val_loss").min())
    # The model holds the best epoch's weights at the end.
    assert data.held_out.loss(model) == pytest.approx(log.best_val_loss, abs=1e-5)
    assert log.time_to(log.best_val_loss) == log.records[log.best_epoch - 1]["elapsed"]
    assert log.time_to(-1.0) is None
    assert "best validation loss" in log.summary()


class _Interrupt(keras.callbacks.Callback):
    """Stands in for a dropped Colab session: stops training when epoch `at` (0-based) begins."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at:
            raise KeyboardInterrupt("session lost")


def test_training_resumes_after_an_interruption_with_no_epoch_lost_or_repeated(tmp_path):
    folder = tmp_path / "checkpoint"
    data, model = _tiny()
    steps = steps_per_epoch(data, 8)
    model.optimizer.learning_rate = 0.0123  # as if lowered on a plateau: must survive too
    with pytest.raises(KeyboardInterrupt):
        fit_char_model(model, data, epochs=5, batch_size=8, checkpoint_dir=folder,
                       callbacks=[_Interrupt(at=2)])
    progress = json.loads((folder / "progress.json").read_text())
    assert progress["epochs_done"] == 2
    weights_at_interruption = model.get_weights()
    rate_at_interruption = float(model.optimizer.learning_rate)

    # A new process: the model is built and compiled afresh, and the same call resumes.
    keras.utils.set_random_seed(1)
    fresh = compile_char_model(build_char_model(len(data.vocab), units=8), learning_rate=1e-2)
    seen = []

    class Watch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(epoch + 1)
            if epoch == 2:  # the resumed model starts from the weights of the interruption
                for a, b in zip(self.model.get_weights(), weights_at_interruption, strict=True):
                    np.testing.assert_array_equal(a, b)
                assert float(self.model.optimizer.learning_rate) == rate_at_interruption

    log = fit_char_model(fresh, data, epochs=5, batch_size=8, checkpoint_dir=folder,
                         callbacks=[Watch()])
    assert seen == [3, 4, 5]  # epochs 1 and 2 are not repeated, none is skipped
    assert log.resumed_from == 2
    assert [r["epoch"] for r in log.records] == [1, 2, 3, 4, 5]
    assert log.records[:2] == progress["records"]
    assert int(fresh.optimizer.iterations) == 5 * steps  # Adam's state continued too
    assert log.best_val_loss == pytest.approx(log.column("val_loss").min())
    assert data.held_out.loss(fresh) == pytest.approx(log.best_val_loss, abs=1e-5)
    # Old checkpoints are cleaned up: one state and one best-weights file remain.
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["progress.json", "epoch-5.weights.h5", f"best-{log.best_epoch}.npz"])

    # Calling again once all epochs are done trains nothing and restores the best weights.
    again = compile_char_model(build_char_model(len(data.vocab), units=8))
    log2 = fit_char_model(again, data, epochs=5, batch_size=8, checkpoint_dir=folder)
    assert log2.resumed_from == 5 and len(log2.records) == 5
    assert data.held_out.loss(again) == pytest.approx(log.best_val_loss, abs=1e-5)


def test_a_damaged_checkpoint_gives_a_clear_error(tmp_path):
    data, model = _tiny()
    with pytest.raises(ValueError, match="no checkpoint"):
        training.restore_checkpoint(model, tmp_path)
    (tmp_path / "progress.json").write_text("{oops")
    with pytest.raises(ValueError, match="damaged"):
        fit_char_model(model, data, 1, checkpoint_dir=tmp_path)
    (tmp_path / "progress.json").write_text("{}")
    with pytest.raises(ValueError, match="not a checkpoint"):
        fit_char_model(model, data, 1, checkpoint_dir=tmp_path)
    # A checkpoint of another architecture (more units) is refused by name.
    folder = tmp_path / "other"
    bigger = compile_char_model(build_char_model(len(data.vocab), units=9))
    fit_char_model(bigger, data, 1, batch_size=8, checkpoint_dir=folder)
    with pytest.raises(ValueError, match="does not fit this model"):
        fit_char_model(model, data, 2, batch_size=8, checkpoint_dir=folder)


def test_sample_callback_uses_the_fast_generator():
    data, model = _tiny()
    lines = []
    cb = training.SampleCallback(data.vocab, "from fairest", length=15, every=2,
                                 printer=lines.append)
    log = fit_char_model(model, data, epochs=2, batch_size=8, callbacks=[cb])
    assert [epoch for epoch, _ in log.samples] == [2]
    assert len(log.samples[0][1]) == 15 and set(log.samples[0][1]) <= set(data.vocab.chars)
    assert lines[0].startswith("--- epoch 2 (val ")


# ---------------------------------------------------------------- the tutorial's program


def test_tutorial_prepare_builds_one_hot_next_char_windows():
    tut = training.tutorial_prepare(TEXT[:200], maxlen=10)
    assert sorted(tut.chars) == sorted(set(TEXT[:200].lower()))
    assert tut.x.dtype == bool and tut.x.shape == (190, 10, len(tut.chars))
    assert tut.y.shape == (190, len(tut.chars))
    decoded = "".join(tut.chars[i] for i in tut.x[3].argmax(-1))
    assert decoded == TEXT[:200].lower()[3:13] and tut.chars[tut.y[3].argmax()] == TEXT[13].lower()


def test_tutorial_sampler_flattens_the_distribution():
    preds = np.array([0.9, 0.05, 0.03, 0.02] + [0.0] * 35)
    p = np.exp(preds) / np.exp(preds).sum()
    assert p.max() < 2.5 / len(preds)  # the model's 0.9 becomes about 2.4 / 39
    rng = np.random.default_rng(0)
    draws = [training.tutorial_sample(preds, rng) for _ in range(400)]
    assert np.mean(np.array(draws) == 0) < 0.15  # a correct sampler would pick 0 ~90% of the time


def test_tutorial_generate_and_weight_transfer_agree_with_the_tutorials_model():
    keras.utils.set_random_seed(0)
    tut = training.tutorial_prepare(TEXT[:400], maxlen=12)
    model = training.tutorial_model(12, len(tut.chars), units=8)
    model.fit(tut.x[:64], tut.y[:64], batch_size=32, epochs=1, verbose=0)
    out = training.tutorial_generate(model, TEXT[:12].lower(), tut.chars, length=5,
                                     rng=np.random.default_rng(0))
    assert len(out) == 5 and set(out) <= set(tut.chars)
    with pytest.raises(ValueError, match="seed"):
        training.tutorial_generate(model, "short", tut.chars, length=1)
    char_model, vocab = training.tutorial_to_char_model(model, tut.chars)
    ids = np.stack([vocab.encode("".join(tut.chars[i] for i in w.argmax(-1))) for w in tut.x[:20]])
    expected = model.predict(tut.x[:20], verbose=0)  # tutorial's order
    got = char_model.predict(ids, verbose=0)[:, -1]  # sorted order
    perm = [tut.chars.index(c) for c in vocab.chars]
    assert np.abs(expected[:, perm] - got).max() < 1e-5


def test_fit_tutorial_times_epochs_and_measures_held_out_loss():
    keras.utils.set_random_seed(0)
    text = TEXT.lower()
    chars = list(set(text))
    tut = training.tutorial_prepare(text[:600], maxlen=10, chars=chars)
    held = training.tutorial_held_out(text[600:800], chars, maxlen=10)
    assert held.y.shape == (190,) and held.targets == 190
    model = training.tutorial_model(10, len(chars), units=8)
    cb = training.TutorialSampleCallback(tut, length=3, printer=None)
    log = training.fit_tutorial(model, tut, 2, held, callbacks=[cb])
    assert [r["epoch"] for r in log.records] == [1, 2]
    assert all("val_loss" in r and r["seconds"] > 0 for r in log.records)
    assert len(cb.samples) == 2 and len(cb.samples[0][2]) == 3 and len(cb.seconds) == 2


def test_recipe_per_profile():
    assert training.recipe("cpu")["seq_len"] == 50
    assert training.recipe("smoke") == training.recipe("cpu")
    assert training.recipe("gpu")["batch_size"] >= training.recipe("cpu")["batch_size"]
    recipe = training.recipe("cpu")
    recipe["seq_len"] = 1  # a copy: the table is not changed
    assert training.recipe("cpu")["seq_len"] == 50
    with pytest.raises(ValueError, match="profile"):
        training.recipe("tpu")


def test_train_command_saves_a_model_with_its_card(tmp_path, monkeypatch, capsys):
    from rnnbook import train
    from rnnbook.models import load_char_model, saved_models

    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path))
    corpus = tmp_path / "poem.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    assert train.main(["--text", str(corpus), "--kind", "gru", "--units", "4", "--epochs", "2",
                       "--seq-len", "30", "--sample-every", "0"]) == 0
    assert saved_models() == ["poem_gru4"]
    model, vocab, card = load_char_model("poem_gru4")
    assert card["kind"] == "gru" and card["epochs"] == 2 and card["seq_len"] == 30
    assert card["best_val_loss_bits"] == pytest.approx(card["best_val_loss_nats"] / math.log(2),
                                                       abs=1e-3)
    assert vocab == Vocabulary.from_text(TEXT.lower()) and len(card["history"]) == 2
    assert not (tmp_path / "checkpoints" / "poem_gru4").exists()  # removed once saved
    assert "saved" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        train.parse_args(["--units", "0"])
