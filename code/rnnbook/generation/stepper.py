"""A character model replayed in NumPy, one character at a time: the fast stateful generator.

:class:`CharStepper` copies the weights of a :func:`rnnbook.models.build_char_model` model and
steps through text with the course's own cells (:mod:`rnnbook.cells.numpy_rnn`, looked up in
:mod:`rnnbook.cells`), carrying the recurrent state between calls. Generating a character costs
a few small matrix products instead of a whole ``model.predict`` call.

The weights are copied, checked and cut into per-gate blocks once, when the stepper is built;
a step only checks its ids and state. A stepper is a snapshot: after the model's weights
change (more training), build a new one (:meth:`CharStepper.from_model`).

It is the package's one replay engine: :meth:`CharStepper.step_arrays` also returns every
named array of the step (gates, candidate, states, as :attr:`rnnbook.cells.Cell.arrays` names
them), which :func:`rnnbook.inside.anatomy.record` keeps; :meth:`CharStepper.advance` runs
the recurrent layers alone on input vectors (:func:`rnnbook.inside.forget_gates.forget_gates`).
"""

from __future__ import annotations

import keras
import numpy as np

from rnnbook import validate
from rnnbook.cells import State, cell
from rnnbook.cells.numpy_rnn.activations import softmax
from rnnbook.models import model_config, recurrent_layers


def feed_ids(step, ids: np.ndarray, state):
    """Read a prefix (batch, time), time >= 1, one column at a time through ``step(ids, state)``,
    which returns ``(probs, state)``; the probs (batch, vocab) after the last, and the state.
    Every stepper primes itself with a seed text this way."""
    ids = np.asarray(ids)
    if ids.ndim != 2 or ids.shape[1] < 1:
        raise validate.shape_error_for("ids", ids, "be (batch, time) with time >= 1")
    probs = None
    for t in range(ids.shape[1]):
        probs, state = step(ids[:, t], state)
    return probs, state


def check_ids(ids, vocab_size: int) -> np.ndarray:
    """One step's ids as a 1-D integer array (batch,) in [0, vocab_size), or a clear error."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise validate.error_for("ids", "be a 1-D integer array (batch,)",
                                 received=f"ids.dtype={ids.dtype}, ids.shape={ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise validate.error_for("ids", f"lie in [0, {vocab_size})",
                                 received=f"ids from {ids.min()} to {ids.max()}")
    return ids


class CharStepper:
    """A NumPy replica of a :func:`build_char_model` model that reads one character per step.

    It carries the recurrent state (``h``, and ``c`` for an LSTM) between calls, so generating
    ``n`` characters costs ``n`` steps of a few small matrix products, with no Keras call: the
    "fast stateful generator". The cells are the course's own
    (:func:`~rnnbook.cells.numpy_rnn.lstm_step`, :func:`~rnnbook.cells.numpy_rnn.gru_step`,
    :func:`~rnnbook.cells.numpy_rnn.rnn_step`), fed the weights the Keras layers hold, checked and
    split once here.

    The state is a tuple with one array per recurrent layer (LSTM: two, ``h`` then ``c``),
    each of shape (batch, units).

    Example::

        stepper = CharStepper.from_model(model)
        probs, state = stepper.feed(vocab.encode("shall i compare thee")[None], None)
        probs, state = stepper.step(np.array([next_id]), state)
    """

    def __init__(
        self,
        kind: str,
        input_table: np.ndarray | None,
        cells: list[list[np.ndarray]],
        dense: tuple[np.ndarray, np.ndarray] | None,
        one_hot: bool,
        dtype: type = np.float32,
        **options: bool,
    ) -> None:
        """``input_table`` and ``dense`` may be ``None`` for the recurrent layers alone (then
        only :meth:`advance` runs); ``options`` are the layers' variant (the GRU's
        ``reset_after``)."""
        self.cell = cell(kind)
        self.kind = kind
        self.dtype = np.dtype(dtype)
        self.one_hot = one_hot
        self.options = self.cell.options_of(**options)
        # One-hot input: the identity, so x_t is a one-hot row; embedding: the embedding matrix.
        self.input_table = None if input_table is None else np.asarray(input_table, self.dtype)
        self.cells = [[np.asarray(w, self.dtype) for w in ws] for ws in cells]
        # Checked and cut into per-gate blocks once, here, not at every step.
        self.weights = [self.cell.prepare(ws, **self.options) for ws in self.cells]
        self.dense_kernel, self.dense_bias = (
            (None, None) if dense is None else (np.asarray(w, self.dtype) for w in dense))
        self.units = [ws[1].shape[0] for ws in self.cells]

    @classmethod
    def from_model(cls, model: keras.Model, dtype: type = np.float32) -> CharStepper:
        """Copy the weights of a :func:`build_char_model` model (any backend).

        Raises:
            ValueError: ``model`` is not shaped like a :func:`build_char_model` model.
        """
        cfg = model_config(model)
        vocab_size = cfg["vocab_size"]
        if cfg["embedding_dim"] is None:
            table = np.eye(vocab_size)
        else:
            table = model.get_layer("embedding").get_weights()[0]
        layers = recurrent_layers(model)
        cells = [layer.get_weights() for layer in layers]
        dense = tuple(model.layers[-1].get_weights())
        return cls(cfg["kind"], table, cells, dense, cfg["embedding_dim"] is None, dtype,
                   reset_after=bool(getattr(layers[0], "reset_after", True)))

    @property
    def vocab_size(self) -> int:
        """Number of characters (the width of the probabilities)."""
        return int(self.dense_bias.shape[0])

    def initial_state(self, batch_size: int = 1) -> tuple[np.ndarray, ...]:
        """Zero state (Keras' default initial state): a tuple of (batch, units) arrays."""
        batch_size = validate.positive_int("batch_size", batch_size)
        return tuple(
            np.zeros((batch_size, units), self.dtype)
            for units in self.units for _ in range(self.cell.state_size)
        )

    def step(
        self, ids: np.ndarray, state: tuple[np.ndarray, ...] | None = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Read one character per sequence.

        Args:
            ids: (batch,) integer ids.
            state: the state returned by the previous call, or ``None`` for the zero state.

        Returns:
            ``(probs, new_state)``: probs (batch, vocab_size) of the next character.
        """
        ids = self._check_ids(ids)
        state = self._check_state(state, len(ids))
        # the course's cell (lstm_step, gru_step or rnn_step) on each layer's state in turn
        top, new_state, _ = self._layers(self.input_table[ids], state, arrays=False)
        return softmax(top @ self.dense_kernel + self.dense_bias), new_state

    def step_arrays(
        self, ids: np.ndarray, state: State | None = None
    ) -> tuple[np.ndarray, State, list[dict[str, np.ndarray]]]:
        """:meth:`step`, also returning every named array the step computed.

        Returns:
            ``(probs, new_state, arrays)``: ``arrays[layer]`` maps each name of
            :attr:`rnnbook.cells.Cell.arrays` (gates, candidate, states) to its (batch, units)
            value after this character.
        """
        ids = self._check_ids(ids)
        state = self._check_state(state, len(ids))
        top, new_state, arrays = self._layers(self.input_table[ids], state, arrays=True)
        return softmax(top @ self.dense_kernel + self.dense_bias), new_state, arrays

    def advance(
        self, x: np.ndarray, state: State | None = None
    ) -> tuple[State, list[dict[str, np.ndarray]]]:
        """The recurrent layers alone, fed input vectors: ``(new_state, arrays)`` as
        :meth:`step_arrays` gives them.

        Args:
            x: (batch, features) inputs of this step (what the input table would give).
            state: the state to start from, or ``None`` for the zero state.
        """
        x = np.asarray(x, self.dtype)
        if x.ndim != 2:
            raise validate.shape_error_for("x", x, "be (batch, features)")
        state = self._check_state(state, x.shape[0])
        _, new_state, arrays = self._layers(x, state, arrays=True)
        return new_state, arrays

    def _layers(self, x: np.ndarray, state: State, arrays: bool):
        """Every recurrent layer on x (batch, features): (top h, new state, arrays or [])."""
        new_state: list[np.ndarray] = []
        named: list[dict[str, np.ndarray]] = []
        size = self.cell.state_size
        for layer, weights in enumerate(self.weights):
            layer_state = state[size * layer:size * (layer + 1)]
            if arrays:
                layer_state, values = self.cell.step_arrays(x, layer_state, weights,
                                                            **self.options)
                named.append(values)
            else:
                layer_state = self.cell.step(x, layer_state, weights, **self.options)
            new_state += layer_state
            x = layer_state[0]  # h feeds the next layer
        return x, tuple(new_state), named

    def feed(
        self, ids: np.ndarray, state: tuple[np.ndarray, ...] | None = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Read a whole prefix, step by step (to prime the state with a seed text).

        Args:
            ids: (batch, time) integer ids, time >= 1.
            state: the state to start from, or ``None`` for the zero state.

        Returns:
            ``(probs, state)``: probs (batch, vocab_size) after the last character.
        """
        return feed_ids(self.step, ids, state)

    def _check_ids(self, ids: np.ndarray) -> np.ndarray:
        return check_ids(ids, self.vocab_size)

    def _check_state(self, state, batch: int) -> tuple[np.ndarray, ...]:
        if state is None:
            return self.initial_state(batch)
        expected = [(batch, units) for units in self.units for _ in range(self.cell.state_size)]
        if len(state) != len(expected) or any(
            np.shape(s) != e for s, e in zip(state, expected, strict=False)
        ):
            raise validate.error_for(
                "state", f"be {len(expected)} arrays of shape {expected[0]} (from "
                f"initial_state({batch}) or a previous step)",
                received=f"shapes {[np.shape(s) for s in state]}")
        return tuple(np.asarray(s, self.dtype) for s in state)
