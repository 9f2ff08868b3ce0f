"""The vanilla (Elman) RNN cell in NumPy: forward pass and backpropagation through time.

The equations, with the weights exactly as ``keras.layers.SimpleRNN.get_weights()`` returns
them (``kernel`` W (features, units), ``recurrent_kernel`` U (units, units), ``bias`` b), in
the notation of the whole course (W acts on the input, U on the previous state)::

    a_t = x_t W + h_{t-1} U + b
    h_t = f(a_t)                    f = tanh or relu

Row vectors, as Keras stores them: a batch of inputs is a (batch, features) matrix and the
product is ``x @ W``, not ``W @ x``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from rnnbook import validate

ACTIVATIONS = ("tanh", "relu")


class RNNWeights(NamedTuple):
    """``SimpleRNN.get_weights()``, checked: W (features, units), U (units, units), b (units,).

    A step given these (from :func:`split_weights`) skips the checks: build them once.
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray


def _check_activation(activation: str) -> None:
    validate.one_of("activation", activation, ACTIVATIONS)


def split_weights(weights: Sequence[np.ndarray]) -> RNNWeights:
    """``[kernel, recurrent_kernel, bias]`` checked against each other, as :class:`RNNWeights`."""
    if isinstance(weights, RNNWeights):
        return weights
    if len(weights) != 3:
        raise validate.error_for(
            "weights", "be [kernel, recurrent_kernel, bias] as SimpleRNN.get_weights() returns",
            received=f"{len(weights)} arrays")
    kernel, recurrent_kernel, bias = (np.asarray(w) for w in weights)
    units = recurrent_kernel.shape[0]
    if recurrent_kernel.shape != (units, units) or kernel.shape[1:] != (units,) or bias.shape != (
        units,
    ):
        raise validate.error_for(
            "weights", "have shapes (features, units), (units, units) and (units,)",
            received=f"kernel {kernel.shape}, recurrent_kernel {recurrent_kernel.shape}, "
                     f"bias {bias.shape}")
    return RNNWeights(kernel, recurrent_kernel, bias)



def _check_inputs(x: np.ndarray, kernel: np.ndarray, h0: np.ndarray | None) -> np.ndarray:
    if x.ndim != 3:
        raise validate.shape_error_for("x", x, "be (batch, time, features)")
    if x.shape[2] != kernel.shape[0]:
        raise validate.shape_error_for("x", x,
                                       f"have {kernel.shape[0]} features, as the kernel expects")
    batch, units = x.shape[0], kernel.shape[1]
    if h0 is None:
        return np.zeros((batch, units), dtype=x.dtype)
    h0 = np.asarray(h0, dtype=x.dtype)
    if h0.shape != (batch, units):
        raise validate.shape_error_for("h0", h0, f"be (batch, units) = {(batch, units)}")
    return h0


def rnn_step(
    x_t: np.ndarray, h: np.ndarray, weights: Sequence[np.ndarray], activation: str = "tanh"
) -> np.ndarray:
    """One step of the vanilla RNN: ``h_new = f(x_t W + h U + b)``.

    Args:
        x_t: the inputs at this step, (batch, features).
        h: the previous hidden state, (batch, units).
        weights: ``[kernel (features, units), recurrent_kernel (units, units), bias (units,)]``,
            or the :class:`RNNWeights` of :func:`split_weights` (checked once, not per step).
        activation: ``"tanh"`` or ``"relu"``.

    Returns:
        The new hidden state, (batch, units).
    """
    _check_activation(activation)
    W, U, b = weights if isinstance(weights, RNNWeights) else split_weights(weights)
    a = x_t @ W + h @ U + b  # the pre-activation
    return np.tanh(a) if activation == "tanh" else np.maximum(a, 0)


def rnn_forward(
    x: np.ndarray,
    weights: Sequence[np.ndarray],
    h0: np.ndarray | None = None,
    activation: str = "tanh",
) -> tuple[np.ndarray, np.ndarray]:
    """Run the vanilla RNN over a batch of sequences.

    Args:
        x: inputs, (batch, time, features).
        weights: ``[kernel, recurrent_kernel, bias]`` as ``SimpleRNN.get_weights()`` returns.
        h0: initial hidden state, (batch, units); zeros if ``None``.
        activation: ``"tanh"`` or ``"relu"``.

    Returns:
        ``(h_seq, h_last)``: every hidden state (batch, time, units) and the last (batch, units).
    """
    _check_activation(activation)
    weights = split_weights(weights)
    W = weights.kernel
    x = np.asarray(x)
    h = _check_inputs(x, W, h0)
    h_seq = np.empty((x.shape[0], x.shape[1], W.shape[1]), dtype=np.result_type(x, h, W))
    for t in range(x.shape[1]):
        h = rnn_step(x[:, t], h, weights, activation)
        h_seq[:, t] = h
    return h_seq, h


def rnn_backward(
    x: np.ndarray,
    weights: Sequence[np.ndarray],
    dh_seq: np.ndarray,
    h0: np.ndarray | None = None,
    activation: str = "tanh",
) -> dict[str, np.ndarray]:
    """Backpropagation through time for the vanilla RNN.

    The loss is ``L = sum(dh_seq * h_seq)``: ``dh_seq[:, t]`` is whatever gradient the layers
    above send into ``h_t`` (for a loss on the last state only, it is zero except at the end).
    The forward pass is recomputed, then the steps are walked backwards::

        dh_t  = dh_seq[:, t] + da_{t+1} U^T      (from above, and from the next step)
        da_t  = dh_t * f'(a_t)
        dW += x_t^T da_t,  dU += h_{t-1}^T da_t,  db += sum_batch da_t,  dx_t = da_t W^T

    Args:
        x: inputs, (batch, time, features).
        weights: ``[kernel, recurrent_kernel, bias]``.
        dh_seq: dL/dh_t from above, (batch, time, units).
        h0: initial hidden state, (batch, units); zeros if ``None``.
        activation: ``"tanh"`` or ``"relu"``.

    Returns:
        A dict of gradients of ``L``: ``"kernel"`` (dW), ``"recurrent_kernel"`` (dU) and
        ``"bias"`` (db), in the weights' shapes, ``"x"`` (batch, time, features), ``"h0"``
        (batch, units), and ``"h"`` (batch, time, units): the total dL/dh_t at every step, the
        quantity that shows how much gradient reaches each step.
    """
    W, U, b = split_weights(weights)
    x = np.asarray(x)
    h_start = _check_inputs(x, W, h0)
    h_seq, _ = rnn_forward(x, weights, h_start, activation)
    dh_seq = np.asarray(dh_seq)
    if dh_seq.shape != h_seq.shape:
        raise validate.shape_error_for("dh_seq", dh_seq, f"have h_seq's shape {h_seq.shape}")
    dtype = h_seq.dtype
    grads = {
        "kernel": np.zeros_like(W, dtype=dtype),
        "recurrent_kernel": np.zeros_like(U, dtype=dtype),
        "bias": np.zeros_like(b, dtype=dtype),
        "x": np.zeros_like(x, dtype=dtype),
        "h": np.zeros_like(h_seq),
    }
    dh_next = np.zeros_like(h_start, dtype=dtype)  # gradient arriving from step t + 1
    for t in reversed(range(x.shape[1])):
        h_t = h_seq[:, t]
        h_prev = h_seq[:, t - 1] if t > 0 else h_start
        dh = dh_seq[:, t] + dh_next
        grads["h"][:, t] = dh
        # f'(a) from the output: 1 - tanh(a)^2, or 1 where relu(a) > 0
        da = dh * (1 - h_t**2) if activation == "tanh" else dh * (h_t > 0)
        grads["kernel"] += x[:, t].T @ da
        grads["recurrent_kernel"] += h_prev.T @ da
        grads["bias"] += da.sum(axis=0)
        grads["x"][:, t] = da @ W.T
        dh_next = da @ U.T
    grads["h0"] = dh_next
    return grads
