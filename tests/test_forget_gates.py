"""recurrent_weights hands a Keras layer to the NumPy cells; forget_gates reads an LSTM's gates."""

import numpy as np
import pytest

from rnnbook.cells.numpy_rnn.lstm import lstm_gates
from rnnbook.inside import forget_gates
from rnnbook.training import tasks


@pytest.mark.parametrize("kind", tasks.KINDS)
def test_recurrent_weights_are_the_layers_in_float64(kind):
    model = tasks.build_adding_model(kind, 10, 3)
    weights = forget_gates.recurrent_weights(model)
    assert all(w.dtype == np.float64 for w in weights)
    for ours, keras_w in zip(weights, model.layers[0].get_weights(), strict=True):
        np.testing.assert_array_equal(ours, keras_w)


def test_forget_gates_are_the_cells_f():
    rng = np.random.default_rng(0)
    units, features = 3, 2
    weights = [rng.normal(size=(features, 4 * units)), rng.normal(size=(units, 4 * units)),
               rng.normal(size=4 * units)]
    x = rng.normal(size=(4, 6, features))
    f = forget_gates.forget_gates(x, weights)
    assert f.shape == (4, 6, units) and np.all((f > 0) & (f < 1))
    h = c = np.zeros((4, units))
    for t in range(6):
        step = lstm_gates(x[:, t], h, c, weights)
        np.testing.assert_allclose(f[:, t], step["f"])
        h, c = step["h"], step["c"]
    with pytest.raises(ValueError, match="x"):
        forget_gates.forget_gates(x[0], weights)
