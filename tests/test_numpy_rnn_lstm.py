"""The NumPy LSTM against keras.layers.LSTM, and its backward pass against central differences."""

import keras
import numpy as np
import pytest

from rnnbook.cells.numpy_rnn import lstm_backward, lstm_forward, lstm_step
from rnnbook.cells.numpy_rnn.gradcheck import check_gradients
from rnnbook.cells.numpy_rnn.lstm import lstm_gates, split_gates

BATCH, TIME, FEATURES, UNITS = 3, 7, 4, 5
# Central-difference step: 1e-5 balances truncation (eps^2) against round-off (1e-16 / eps)
# in float64.
EPS = 1e-5


def keras_lstm(units=UNITS, features=FEATURES, seed=0, randomize_bias=True):
    """A built keras LSTM (unit_forget_bias on, as by default) and its weights."""
    keras.utils.set_random_seed(seed)
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True,
                              unit_forget_bias=True)
    layer.build((None, None, features))
    if randomize_bias:  # the default bias is 0 / 1: make every gate's bias matter
        kernel, recurrent, bias = layer.get_weights()
        rng = np.random.default_rng(seed)
        layer.set_weights([kernel, recurrent, bias + rng.normal(0, 0.5, bias.shape)])
    return layer, layer.get_weights()


def random_inputs(dtype=np.float32, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, TIME, FEATURES)).astype(dtype)
    h0 = rng.normal(size=(BATCH, UNITS)).astype(dtype)
    c0 = rng.normal(size=(BATCH, UNITS)).astype(dtype)
    return x, h0, c0


@pytest.mark.parametrize("initial_state", [False, True])
@pytest.mark.parametrize("randomize_bias", [False, True])
def test_forward_matches_keras(initial_state, randomize_bias):
    layer, weights = keras_lstm(randomize_bias=randomize_bias)
    assert np.allclose(split_gates(weights[2])[1], 1.0) or randomize_bias  # unit_forget_bias
    x, h0, c0 = random_inputs()
    if initial_state:
        ref_seq, ref_h, ref_c = layer(x, initial_state=[h0, c0])
        h_seq, (h, c) = lstm_forward(x, weights, h0, c0)
    else:
        ref_seq, ref_h, ref_c = layer(x)
        h_seq, (h, c) = lstm_forward(x, weights)
    assert h_seq.dtype == np.float32 and h_seq.shape == (BATCH, TIME, UNITS)
    for ours, ref in ((h_seq, ref_seq), (h, ref_h), (c, ref_c)):
        assert np.max(np.abs(ours - keras.ops.convert_to_numpy(ref))) < 1e-5


def test_step_is_one_column_of_forward():
    _, weights = keras_lstm()
    x, h0, c0 = random_inputs()
    h, c = h0, c0
    for t in range(TIME):
        h, c = lstm_step(x[:, t], h, c, weights)
    _, (h_last, c_last) = lstm_forward(x, weights, h0, c0)
    np.testing.assert_allclose(h, h_last, atol=1e-6)
    np.testing.assert_allclose(c, c_last, atol=1e-6)


def test_dtype_follows_inputs():
    _, weights = keras_lstm()
    x, h0, c0 = random_inputs(np.float64)
    h_seq, (h, c) = lstm_forward(x, [w.astype(np.float64) for w in weights], h0, c0)
    assert h_seq.dtype == h.dtype == c.dtype == np.float64


def float64_problem(seed=2):
    _, weights = keras_lstm(seed=seed)
    x, h0, c0 = random_inputs(np.float64, seed)
    weights = [w.astype(np.float64) for w in weights]
    dh_seq = np.random.default_rng(seed).normal(size=(BATCH, TIME, UNITS))
    return x, weights, dh_seq, h0, c0


def test_backward_passes_gradient_check():
    x, weights, dh_seq, h0, c0 = float64_problem()
    kernel, recurrent, bias = weights

    def loss():
        h_seq, _ = lstm_forward(x, [kernel, recurrent, bias], h0, c0)
        return float(np.sum(dh_seq * h_seq))

    grads = lstm_backward(x, weights, dh_seq, h0, c0)
    params = {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias,
              "x": x, "h0": h0, "c0": c0}
    errors = check_gradients(loss, params, grads, eps=EPS)
    assert set(errors) == set(params)
    assert max(errors.values()) < 1e-6, errors


def test_backward_step_gradients_are_total_derivatives():
    """grads["h"][:, t] and grads["c"][:, t] are dL/dh_t and dL/dc_t through every path."""
    x, weights, dh_seq, h0, c0 = float64_problem(seed=3)
    grads = lstm_backward(x, weights, dh_seq, h0, c0)
    t = 3
    _, (h_prev, c_prev) = lstm_forward(x[:, :t], weights, h0, c0)  # states before step t
    step = lstm_gates(x[:, t], h_prev, c_prev, weights)
    h_t, c_t, o_t = step["h"].copy(), step["c"].copy(), step["o"]

    def tail(h, c):  # the loss from step t on, as a function of (h_t, c_t)
        future, _ = lstm_forward(x[:, t + 1:], weights, h, c)
        return float(np.sum(dh_seq[:, t] * h) + np.sum(dh_seq[:, t + 1:] * future))

    # dL/dh_t with c_t held fixed (h_t's own paths: the loss at t and step t+1)
    errors = check_gradients(lambda: tail(h_t, c_t), {"h": h_t}, {"h": grads["h"][:, t]},
                             eps=EPS)
    assert errors["h"] < 1e-6
    # dL/dc_t: c_t reaches the loss through h_t = o_t tanh(c_t) and through c_{t+1}
    errors = check_gradients(lambda: tail(o_t * np.tanh(c_t), c_t), {"c": c_t},
                             {"c": grads["c"][:, t]}, eps=EPS)
    assert errors["c"] < 1e-6


def test_backward_shapes_and_last_step():
    x, weights, dh_seq, h0, c0 = float64_problem()
    grads = lstm_backward(x, weights, dh_seq)
    for name, shape in {"kernel": weights[0].shape, "recurrent_kernel": weights[1].shape,
                        "bias": weights[2].shape, "x": x.shape, "h0": (BATCH, UNITS),
                        "c0": (BATCH, UNITS), "h": dh_seq.shape, "c": dh_seq.shape}.items():
        assert grads[name].shape == shape, name
    # nothing comes from after the last step: dL/dh_T is the loss's own gradient
    np.testing.assert_allclose(grads["h"][:, -1], dh_seq[:, -1])


def test_bad_input_names_the_argument():
    _, weights = keras_lstm()
    x, h0, c0 = random_inputs()
    with pytest.raises(ValueError, match="x"):
        lstm_forward(x[0], weights)
    with pytest.raises(ValueError, match="x"):
        lstm_forward(x[:, :, :2], weights)
    with pytest.raises(ValueError, match="weights"):
        lstm_forward(x, weights[:2])
    with pytest.raises(ValueError, match="weights"):
        lstm_forward(x, [weights[0], weights[1], weights[2][:-1]])
    with pytest.raises(ValueError, match="h0"):
        lstm_forward(x, weights, h0=h0[:, :2])
    with pytest.raises(ValueError, match="c0"):
        lstm_forward(x, weights, h0=h0, c0=c0[:1])
    with pytest.raises(ValueError, match="dh_seq"):
        lstm_backward(x, weights, np.zeros((BATCH, TIME, UNITS + 1)))
