"""The registry of cells: one entry per kind, agreeing with Keras and with the NumPy cells."""

import keras
import numpy as np
import pytest

from rnnbook import cells
from rnnbook.cells import numpy_rnn


def test_the_kinds_are_the_registry_s():
    assert cells.KINDS == tuple(cells.CELLS) == ("rnn", "lstm", "gru")
    with pytest.raises(ValueError, match="Argument `kind` must be one of 'rnn', 'lstm', 'gru'. "
                                         "Received: kind='cnn'"):
        cells.cell("cnn")


@pytest.mark.parametrize("kind", cells.KINDS)
@pytest.mark.parametrize("reset_after", [True, False])
def test_layer_and_parameter_formula_match_keras(kind, reset_after):
    c = cells.cell(kind)
    layer = c.layer(5, **c.options_of(reset_after=reset_after))
    layer.build((None, None, 3))
    assert cells.kind_of_layer(layer) == kind
    assert layer.count_params() == c.param_count(3, 5, reset_after=reset_after)
    assert len(layer.get_weights()[1][0]) == c.blocks * 5


@pytest.mark.parametrize("kind", cells.KINDS)
def test_prepared_step_is_the_numpy_step(kind):
    c = cells.cell(kind)
    layer = c.layer(4)
    layer.build((None, None, 3))
    weights = layer.get_weights()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3)).astype("float32")
    state = tuple(rng.normal(size=(2, 4)).astype("float32") for _ in range(c.state_size))
    got = c.step(x, state, c.prepare(weights))
    if kind == "lstm":
        expected = numpy_rnn.lstm_step(x, *state, weights)
    else:
        expected = (getattr(numpy_rnn, f"{kind}_step")(x, state[0], weights),)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-6)
    h_seq, _ = c.forward(x[:, None], weights)
    np.testing.assert_allclose(h_seq[:, 0], c.step(x, tuple(np.zeros_like(s) for s in state),
                                                   c.prepare(weights))[0], rtol=1e-6)


def test_a_layer_outside_the_registry_has_no_kind():
    assert cells.kind_of_layer(keras.layers.Dense(3)) is None


@pytest.mark.parametrize("kind, options", [("rnn", {}), ("lstm", {}),
                                           ("gru", {"reset_after": True}),
                                           ("gru", {"reset_after": False})])
def test_step_arrays_is_the_step_with_every_named_array(kind, options):
    c = cells.cell(kind)
    layer = c.layer(4, **options)
    layer.build((None, None, 3))
    weights = c.prepare(layer.get_weights(), **options)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3)).astype("float32")
    state = tuple(rng.normal(size=(2, 4)).astype("float32") for _ in range(c.state_size))
    new_state, arrays = c.step_arrays(x, state, weights, **options)
    for got, expected in zip(new_state, c.step(x, state, weights, **options), strict=True):
        np.testing.assert_array_equal(got, expected)
    assert list(arrays) == list(c.arrays) and list(c.arrays)[-1] == "h"
    np.testing.assert_array_equal(arrays["h"], new_state[0])
    assert set(c.gate_arrays) <= set(c.arrays)
    for gate in c.gate_arrays:
        assert ((arrays[gate] > 0) & (arrays[gate] < 1)).all()
    assert all(cells.ARRAY_TITLES[name] == title for name, title in c.arrays.items())
