"""Looking inside a recurrent layer trained on the adding problem: what it kept, and how.

:func:`rnnbook.training.tasks.train_adding` keeps the trained model on its result
(``AddingResult.model``); :func:`recurrent_weights` takes its recurrent layer's weights back
into the NumPy cells of :mod:`rnnbook.cells.numpy_rnn`, so that a chapter can measure what training
did to them: how much gradient now reaches the early steps
(:func:`rnnbook.cells.gradients.gradient_norms`), and how open an LSTM's forget gates are
(:func:`forget_gates`). ``train_adding(..., unit_forget_bias=False)`` starts the LSTM's
forget-gate bias at 0 rather than Keras's 1, to measure what that default buys.
"""

from __future__ import annotations

import numpy as np

from rnnbook import validate
from rnnbook.generation.stepper import CharStepper


def recurrent_weights(model) -> list[np.ndarray]:
    """The recurrent layer's ``get_weights()`` (what the NumPy cells take), in float64."""
    return [np.asarray(w, np.float64) for w in model.layers[0].get_weights()]


def forget_gates(x: np.ndarray, weights) -> np.ndarray:
    """The forget gate f_t of an LSTM at every step, (batch, time, units).

    Args:
        x: inputs, (batch, time, features).
        weights: ``[kernel, recurrent_kernel, bias]`` of ``keras.layers.LSTM``.
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 3:
        raise validate.shape_error_for("x", x, "be (batch, time, features)")
    # the layer alone (no input table, no softmax), its weights checked and cut once
    stepper = CharStepper("lstm", None, [weights], None, one_hot=False, dtype=np.float64)
    state, gates = None, []
    for t in range(x.shape[1]):
        state, arrays = stepper.advance(x[:, t], state)
        gates.append(arrays[0]["f"])  # (batch, units)
    return np.stack(gates, axis=1)
