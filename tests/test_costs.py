"""Parameter and multiply-add formulas against Keras and against the NumPy cells' own products."""

import keras
import numpy as np
import pytest

from rnnbook.cells import costs
from rnnbook.cells.numpy_rnn import gru_step
from rnnbook.cells.numpy_rnn.lstm import lstm_gates

LAYERS = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


@pytest.mark.parametrize("kind", costs.KINDS)
@pytest.mark.parametrize("features,units", [(2, 8), (65, 128)])
@pytest.mark.parametrize("use_bias", [True, False])
def test_param_count_matches_keras(kind, features, units, use_bias):
    variants = [True, False] if kind == "gru" else [True]
    for reset_after in variants:
        extra = {"reset_after": reset_after} if kind == "gru" else {}
        layer = LAYERS[kind](units, use_bias=use_bias, **extra)
        layer.build((None, None, features))
        assert costs.param_count(kind, features, units, reset_after=reset_after,
                                 use_bias=use_bias) == layer.count_params()


@pytest.mark.parametrize("features,units", [(1, 1), (4, 5), (60, 128)])
def test_lstm_param_count_in_a_model(features, units):
    # a whole Sequential (what the LSTM chapter counts): the layer's parameters, 4u(f+u+1)
    model = keras.Sequential([keras.Input((None, features)), keras.layers.LSTM(units)])
    assert costs.param_count("lstm", features, units) == model.count_params()
    assert costs.param_count("lstm", features, units) == 4 * units * (features + units + 1)


def test_gru_over_lstm_ratio():
    # 3u(f+u+2) / 4u(f+u+1) -> 3/4 for large layers
    ratio = costs.param_count("gru", 65, 128) / costs.param_count("lstm", 65, 128)
    assert ratio == pytest.approx(3 * (65 + 128 + 2) / (4 * (65 + 128 + 1)))
    assert 0.75 < ratio < 0.76


class Counting(np.ndarray):
    """An array that adds the multiply-adds of every matrix product it takes part in."""

    macs = 0

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [np.asarray(a) for a in inputs]
        if ufunc is np.matmul:
            a, b = plain
            Counting.macs += a.shape[0] * a.shape[1] * b.shape[1]
        result = getattr(ufunc, method)(*plain, **kwargs)
        return result.view(Counting) if isinstance(result, np.ndarray) else result


@pytest.mark.parametrize("kind,reset_after", [("lstm", True), ("gru", True), ("gru", False)])
def test_macs_formula_counts_the_cells_products(kind, reset_after):
    features, units, batch = 3, 5, 2
    rng = np.random.default_rng(0)
    extra = {"reset_after": reset_after} if kind == "gru" else {}
    layer = LAYERS[kind](units, **extra)
    layer.build((None, None, features))
    weights = [w.view(Counting) for w in layer.get_weights()]
    x_t = rng.normal(size=(batch, features)).view(Counting)
    h = rng.normal(size=(batch, units)).view(Counting)
    Counting.macs = 0
    if kind == "lstm":
        lstm_gates(x_t, h, h, weights)  # (lstm_step converts to plain arrays first)
    else:
        gru_step(x_t, h, weights, reset_after=reset_after)
    expected = costs.step_cost(kind, features, units, reset_after=reset_after).macs
    assert Counting.macs == batch * expected


def test_step_cost_values():
    assert costs.step_cost("rnn", 2, 4) == costs.StepCost(24, 4, 0, 1)
    gru, lstm = costs.step_cost("gru", 10, 20), costs.step_cost("lstm", 10, 20)
    assert gru.macs * 4 == lstm.macs * 3
    assert costs.step_cost("gru", 10, 20, reset_after=False).serial_matmuls == 2
    assert gru.serial_matmuls == lstm.serial_matmuls == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        costs.param_count("transformer", 2, 2)
    with pytest.raises(ValueError, match="units"):
        costs.step_cost("gru", 2, 0)
    with pytest.raises(ValueError, match="features"):
        costs.param_count("lstm", 1.5, 2)
    with pytest.raises(ValueError, match="features"):
        costs.param_count("lstm", 0, 3)
    with pytest.raises(ValueError, match="impl"):
        costs.step_time("gru", 2, 2, impl="cuda")
    with pytest.raises(ValueError, match="lengths"):
        costs.step_time("gru", 2, 2, lengths=(5, 5))


def test_step_times_interleaves_cells():
    cells = [costs.TimedCell("rnn", 3, 4), costs.TimedCell("gru", 3, 4, reset_after=False)]
    times = costs.step_times(cells, batch=2, lengths=(2, 20), rounds=2)
    assert len(times) == 2 and all(t.per_step > 0 for t in times)


@pytest.mark.parametrize("impl", ["numpy", "keras"])
def test_step_time_measures_something(impl):
    t = costs.step_time("gru", 3, 4, impl=impl, batch=2, lengths=(2, 30), rounds=2)
    assert t.batch == 2 and t.lengths == (2, 30)
    assert 0 < t.per_step < 1.0  # a 4-unit step takes microseconds, not seconds
