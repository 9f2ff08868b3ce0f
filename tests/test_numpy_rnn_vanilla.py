"""The NumPy vanilla RNN: Keras parity, the gradient check, and clear errors on bad input."""

import keras
import numpy as np
import pytest

from rnnbook.cells.numpy_rnn import rnn_backward, rnn_forward, rnn_step
from rnnbook.cells.numpy_rnn.gradcheck import check_gradients


def _keras_weights(features, units, seed, recurrent_scale=1.0):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(0, 0.5, (features, units)).astype(np.float32),
        (recurrent_scale * rng.normal(0, 1 / np.sqrt(units), (units, units))).astype(np.float32),
        rng.normal(0, 0.1, (units,)).astype(np.float32),
    ]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_forward_matches_keras_simple_rnn(activation):
    batch, time, features, units = 3, 7, 4, 5
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, time, features)).astype(np.float32)
    h0 = rng.normal(size=(batch, units)).astype(np.float32)  # a non-zero initial state
    weights = _keras_weights(features, units, seed=1)
    layer = keras.layers.SimpleRNN(units, activation=activation, return_sequences=True,
                                   return_state=True)
    layer.build((batch, time, features))
    layer.set_weights(weights)
    k_seq, k_last = layer(x, initial_state=[h0])
    h_seq, h_last = rnn_forward(x, layer.get_weights(), h0=h0, activation=activation)
    assert h_seq.shape == (batch, time, units) and h_seq.dtype == np.float32
    assert np.max(np.abs(h_seq - keras.ops.convert_to_numpy(k_seq))) < 1e-5
    assert np.max(np.abs(h_last - keras.ops.convert_to_numpy(k_last))) < 1e-5
    assert np.array_equal(h_last, h_seq[:, -1])


def test_step_is_one_equation():
    weights = _keras_weights(3, 4, seed=2)
    x_t = np.ones((2, 3), np.float32)
    h = np.full((2, 4), 0.5, np.float32)
    expected = np.tanh(x_t @ weights[0] + h @ weights[1] + weights[2])
    np.testing.assert_allclose(rnn_step(x_t, h, weights), expected, rtol=1e-6)
    relu = rnn_step(x_t, h, weights, activation="relu")
    np.testing.assert_allclose(relu, np.maximum(x_t @ weights[0] + h @ weights[1] + weights[2], 0))


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_backward_passes_gradient_check(activation):
    batch, time, features, units = 2, 5, 3, 4
    rng = np.random.default_rng(3)
    x = rng.normal(size=(batch, time, features))
    h0 = rng.normal(size=(batch, units))
    weights = [w.astype(np.float64) for w in _keras_weights(features, units, seed=4)]
    dh_seq = rng.normal(size=(batch, time, units))

    def loss():
        return float(np.sum(dh_seq * rnn_forward(x, weights, h0=h0, activation=activation)[0]))

    grads = rnn_backward(x, weights, dh_seq, h0=h0, activation=activation)
    params = {"kernel": weights[0], "recurrent_kernel": weights[1], "bias": weights[2],
              "x": x, "h0": h0}
    errors = check_gradients(loss, params, grads)
    assert max(errors.values()) < 1e-6, errors
    assert grads["h"].shape == (batch, time, units)


def test_total_state_gradient_is_upstream_plus_recurrent():
    # with the loss on the last step only, dL/dh_T is dh_seq[:, -1] and earlier steps get only
    # what flows back through the recurrence
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 6, 3))
    weights = [w.astype(np.float64) for w in _keras_weights(3, 4, seed=6)]
    dh_seq = np.zeros((2, 6, 4))
    dh_seq[:, -1] = 1.0
    grads = rnn_backward(x, weights, dh_seq)
    np.testing.assert_array_equal(grads["h"][:, -1], dh_seq[:, -1])
    h_seq, _ = rnn_forward(x, weights)
    da_last = grads["h"][:, -1] * (1 - h_seq[:, -1] ** 2)
    np.testing.assert_allclose(grads["h"][:, -2], da_last @ weights[1].T)


def test_float64_in_float64_out():
    weights = [w.astype(np.float64) for w in _keras_weights(3, 4, seed=7)]
    h_seq, h_last = rnn_forward(np.zeros((1, 2, 3)), weights)
    assert h_seq.dtype == np.float64 and h_last.dtype == np.float64


def test_bad_input_is_named():
    weights = _keras_weights(3, 4, seed=8)
    x = np.zeros((2, 5, 3), np.float32)
    with pytest.raises(ValueError, match="activation"):
        rnn_forward(x, weights, activation="sigmoid")
    with pytest.raises(ValueError, match="Argument `x` must be"):
        rnn_forward(x[0], weights)
    with pytest.raises(ValueError, match="features"):
        rnn_forward(np.zeros((2, 5, 2), np.float32), weights)
    with pytest.raises(ValueError, match="h0"):
        rnn_forward(x, weights, h0=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="weights"):
        rnn_forward(x, weights[:2])
    with pytest.raises(ValueError, match="dh_seq"):
        rnn_backward(x, weights, np.zeros((2, 4, 4)))
