"""The registry of recurrent cells: everything the package needs to know about each kind.

One :class:`Cell` per kind (``"rnn"``, ``"lstm"``, ``"gru"``): its Keras layer, its NumPy step,
forward and backward passes (:mod:`rnnbook.cells.numpy_rnn`), its number of dense blocks and
parameter formula, the arrays a step computes (gates, candidate, states) and what they are
called, and how it is named and coloured in figures. Every module that depends on the kind
looks it up here (:func:`cell`), so adding a kind touches this file only.

The package's sub-modules hold what the cells are used for: :mod:`rnnbook.cells.numpy_rnn` (the
equations), :mod:`rnnbook.cells.gradients` (gradients through time), :mod:`rnnbook.cells.costs`
(parameters and work per step).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnbook import validate
from rnnbook.cells.numpy_rnn import gru, lstm, vanilla

State = tuple[np.ndarray, ...]
StepArrays = tuple[State, dict[str, np.ndarray]]  # (new state, {array name: (batch, units)})


def _rnn_step(x: np.ndarray, state: State, weights: Any) -> State:
    return (vanilla.rnn_step(x, state[0], weights),)


def _lstm_step(x: np.ndarray, state: State, weights: Any) -> State:
    return lstm.lstm_step(x, state[0], state[1], weights)


def _gru_step(x: np.ndarray, state: State, weights: Any, reset_after: bool = True) -> State:
    return (gru.gru_step(x, state[0], weights, reset_after),)


def _rnn_arrays(x: np.ndarray, state: State, weights: Any) -> StepArrays:
    h = vanilla.rnn_step(x, state[0], weights)
    return (h,), {"h": h}


def _lstm_arrays(x: np.ndarray, state: State, weights: Any) -> StepArrays:
    out = lstm.lstm_gates(x, state[0], state[1], weights)
    return (out["h"], out["c"]), {name: out[name] for name in ("i", "f", "g", "o", "c", "h")}


def _gru_arrays(x: np.ndarray, state: State, weights: Any, reset_after: bool = True) -> StepArrays:
    z, r, h_tilde, _ = gru.gru_gates(x, state[0], weights, reset_after)
    h = z * state[0] + (1 - z) * h_tilde  # as rnnbook.cells.numpy_rnn.gru_step
    return (h,), {"z": z, "r": r, "h_tilde": h_tilde, "h": h}


@dataclass(frozen=True)
class Cell:
    """One kind of recurrent cell.

    Attributes:
        kind: the name the package uses (``build_char_model(kind=...)``).
        layer_name: the Keras layer class's name in ``keras.layers`` (see :attr:`layer`).
        title: how figures and tables name it.
        color: its matplotlib colour, the same in every figure.
        blocks: dense blocks that see ``[x_t, h_{t-1}]`` (1, 4, 3): the gates and the
            candidate (the vanilla RNN's one block is its whole step).
        biases: bias vectors per gate in Keras's default layer (the GRU with
            ``reset_after=True`` has two: input side and recurrent side).
        state_size: arrays in its recurrent state (the LSTM carries ``h`` and ``c``).
        activations, products: sigmoid/tanh evaluations and element-wise products of a step,
            per unit (see :func:`rnnbook.cells.costs.step_cost`).
        options: the variant options its layer and NumPy passes take (the GRU's
            ``reset_after``); see :meth:`options_of`.
        forward, backward: the NumPy passes over a sequence (:mod:`rnnbook.cells.numpy_rnn`).
        prepare: ``(layer.get_weights(), **options)`` -> the checked, split weights that
            :attr:`step` takes without checking them again (do it once, outside a loop).
        step: ``(x_t, state, prepared weights, **options) -> new state``, the state a tuple of
            ``state_size`` (batch, units) arrays, ``h`` first.
        step_arrays: the same step, returning ``(new state, {name: (batch, units) array})``:
            every array of :attr:`arrays`, what a recording of the cell keeps.
        arrays: the named arrays of a step, name -> what figures call it (gates, candidate,
            states; ``h`` last).
        gate_arrays: those of :attr:`arrays` that are gates, with values in (0, 1).
    """

    kind: str
    layer_name: str
    title: str
    color: str
    blocks: int
    biases: int
    state_size: int
    forward: Callable[..., Any]
    backward: Callable[..., dict]
    prepare: Callable[[Sequence[np.ndarray]], Any]
    step: Callable[..., State]
    step_arrays: Callable[..., StepArrays]
    arrays: Mapping[str, str]
    gate_arrays: tuple[str, ...]
    activations: int = 1
    products: int = 0
    options: tuple[str, ...] = ()

    def options_of(self, **options: Any) -> dict[str, Any]:
        """The subset of ``options`` (e.g. ``reset_after=False``) that this kind takes."""
        return {k: v for k, v in options.items() if k in self.options}

    @property
    def layer(self) -> type:
        """The Keras layer class (``keras.layers.LSTM`` ...)."""
        # keras (and its backend) is imported when a layer is asked for, not with the
        # registry: the NumPy cells and the cost formulas stay usable without it.
        import keras

        return getattr(keras.layers, self.layer_name)

    def param_count(self, features: int, units: int, *, reset_after: bool = True,
                    use_bias: bool = True) -> int:
        """Trainable parameters of the Keras layer: blocks * u * (f + u + biases)."""
        return param_count(self.kind, features, units, reset_after=reset_after,
                           use_bias=use_bias)


CELLS: dict[str, Cell] = {
    c.kind: c
    for c in (
        Cell("rnn", "SimpleRNN", "vanilla RNN (tanh)", "C0", blocks=1, biases=1, state_size=1,
             forward=vanilla.rnn_forward, backward=vanilla.rnn_backward,
             prepare=vanilla.split_weights, step=_rnn_step, step_arrays=_rnn_arrays,
             arrays={"h": "hidden state"}, gate_arrays=(), activations=1, products=0),
        Cell("lstm", "LSTM", "LSTM", "C2", blocks=4, biases=1, state_size=2,
             forward=lstm.lstm_forward, backward=lstm.lstm_backward,
             prepare=lstm.split_weights, step=_lstm_step, step_arrays=_lstm_arrays,
             arrays={"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate",
                     "c": "cell state", "h": "hidden state"},
             gate_arrays=("i", "f", "o"), activations=5, products=3),
        Cell("gru", "GRU", "GRU", "C1", blocks=3, biases=2, state_size=1,
             forward=gru.gru_forward, backward=gru.gru_backward,
             prepare=gru.split_weights, step=_gru_step, step_arrays=_gru_arrays,
             arrays={"z": "update gate", "r": "reset gate", "h_tilde": "candidate",
                     "h": "hidden state"},
             gate_arrays=("z", "r"), activations=3, products=3, options=("reset_after",)),
    )
}
KINDS = tuple(CELLS)  # ("rnn", "lstm", "gru")
BLOCKS = {kind: c.blocks for kind, c in CELLS.items()}  # dense blocks that see [x_t, h_{t-1}]
ARRAY_TITLES = {name: title for c in CELLS.values() for name, title in c.arrays.items()}


def cell(kind: str) -> Cell:
    """The :class:`Cell` of a kind; a ``ValueError`` naming ``kind`` for an unknown one."""
    return CELLS[validate.one_of("kind", kind, KINDS)]


def kind_of_layer(layer: Any) -> str | None:
    """The kind of a Keras recurrent layer (exactly its class, not a subclass), or ``None``."""
    name = type(layer).__name__
    return next((c.kind for c in CELLS.values() if c.layer_name == name), None)


def param_count(
    kind: str, features: int, units: int, *, reset_after: bool = True, use_bias: bool = True
) -> int:
    """Trainable parameters of one Keras recurrent layer (``SimpleRNN``, ``LSTM`` or ``GRU``).

    Args:
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        features: input size f.
        units: hidden size u.
        reset_after: the GRU's variant (ignored for the others); True adds a recurrent bias.
        use_bias: whether the layer has biases.

    Returns:
        blocks * u * (f + u + biases), with biases 2 for a ``reset_after=True`` GRU, else 1.
    """
    c = cell(kind)
    validate.positive_int("features", features)
    validate.positive_int("units", units)
    biases = (c.biases if reset_after else 1) if use_bias else 0
    return BLOCKS[kind] * units * (features + units + biases)
