"""The character Transformer: its NumPy twin equals Keras, the causal mask leaks nothing, the
key/value cache equals a full recomputation, and the sizing helper matches the LSTM."""

import keras
import numpy as np
import pytest

from rnnbook.cells.attention import (
    PositionEmbedding,
    TransformerSize,
    build_char_transformer,
    match_parameters,
    size_of,
    transformer_parameters,
)
from rnnbook.cells.numpy_attention import (
    TransformerWeights,
    attention,
    causal_mask,
    gelu,
    multi_head_attention,
    transformer_forward,
)
from rnnbook.generation.sampling import generate
from rnnbook.generation.transformer_stepper import TransformerStepper
from rnnbook.models import build_char_model
from rnnbook.text.vocabulary import Vocabulary

VOCAB = 39  # the sonnets' vocabulary
LSTM256 = 832_519  # shakespeare_lstm256's parameters
SMALL = TransformerSize(dim=16, heads=2, blocks=2, mlp_ratio=4, window=24)


def small_model(positions="learned", seed=0):
    keras.utils.set_random_seed(seed)
    size = TransformerSize(**{**SMALL.__dict__, "positions": positions})
    model = build_char_transformer(VOCAB, size)
    # The output projection and norms start at identity-like values: perturb every weight so a
    # wrong order or a missing term shows.
    rng = np.random.default_rng(seed)
    model.set_weights([w + rng.normal(0, 0.2, w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    return model


def ids(batch=3, time=20, seed=1):
    return np.random.default_rng(seed).integers(0, VOCAB, (batch, time)).astype(np.int32)


@pytest.mark.parametrize("positions", ["learned", "sinusoidal", None])
def test_numpy_twin_equals_keras(positions):
    model = small_model(positions)
    x = ids()
    expected = np.asarray(model.predict(x, verbose=0))
    got = transformer_forward(TransformerWeights.from_model(model), x)
    assert got.shape == expected.shape == (3, 20, VOCAB)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_numpy_attention_step_equals_keras_layer():
    keras.utils.set_random_seed(3)
    layer = keras.layers.MultiHeadAttention(4, 8)
    x = np.random.default_rng(2).normal(size=(2, 11, 32)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(layer(x, x, use_causal_mask=True))
    q, qb, k, kb, v, vb, o, ob = layer.get_weights()
    w = {"q_kernel": q, "q_bias": qb, "k_kernel": k, "k_bias": kb, "v_kernel": v, "v_bias": vb,
         "o_kernel": o, "o_bias": ob}
    np.testing.assert_allclose(multi_head_attention(x, w), expected, atol=1e-5)


def test_causal_mask_and_attention_weights():
    mask = causal_mask(4)
    assert mask.tolist() == [[True, False, False, False], [True, True, False, False],
                             [True, True, True, False], [True, True, True, True]]
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(5, 3)) for _ in range(3))
    _, weights = attention(q, k, v, causal_mask(5))
    assert np.all(weights[~causal_mask(5)] == 0)
    np.testing.assert_allclose(weights.sum(-1), 1.0)
    with pytest.raises(ValueError, match="Argument `length`"):
        causal_mask(0)


@pytest.mark.parametrize("t", [0, 7, 19])
def test_causal_mask_leaks_nothing(t):
    """A change at position t changes no output before t, in Keras and in the twin."""
    model = small_model()
    x = ids(batch=2)
    changed = x.copy()
    changed[:, t] = (changed[:, t] + 1) % VOCAB
    weights = TransformerWeights.from_model(model)
    for run in (lambda a: np.asarray(model.predict(a, verbose=0)),
                lambda a: transformer_forward(weights, a)):
        before, after = run(x), run(changed)
        np.testing.assert_array_equal(before[:, :t], after[:, :t])
        assert np.abs(before[:, t] - after[:, t]).max() > 1e-4  # and the change is seen at t


@pytest.mark.parametrize("positions", ["learned", "sinusoidal"])
def test_cached_steps_equal_full_recomputation(positions):
    model = small_model(positions)
    stepper = TransformerStepper.from_model(model)
    x = ids(batch=2, time=SMALL.window)
    full = transformer_forward(stepper.weights, x)  # (batch, time, vocab)
    cache = None
    for t in range(x.shape[1]):
        probs, cache = stepper.step(x[:, t], cache)
        np.testing.assert_allclose(probs, full[:, t], atol=1e-5)
        np.testing.assert_allclose(stepper.full_step(x[:, :t + 1]), full[:, t], atol=1e-6)
    assert cache[0] == SMALL.window and cache[1][0][0].shape == (2, 2, SMALL.window, 8)
    probs, _ = stepper.feed(x, None)
    np.testing.assert_allclose(probs, full[:, -1], atol=1e-5)


def test_past_the_window_the_stepper_keeps_the_latest_half():
    stepper = TransformerStepper.from_model(small_model())
    x = ids(batch=2, time=SMALL.window + 5)
    _, cache = stepper.feed(x[:, :SMALL.window], stepper.initial_state(2))
    for t in range(SMALL.window, x.shape[1]):
        probs, cache = stepper.step(x[:, t], cache)
        seen = x[:, SMALL.window - SMALL.window // 2:t + 1]  # the kept half, then what followed
        np.testing.assert_allclose(probs, stepper.full_step(seen), atol=1e-5)
    with pytest.raises(ValueError, match="window=24"):
        stepper.full_step(x)  # learned positions: no more than the window at once
    with pytest.raises(ValueError, match="Argument `ids`"):
        stepper.step(np.array([VOCAB]), None)


def test_sampling_generates_with_a_transformer_stepper():
    stepper = TransformerStepper.from_model(small_model())
    vocab = Vocabulary(tuple("abcdefghijklmnopqrstuvwxyz") + tuple(" .,;:!?'\n-()&"))
    assert len(vocab) == VOCAB
    text = generate(stepper, vocab, "shall i compare thee", 60, rng=np.random.default_rng(0))
    assert len(text) == 60 and set(text) <= set(vocab.to_list())
    assert generate(stepper, vocab, "shall i", 10, temperature=0.0) == generate(
        stepper, vocab, "shall i", 10, temperature=0.0)


def test_gelu_matches_keras():
    x = np.linspace(-6, 6, 101).astype(np.float32)
    np.testing.assert_allclose(gelu(x), np.asarray(keras.activations.gelu(x)), atol=1e-6)


def test_parameter_count_formula_and_size_of():
    for size in (SMALL, TransformerSize(positions="sinusoidal"), TransformerSize(positions=None),
                 TransformerSize(dim=96, heads=3, blocks=3, mlp_ratio=2, window=50)):
        model = build_char_transformer(VOCAB, size)
        assert model.count_params() == transformer_parameters(VOCAB, size)
        assert size_of(model) == size


def test_matched_size_is_within_ten_percent_of_the_lstm():
    lstm = build_char_model(VOCAB, "lstm", 256, embedding_dim=32, layers=2)
    assert lstm.count_params() == LSTM256
    size = match_parameters(LSTM256, VOCAB)
    model = build_char_transformer(VOCAB, size)
    assert abs(model.count_params() - LSTM256) / LSTM256 < 0.10
    assert model.output_shape == (None, None, VOCAB)


def test_learned_positions_refuse_inputs_longer_than_the_window():
    with pytest.raises(ValueError, match="window=4"):
        PositionEmbedding(4, 2)(np.zeros((1, 5, 2), np.float32))
    assert PositionEmbedding(4, 2, "sinusoidal")(np.zeros((1, 9, 2), np.float32)).shape == (1, 9, 2)


def test_bad_sizes_are_refused_in_the_one_form():
    with pytest.raises(ValueError, match="Argument `dim` must be a multiple of heads=3"):
        build_char_transformer(VOCAB, TransformerSize(dim=16, heads=3))
    with pytest.raises(ValueError, match="Argument `positions`"):
        build_char_transformer(VOCAB, TransformerSize(positions="rotary"))


def test_attention_maps_are_causal_rows_that_sum_to_one():
    from rnnbook.cells.numpy_attention import attention_maps
    model = small_model()
    maps = attention_maps(TransformerWeights.from_model(model), ids(1, 12)[0])
    assert maps.shape == (SMALL.blocks, SMALL.heads, 12, 12)
    np.testing.assert_allclose(maps.sum(axis=-1), 1.0, atol=1e-6)
    assert (maps[..., np.triu_indices(12, k=1)[0], np.triu_indices(12, k=1)[1]] == 0).all()
