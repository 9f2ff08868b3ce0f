"""The GRU cell in NumPy: forward, hand-written backward pass through time, both reset variants.

Notation (Keras's, which this module matches number for number; ``bx`` is the input-side bias,
``bh`` the recurrent-side one, which exists only when ``reset_after=True``)::

    z_t  = sigmoid(x_t W_z + h_{t-1} U_z + bx_z + bh_z)                 update gate
    r_t  = sigmoid(x_t W_r + h_{t-1} U_r + bx_r + bh_r)                 reset gate
    h~_t = tanh(x_t W_h + bx_h + r_t * (h_{t-1} U_h + bh_h))            reset_after=True
    h~_t = tanh(x_t W_h + (r_t * h_{t-1}) U_h + bx_h)                   reset_after=False
    h_t  = z_t * h_{t-1} + (1 - z_t) * h~_t                             z keeps the old state

Cho et al. (2014) write the last line as here; Chung et al. (2014) swap z and 1 - z, which is
the same model with z renamed 1 - z. The weights are exactly what ``keras.layers.GRU``'s
``get_weights()`` returns: ``kernel (features, 3*units)`` and ``recurrent_kernel
(units, 3*units)`` with columns in the order z, r, h~, then ``bias``: ``(2, 3*units)`` when
``reset_after=True`` (row 0 for the input side, row 1 for the recurrent side), ``(3*units,)``
when ``reset_after=False``. A layer built with ``use_bias=False`` gives two arrays; that works
too (and its gradients have no ``"bias"`` key).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from rnnbook import validate
from rnnbook.cells.numpy_rnn.activations import sigmoid
from rnnbook.cells.numpy_rnn.kernels import block_units


class GRUWeights(NamedTuple):
    """Keras's three arrays cut into the per-gate blocks the equations name.

    ``bx_*`` are the input-side biases; ``bh_*`` the recurrent-side ones (zero unless
    ``reset_after=True``). Each ``W_*`` is (features, units), each ``U_*`` (units, units).
    """

    W_z: np.ndarray
    W_r: np.ndarray
    W_h: np.ndarray
    U_z: np.ndarray
    U_r: np.ndarray
    U_h: np.ndarray
    bx_z: np.ndarray
    bx_r: np.ndarray
    bx_h: np.ndarray
    bh_z: np.ndarray
    bh_r: np.ndarray
    bh_h: np.ndarray


class GRUGates(NamedTuple):
    """What one step computes on the way to h_t; the backward pass needs all of it.

    ``m`` is the recurrent term of the candidate before the reset gate touches it:
    ``h U_h + bh_h`` when ``reset_after=True``, ``r * h`` when ``reset_after=False``.
    """

    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    m: np.ndarray


def split_weights(weights: Sequence[np.ndarray], reset_after: bool = True) -> GRUWeights:
    """Cut ``keras.layers.GRU(...).get_weights()`` into per-gate blocks (order z, r, h~).

    Raises:
        ValueError: if ``weights`` does not have a GRU's shapes, or its bias belongs to the other
            ``reset_after`` variant.
    """
    if isinstance(weights, GRUWeights):
        return weights
    if len(weights) not in (2, 3):
        raise validate.error_for(
            "weights", "be [kernel, recurrent_kernel, bias] (or the first two for a layer "
            "without bias)", received=f"{len(weights)} arrays")
    kernel, recurrent_kernel = np.asarray(weights[0]), np.asarray(weights[1])
    u = block_units(kernel, recurrent_kernel, 3)
    if len(weights) == 2:
        bias = np.zeros((2, 3 * u) if reset_after else (3 * u,), kernel.dtype)
    else:
        bias = np.asarray(weights[2])
    expected = (2, 3 * u) if reset_after else (3 * u,)
    if bias.shape != expected:
        other = "reset_after=False" if bias.shape == (3 * u,) else "reset_after=True"
        hint = f"That is the {other} layout." if bias.shape in ((3 * u,), (2, 3 * u)) else ""
        raise validate.error_for("weights", f"have a bias (weights[2]) of shape {expected} for "
                                 f"reset_after={reset_after}",
                                 received=f"weights[2].shape={bias.shape}", hint=hint)
    b, c = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
    W, U = kernel, recurrent_kernel
    return GRUWeights(W[:, :u], W[:, u:2 * u], W[:, 2 * u:],
                      U[:, :u], U[:, u:2 * u], U[:, 2 * u:],
                      b[:u], b[u:2 * u], b[2 * u:], c[:u], c[u:2 * u], c[2 * u:])


def gru_gates(x_t: np.ndarray, h: np.ndarray, w: GRUWeights, reset_after: bool = True) -> GRUGates:
    """The update gate, the reset gate and the candidate state of one step.

    Args:
        x_t: (batch, features) inputs of this step.
        h: (batch, units) previous hidden state h_{t-1}.
        w: the blocks from :func:`split_weights`.
        reset_after: where the reset gate acts (see the module docstring).
    """
    z = sigmoid(x_t @ w.W_z + h @ w.U_z + w.bx_z + w.bh_z)  # update gate: share of h to keep
    r = sigmoid(x_t @ w.W_r + h @ w.U_r + w.bx_r + w.bh_r)  # reset gate: share of h h~ sees
    if reset_after:
        m = h @ w.U_h + w.bh_h  # the recurrent term first ...
        h_tilde = np.tanh(x_t @ w.W_h + w.bx_h + r * m)  # ... then the reset gate scales it
    else:
        m = r * h  # the reset gate scales the state first ...
        h_tilde = np.tanh(x_t @ w.W_h + m @ w.U_h + w.bx_h)  # ... then the matrix product
    return GRUGates(z, r, h_tilde, m)


def gru_step(
    x_t: np.ndarray, h: np.ndarray, weights: Sequence[np.ndarray], reset_after: bool = True
) -> np.ndarray:
    """One GRU step.

    Args:
        x_t: (batch, features).
        h: (batch, units), the previous hidden state.
        weights: ``keras.layers.GRU(..., reset_after=reset_after).get_weights()``.
        reset_after: Keras's ``reset_after`` (True is Keras's default and the cuDNN variant).

    Returns:
        (batch, units): the new hidden state.
    """
    w = split_weights(weights, reset_after)
    z, _, h_tilde, _ = gru_gates(x_t, h, w, reset_after)
    return z * h + (1 - z) * h_tilde  # Keras's convention: z keeps the old state


def _check_inputs(x: np.ndarray, w: GRUWeights, h0: np.ndarray | None) -> np.ndarray:
    if x.ndim != 3:
        raise validate.shape_error_for("x", x, "be (batch, time, features)")
    features, units = w.W_z.shape
    if x.shape[2] != features:
        raise validate.shape_error_for("x", x, f"have {features} features, as the kernel expects")
    if x.shape[1] == 0:
        raise validate.shape_error_for("x", x, "have at least one time step")
    dtype = np.result_type(x, w.W_z)
    if h0 is None:
        return np.zeros((x.shape[0], units), dtype)
    h0 = np.asarray(h0)
    if h0.shape != (x.shape[0], units):
        raise validate.shape_error_for("h0", h0, f"be (batch, units) = {(x.shape[0], units)}")
    return h0.astype(np.result_type(dtype, h0), copy=False)


def gru_forward(
    x: np.ndarray,
    weights: Sequence[np.ndarray],
    h0: np.ndarray | None = None,
    reset_after: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the GRU over a sequence, as ``keras.layers.GRU(return_sequences=True)`` does.

    Args:
        x: (batch, time, features).
        weights: ``keras.layers.GRU(..., reset_after=reset_after).get_weights()``.
        h0: (batch, units) initial state; zeros if None.
        reset_after: must match the layer the weights come from.

    Returns:
        ``(h_seq, h_last)``: (batch, time, units) and (batch, units).
    """
    x = np.asarray(x)
    w = split_weights(weights, reset_after)
    h = _check_inputs(x, w, h0)
    h_seq = []
    for t in range(x.shape[1]):
        h = gru_step(x[:, t], h, w, reset_after)
        h_seq.append(h)
    return np.stack(h_seq, axis=1), h


def gru_backward(
    x: np.ndarray,
    weights: Sequence[np.ndarray],
    dh_seq: np.ndarray,
    h0: np.ndarray | None = None,
    reset_after: bool = True,
) -> dict[str, np.ndarray]:
    """Backpropagation through time for the loss L = sum(dh_seq * h_seq).

    Args:
        x: (batch, time, features).
        weights: as for :func:`gru_forward`.
        dh_seq: (batch, time, units), dL/dh_t coming from above at every step.
        h0: (batch, units) initial state; zeros if None.
        reset_after: must match the layer the weights come from.

    Returns:
        Gradients ``"kernel"``, ``"recurrent_kernel"``, ``"bias"`` (the weights' shapes; no
        ``"bias"`` for a two-array ``weights``), ``"x"`` (batch, time, features), ``"h0"``
        (batch, units), and ``"h"`` (batch, time, units): the total dL/dh_t at every step, the
        quantity that gradient-flow measurements plot.
    """
    x = np.asarray(x)
    w = split_weights(weights, reset_after)
    h = _check_inputs(x, w, h0)
    dh_seq = np.asarray(dh_seq)
    batch, steps, _ = x.shape
    units = w.U_z.shape[0]
    if dh_seq.shape != (batch, steps, units):
        raise validate.shape_error_for("dh_seq", dh_seq,
                                       f"have h_seq's shape {(batch, steps, units)}")

    # Forward again, keeping what each step's derivative needs.
    h_prev, gates = [], []
    for t in range(steps):
        g = gru_gates(x[:, t], h, w, reset_after)
        h_prev.append(h)
        gates.append(g)
        h = g.z * h + (1 - g.z) * g.h_tilde

    dtype = np.result_type(h, dh_seq)
    d = {name: np.zeros_like(block, dtype=dtype) for name, block in w._asdict().items()}
    dx = np.zeros(x.shape, dtype)
    dh_total = np.zeros((batch, steps, units), dtype)
    dh_next = np.zeros((batch, units), dtype)  # what step t+1 sends back to h_t
    for t in reversed(range(steps)):
        z, r, h_tilde, m = gates[t]
        hp, xt = h_prev[t], x[:, t]
        dh = dh_seq[:, t] + dh_next
        dh_total[:, t] = dh
        # h_t = z * h_{t-1} + (1 - z) * h~
        dz = dh * (hp - h_tilde)
        dh_tilde = dh * (1 - z)
        dh_prev = dh * z
        da_h = dh_tilde * (1 - h_tilde**2)  # through tanh
        if reset_after:  # h~ = tanh(x W_h + bx_h + r * m), m = h U_h + bh_h
            dm = da_h * r
            dr = da_h * m
            d["U_h"] += hp.T @ dm
            d["bh_h"] += dm.sum(0)
            dh_prev += dm @ w.U_h.T
        else:  # h~ = tanh(x W_h + m U_h + bx_h), m = r * h
            dm = da_h @ w.U_h.T
            dr = dm * hp
            d["U_h"] += m.T @ da_h
            dh_prev += dm * r
        d["W_h"] += xt.T @ da_h
        d["bx_h"] += da_h.sum(0)
        dx[:, t] += da_h @ w.W_h.T
        da_z = dz * z * (1 - z)  # through the sigmoids
        da_r = dr * r * (1 - r)
        for gate, da in (("z", da_z), ("r", da_r)):
            d["W_" + gate] += xt.T @ da
            d["U_" + gate] += hp.T @ da
            d["bx_" + gate] += da.sum(0)
            d["bh_" + gate] += da.sum(0)
            dx[:, t] += da @ getattr(w, "W_" + gate).T
            dh_prev += da @ getattr(w, "U_" + gate).T
        dh_next = dh_prev

    grads = {
        "kernel": np.concatenate([d["W_z"], d["W_r"], d["W_h"]], axis=1),
        "recurrent_kernel": np.concatenate([d["U_z"], d["U_r"], d["U_h"]], axis=1),
        "x": dx,
        "h0": dh_next,
        "h": dh_total,
    }
    b = np.concatenate([d["bx_z"], d["bx_r"], d["bx_h"]])
    c = np.concatenate([d["bh_z"], d["bh_r"], d["bh_h"]])
    if len(weights) == 3:
        grads["bias"] = np.stack([b, c]) if reset_after else b
    return grads
