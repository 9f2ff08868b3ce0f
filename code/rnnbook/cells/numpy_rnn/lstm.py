"""The LSTM cell in NumPy: forward and backpropagation through time.

The weights are exactly what ``keras.layers.LSTM(units).get_weights()`` returns::

    kernel            (features, 4 * units)   input -> gates
    recurrent_kernel  (units, 4 * units)      previous hidden state -> gates
    bias              (4 * units,)

with the four gates side by side in Keras's column order: input ``i``, forget ``f``,
candidate ``c~`` (written ``g`` in the code) and output ``o``. The six equations of a step::

    i_t  = sigmoid(x_t W_i + h_{t-1} U_i + b_i)      input gate
    f_t  = sigmoid(x_t W_f + h_{t-1} U_f + b_f)      forget gate
    c~_t = tanh(x_t W_c + h_{t-1} U_c + b_c)         candidate values
    c_t  = f_t * c_{t-1} + i_t * c~_t                cell state
    o_t  = sigmoid(x_t W_o + h_{t-1} U_o + b_o)      output gate
    h_t  = o_t * tanh(c_t)                           hidden state

Arrays follow the inputs' dtype (float32 to compare with Keras, float64 for gradient checks).
The layer's parameter count is :func:`rnnbook.cells.costs.param_count` (``"lstm"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from rnnbook import validate
from rnnbook.cells.numpy_rnn.activations import sigmoid
from rnnbook.cells.numpy_rnn.kernels import block_units

BLOCK_ORDER = ("input", "forget", "candidate", "output")  # Keras's column order in the weights


class LSTMWeights(NamedTuple):
    """Keras's three arrays, checked and cut into the per-gate blocks the equations name.

    Each ``W_*`` is (features, units), each ``U_*`` (units, units), each ``b_*`` (units,). A step
    given these (from :func:`split_weights`) skips the checks and the cutting: build them once.
    """

    W_i: np.ndarray
    W_f: np.ndarray
    W_c: np.ndarray
    W_o: np.ndarray
    U_i: np.ndarray
    U_f: np.ndarray
    U_c: np.ndarray
    U_o: np.ndarray
    b_i: np.ndarray
    b_f: np.ndarray
    b_c: np.ndarray
    b_o: np.ndarray


def split_gates(array: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split a (..., 4 * units) array into its (i, f, c~, o) blocks of (..., units) each."""
    if array.shape[-1] % 4:
        raise validate.shape_error_for("array", array, "have a last dimension of 4 * units")
    i, f, g, o = np.split(array, 4, axis=-1)
    return i, f, g, o


def _check_weights(weights: Sequence[np.ndarray], dtype: np.dtype | None = None):
    """(kernel, recurrent_kernel, bias) of a Keras LSTM, checked, in the inputs' dtype."""
    if len(weights) != 3:
        raise validate.error_for(
            "weights", "be [kernel, recurrent_kernel, bias] as LSTM.get_weights() returns",
            received=f"{len(weights)} arrays")
    kernel, recurrent, bias = (np.asarray(w) for w in weights)
    units = block_units(kernel, recurrent, 4)
    if bias.shape != (4 * units,):
        raise validate.error_for("weights", f"have a bias (weights[2]) of shape ({4 * units},)",
                                 received=f"weights[2].shape={bias.shape}")
    if dtype is not None:
        kernel, recurrent, bias = (w.astype(dtype, copy=False) for w in (kernel, recurrent, bias))
    return kernel, recurrent, bias


def split_weights(weights: Sequence[np.ndarray], dtype: np.dtype | None = None) -> LSTMWeights:
    """``LSTM.get_weights()`` checked and cut into :class:`LSTMWeights` (in ``dtype`` if given)."""
    if isinstance(weights, LSTMWeights):
        return weights
    kernel, recurrent, bias = _check_weights(weights, dtype)
    return LSTMWeights(*split_gates(kernel), *split_gates(recurrent), *split_gates(bias))


def _dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 stays float32, float64 stays float64; integers become float32."""
    return np.result_type(*(np.asarray(a).dtype for a in arrays), np.float32)


def _state(name: str, state: np.ndarray | None, batch: int, units: int, dtype) -> np.ndarray:
    if state is None:
        return np.zeros((batch, units), dtype)
    state = np.asarray(state, dtype)
    if state.shape != (batch, units):
        raise validate.shape_error_for(name, state, f"be {(batch, units)}")
    return state


def lstm_gates(
    x_t: np.ndarray, h: np.ndarray, c: np.ndarray, weights: Sequence[np.ndarray]
) -> dict[str, np.ndarray]:
    """One LSTM step, returning every intermediate value (the backward pass needs them).

    Args:
        x_t: input at this step, (batch, features).
        h: previous hidden state h_{t-1}, (batch, units).
        c: previous cell state c_{t-1}, (batch, units).
        weights: ``[kernel, recurrent_kernel, bias]`` of ``keras.layers.LSTM``, or their
            :class:`LSTMWeights`.

    Returns:
        A dict of (batch, units) arrays: ``i``, ``f``, ``g`` (the candidate c~), ``o``, ``c``
        (the new cell state), ``tanh_c`` and ``h`` (the new hidden state).
    """
    W_i, W_f, W_c, W_o, U_i, U_f, U_c, U_o, b_i, b_f, b_c, b_o = split_weights(weights)

    f = sigmoid(x_t @ W_f + h @ U_f + b_f)  # forget gate: how much of c_{t-1} to keep
    i = sigmoid(x_t @ W_i + h @ U_i + b_i)  # input gate: how much of the candidate to write
    g = np.tanh(x_t @ W_c + h @ U_c + b_c)  # candidate values c~_t, in (-1, 1)
    c_new = f * c + i * g  # cell state: only an element-wise product and a sum
    o = sigmoid(x_t @ W_o + h @ U_o + b_o)  # output gate: how much of the cell to show
    h_new = o * np.tanh(c_new)  # hidden state
    return {"i": i, "f": f, "g": g, "o": o, "c": c_new, "tanh_c": np.tanh(c_new), "h": h_new}


def lstm_step(
    x_t: np.ndarray, h: np.ndarray, c: np.ndarray, weights: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step: ``(h_t, c_t)`` from x_t (batch, features), h_{t-1} and c_{t-1}.

    h and c are (batch, units); so are the returned h_t and c_t. ``weights`` may be the
    :class:`LSTMWeights` of :func:`split_weights`: then nothing is checked or converted (the
    arrays must already share a dtype), which is what a loop over many steps wants.
    """
    if not isinstance(weights, LSTMWeights):
        dtype = _dtype(x_t, h, c, weights[0] if len(weights) else np.float32)
        x_t, h, c = (np.asarray(a, dtype) for a in (x_t, h, c))
        weights = split_weights(weights, dtype)
    step = lstm_gates(x_t, h, c, weights)
    return step["h"], step["c"]


def _check_x(x: np.ndarray, kernel: np.ndarray) -> None:
    if x.ndim != 3:
        raise validate.shape_error_for("x", x, "be (batch, time, features)")
    if x.shape[2] != kernel.shape[0]:
        raise validate.shape_error_for("x", x,
                                       f"have {kernel.shape[0]} features, as the kernel expects")


def lstm_forward(
    x: np.ndarray,
    weights: Sequence[np.ndarray],
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Run the LSTM over a batch of sequences, as ``keras.layers.LSTM(return_sequences=True)``.

    Args:
        x: inputs, (batch, time, features).
        weights: ``[kernel, recurrent_kernel, bias]`` of ``keras.layers.LSTM``.
        h0: initial hidden state, (batch, units); zeros if None.
        c0: initial cell state, (batch, units); zeros if None.

    Returns:
        ``(h_seq, (h_last, c_last))``: every hidden state (batch, time, units), and the final
        hidden and cell states (batch, units) each.
    """
    h_seq, _, (h, c) = _forward(x, weights, h0, c0)
    return h_seq, (h, c)


def _forward(x, weights, h0, c0):
    """lstm_forward that also keeps each step's values for the backward pass."""
    x = np.asarray(x)
    dtype = _dtype(x, np.asarray(weights[0]) if len(weights) else np.float32)
    kernel, recurrent, bias = _check_weights(weights, dtype)
    x = x.astype(dtype, copy=False)
    _check_x(x, kernel)
    batch, steps, _ = x.shape
    units = recurrent.shape[0]
    h = _state("h0", h0, batch, units, dtype)
    c = _state("c0", c0, batch, units, dtype)
    h_seq = np.zeros((batch, steps, units), dtype)
    blocks = split_weights((kernel, recurrent, bias))
    cache = []
    for t in range(steps):
        step = lstm_gates(x[:, t], h, c, blocks)
        cache.append({**step, "h_prev": h, "c_prev": c})
        h, c = step["h"], step["c"]
        h_seq[:, t] = h
    return h_seq, cache, (h, c)


def lstm_backward(
    x: np.ndarray,
    weights: Sequence[np.ndarray],
    dh_seq: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    dc_last: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Backpropagation through time for ``L = sum(dh_seq * h_seq) + sum(dc_last * c_T)``.

    Any loss computed from the hidden states has this form locally: ``dh_seq`` is dL/dh_t
    from the layers above, step by step.

    Args:
        x: inputs, (batch, time, features).
        weights: ``[kernel, recurrent_kernel, bias]`` of ``keras.layers.LSTM``.
        dh_seq: gradient of the loss with respect to each h_t from above, (batch, time, units).
        h0, c0: initial states as for :func:`lstm_forward`.
        dc_last: gradient reaching the last cell state from beyond the sequence (a later
            window, or the step after in a one-step backward pass), (batch, units); zeros if None.

    Returns:
        Gradients of L: ``kernel``, ``recurrent_kernel``, ``bias`` (the weights' shapes),
        ``x`` (batch, time, features), ``h0`` and ``c0`` (batch, units), and the total gradients
        at every step ``h`` = dL/dh_t and ``c`` = dL/dc_t (batch, time, units each).
    """
    h_seq, cache, _ = _forward(x, weights, h0, c0)
    dtype = h_seq.dtype
    kernel, recurrent, bias = _check_weights(weights, dtype)
    x = np.asarray(x, dtype)
    dh_seq = np.asarray(dh_seq, dtype)
    if dh_seq.shape != h_seq.shape:
        raise validate.shape_error_for("dh_seq", dh_seq, f"have h_seq's shape {h_seq.shape}")

    grads = {
        "kernel": np.zeros_like(kernel), "recurrent_kernel": np.zeros_like(recurrent),
        "bias": np.zeros_like(bias), "x": np.zeros_like(x),
        "h": np.zeros_like(h_seq), "c": np.zeros_like(h_seq),
    }
    dh_next = np.zeros_like(h_seq[:, 0])  # dL/dh_t arriving from step t+1
    dc_next = _state("dc_last", dc_last, *h_seq[:, 0].shape, dtype)  # dL/dc_t from step t+1
    for t in reversed(range(x.shape[1])):
        s = cache[t]
        dh = dh_seq[:, t] + dh_next  # h_t feeds the loss and the next step
        dc = dc_next + dh * s["o"] * (1 - s["tanh_c"] ** 2)  # c_t feeds h_t and c_{t+1}
        grads["h"][:, t], grads["c"][:, t] = dh, dc
        # through the gates to their pre-activations (sigmoid' = s(1-s), tanh' = 1-tanh^2)
        dz_i = dc * s["g"] * s["i"] * (1 - s["i"])
        dz_f = dc * s["c_prev"] * s["f"] * (1 - s["f"])
        dz_g = dc * s["i"] * (1 - s["g"] ** 2)
        dz_o = dh * s["tanh_c"] * s["o"] * (1 - s["o"])
        dz = np.concatenate([dz_i, dz_f, dz_g, dz_o], axis=-1)  # Keras's column order
        grads["kernel"] += x[:, t].T @ dz
        grads["recurrent_kernel"] += s["h_prev"].T @ dz
        grads["bias"] += dz.sum(axis=0)
        grads["x"][:, t] = dz @ kernel.T
        dh_next = dz @ recurrent.T
        dc_next = dc * s["f"]  # the cell path: one element-wise product per step
    grads["h0"], grads["c0"] = dh_next, dc_next
    return grads
