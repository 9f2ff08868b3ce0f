"""The NumPy GRU against keras.layers.GRU (both reset variants) and against central differences."""

import keras
import numpy as np
import pytest

from rnnbook.cells.numpy_rnn import gru_backward, gru_forward, gru_step
from rnnbook.cells.numpy_rnn.gradcheck import check_gradients
from rnnbook.cells.numpy_rnn.gru import split_weights

FEATURES, UNITS, BATCH, STEPS = 4, 6, 3, 7


def keras_gru(reset_after: bool, **kwargs) -> keras.layers.GRU:
    """A built GRU layer with non-zero biases, so every bias entry is exercised."""
    init = keras.initializers
    layer = keras.layers.GRU(UNITS, return_sequences=True, return_state=True,
                             reset_after=reset_after, **kwargs,
                             kernel_initializer=init.GlorotUniform(seed=7),
                             recurrent_initializer=init.Orthogonal(seed=8),
                             bias_initializer=init.RandomNormal(seed=9))
    layer.build((None, STEPS, FEATURES))
    return layer


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("with_h0", [False, True])
def test_forward_matches_keras(reset_after, with_h0):
    rng = np.random.default_rng(0)
    layer = keras_gru(reset_after)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    h0 = rng.normal(size=(BATCH, UNITS)).astype("float32") if with_h0 else None
    out, last = layer(x, initial_state=[h0]) if with_h0 else layer(x)
    h_seq, h_last = gru_forward(x, layer.get_weights(), h0, reset_after=reset_after)
    assert h_seq.dtype == np.float32 and h_seq.shape == (BATCH, STEPS, UNITS)
    assert np.max(np.abs(h_seq - keras.ops.convert_to_numpy(out))) < 1e-5
    assert np.max(np.abs(h_last - keras.ops.convert_to_numpy(last))) < 1e-5


def test_forward_without_bias_matches_keras():
    rng = np.random.default_rng(1)
    layer = keras.layers.GRU(UNITS, return_sequences=True, use_bias=False, seed=3)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(x))
    assert len(layer.get_weights()) == 2
    assert np.max(np.abs(gru_forward(x, layer.get_weights())[0] - out)) < 1e-5


def test_step_is_keras_interpolation():
    """h = z*h_prev + (1 - z)*h~: with a huge update-gate bias, z = 1 and the state is kept."""
    rng = np.random.default_rng(2)
    layer = keras_gru(True)
    kernel, recurrent, bias = layer.get_weights()
    bias[0, :UNITS] = 50.0  # z = sigmoid(50 + ...) = 1
    h = rng.normal(size=(BATCH, UNITS)).astype("float32")
    x_t = rng.normal(size=(BATCH, FEATURES)).astype("float32")
    np.testing.assert_allclose(gru_step(x_t, h, [kernel, recurrent, bias]), h, atol=1e-6)
    bias[0, :UNITS] = -50.0  # z = 0: the state is the candidate, whatever h was
    a = gru_step(x_t, h, [kernel, recurrent, bias])
    assert np.all(np.abs(a) < 1) and not np.allclose(a, h)


@pytest.mark.parametrize("seed", [0, 1, 6])
@pytest.mark.parametrize("reset_after", [True, False])
def test_backward_passes_gradient_check(reset_after, seed):
    rng = np.random.default_rng(seed)
    weights = [w.astype(np.float64) for w in keras_gru(reset_after).get_weights()]
    x = rng.normal(size=(2, 5, FEATURES))
    h0 = rng.normal(size=(2, UNITS))
    dh_seq = rng.normal(size=(2, 5, UNITS))
    grads = gru_backward(x, weights, dh_seq, h0, reset_after=reset_after)

    def loss() -> float:
        return float(np.sum(dh_seq * gru_forward(x, weights, h0, reset_after=reset_after)[0]))

    params = {"kernel": weights[0], "recurrent_kernel": weights[1], "bias": weights[2],
              "x": x, "h0": h0}
    errors = check_gradients(loss, params, grads)
    assert max(errors.values()) < 1e-6, errors
    assert grads["h"].shape == (2, 5, UNITS)
    # The total gradient at the last step is only what arrives from above.
    np.testing.assert_array_equal(grads["h"][:, -1], dh_seq[:, -1])


def test_backward_dtype_and_no_bias_key():
    rng = np.random.default_rng(4)
    layer = keras.layers.GRU(UNITS, use_bias=False, seed=5)
    layer.build((None, 3, FEATURES))
    x = rng.normal(size=(2, 3, FEATURES)).astype("float32")
    grads = gru_backward(x, layer.get_weights(), np.ones((2, 3, UNITS), "float32"))
    assert "bias" not in grads
    assert grads["kernel"].dtype == np.float32 and grads["x"].shape == x.shape


def test_bad_input_is_named():
    layer = keras_gru(True)
    weights = layer.get_weights()
    x = np.zeros((BATCH, STEPS, FEATURES), "float32")
    with pytest.raises(ValueError, match="reset_after=False"):
        split_weights(weights[:2] + [np.zeros(3 * UNITS)], reset_after=True)
    with pytest.raises(ValueError, match="reset_after=True"):
        gru_forward(x, weights, reset_after=False)
    with pytest.raises(ValueError, match="Argument `x` must be"):
        gru_forward(x[0], weights)
    with pytest.raises(ValueError, match="features"):
        gru_forward(x[:, :, :2], weights)
    with pytest.raises(ValueError, match="h0"):
        gru_forward(x, weights, h0=np.zeros((BATCH, UNITS + 1)))
    with pytest.raises(ValueError, match="dh_seq"):
        gru_backward(x, weights, np.zeros((BATCH, STEPS, UNITS + 1)))
    with pytest.raises(ValueError, match="weights"):
        gru_forward(x, weights[:1])
