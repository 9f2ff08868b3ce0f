"""train_adding_model is train_adding keeping the model; forget_gates reads an LSTM's gates."""

import dataclasses

import numpy as np
import pytest

from rnnbook import memory, tasks
from rnnbook.config import Profile
from rnnbook.numpy_rnn.lstm import lstm_gates

SMOKE = tasks.adding_budget(Profile("smoke"))
TINY = dataclasses.replace(SMOKE, train_size=64, test_size=32, epochs=1, learning_rate=1e-3)


@pytest.mark.parametrize("kind,budget", [("lstm", SMOKE), ("rnn", TINY)])
def test_reproduces_train_adding(kind, budget):
    seq_len = SMOKE.lengths[0]
    reference = tasks.train_adding(kind, seq_len, budget)
    result, model = memory.train_adding_model(kind, seq_len, budget)
    assert result.kind == kind and result.seq_len == seq_len and result.steps == reference.steps
    np.testing.assert_allclose(result.history, reference.history, rtol=1e-5)
    np.testing.assert_allclose(result.final_mse, reference.final_mse, rtol=1e-5)
    assert model.layers[0].__class__.__name__ == {"lstm": "LSTM", "rnn": "SimpleRNN"}[kind]


@pytest.mark.parametrize("unit_forget_bias,start", [(True, 1.0), (False, 0.0)])
def test_forget_bias_starts_where_asked(unit_forget_bias, start):
    _, model = memory.train_adding_model("lstm", 10, TINY, unit_forget_bias=unit_forget_bias)
    weights = memory.recurrent_weights(model)
    units = weights[1].shape[0]
    b_f = weights[2][units:2 * units]
    # one epoch of Adam at 1e-3 moves each bias by at most about steps * 1e-3
    assert np.all(np.abs(b_f - start) <= TINY.steps * 1e-3 + 1e-6)
    assert all(w.dtype == np.float64 for w in weights)


def test_forget_bias_option_is_for_the_lstm_only():
    with pytest.raises(ValueError, match="unit_forget_bias"):
        memory.train_adding_model("rnn", 10, TINY, unit_forget_bias=False)
    with pytest.raises(ValueError, match="kind"):
        memory.train_adding_model("transformer", 10, TINY)


def test_forget_gates_are_the_cells_f():
    rng = np.random.default_rng(0)
    units, features = 3, 2
    weights = [rng.normal(size=(features, 4 * units)), rng.normal(size=(units, 4 * units)),
               rng.normal(size=4 * units)]
    x = rng.normal(size=(4, 6, features))
    f = memory.forget_gates(x, weights)
    assert f.shape == (4, 6, units) and np.all((f > 0) & (f < 1))
    h = c = np.zeros((4, units))
    for t in range(6):
        step = lstm_gates(x[:, t], h, c, weights)
        np.testing.assert_allclose(f[:, t], step["f"])
        h, c = step["h"], step["c"]
    with pytest.raises(ValueError, match="x"):
        memory.forget_gates(x[0], weights)
