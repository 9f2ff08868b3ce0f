"""Gradients through time: how much of it reaches early steps, and how to clip it.

- :func:`gradient_norms` runs a NumPy cell's backward pass (vanilla RNN, LSTM or GRU) with a
  loss on the last state only and returns the norm of dL/dh_t at every step t: how much of the
  gradient at step T reaches step t.
- :func:`recurrent_matrix` builds a recurrent matrix with a chosen spectral radius, the knob
  that decides whether that gradient vanishes or explodes.
- :func:`clip_by_value` (element-wise, Keras ``clipvalue``, min-char-rnn's ``np.clip(g, -5, 5)``)
  and :func:`clip_by_norm` (global norm, Pascanu, Mikolov & Bengio 2013, Algorithm 1; Keras
  ``global_clipnorm``), on a list or dict of arrays, as an optimizer sees them.
- :func:`train_rnn_sgd`: plain SGD on a NumPy RNN with either clipping or none, to watch a run
  diverge or not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from rnnbook import validate
from rnnbook.cells import cell
from rnnbook.cells.numpy_rnn import rnn_backward, rnn_forward

Grads = Sequence[np.ndarray] | Mapping[str, np.ndarray]


def gradient_norms(
    kind: str,
    x: np.ndarray,
    weights: Sequence[np.ndarray],
    h0: np.ndarray | None = None,
    state: str = "h",
    **cell_kwargs,
) -> np.ndarray:
    """How much gradient reaches each step from a loss on the last hidden state.

    The loss is ``L = sum(h_T * u)`` with ``u`` a unit vector per sequence (all entries
    ``1/sqrt(units)``), so ``||dL/dh_T|| = 1`` and ``||dL/dh_t||`` is the gain from step T back to
    step t: the norm of ``u^T dh_T/dh_t``.

    Args:
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``: which ``rnnbook.cells.numpy_rnn`` backward to run.
        x: inputs, (batch, time, features).
        weights: the cell's weights, as the matching Keras layer's ``get_weights()`` returns.
        h0: initial hidden state, (batch, units); zeros if ``None``.
        state: ``"h"`` for the hidden state, ``"c"`` for the LSTM's cell state, ``"x"`` for
            the input (``||dL/dx_t||``: the same quantity for every kind of cell, so curves of
            two kinds compare like with like).
        **cell_kwargs: passed to the backward pass (``activation="relu"`` for the RNN,
            ``c0=...`` for the LSTM, ``reset_after=...`` for the GRU).

    Returns:
        A (time,) array: entry t is the batch mean of ``||dL/dh_t||``; entry ``time - 1`` is 1
        (for ``state="h"``). The distance from the loss is ``time - 1 - t``.
    """
    backward = cell(kind).backward
    if state not in ("h", "c", "x") or (state == "c" and cell(kind).state_size < 2):
        raise validate.error_for("state",
                                 "be 'h', 'x' (or 'c' for a cell with a cell state, the lstm)",
                                 received=f"state={state!r} for kind={kind!r}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise validate.shape_error_for("x", x, "be (batch, time, features)")
    units = np.asarray(weights[1]).shape[0]
    dh_seq = np.zeros((x.shape[0], x.shape[1], units), dtype=x.dtype)
    dh_seq[:, -1] = 1 / np.sqrt(units)
    grads = backward(x, weights, dh_seq, h0=h0, **cell_kwargs)
    return np.linalg.norm(grads[state], axis=-1).mean(axis=0)


def spectral_radius(matrix: np.ndarray) -> float:
    """The largest absolute eigenvalue of a square matrix."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise validate.shape_error_for("matrix", matrix, "be square")
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def recurrent_matrix(
    units: int, radius: float, rng: np.random.Generator | None = None, kind: str = "orthogonal"
) -> np.ndarray:
    """A (units, units) recurrent matrix whose spectral radius is ``radius``.

    Args:
        units: the number of hidden units.
        radius: the spectral radius wanted (>= 0).
        rng: draws the random matrices (not needed for ``"identity"``).
        kind: ``"orthogonal"`` (a random orthogonal matrix times ``radius``: every eigenvalue and
            every singular value has modulus ``radius``, so a linear RNN scales gradients by
            exactly ``radius`` per step), ``"gaussian"`` (a random Gaussian matrix rescaled to the
            radius) or ``"identity"`` (``radius`` times the identity: the IRNN initialisation).

    Returns:
        A float64 array (units, units).
    """
    validate.positive_int("units", units)
    validate.number("radius", radius, 0)
    if kind == "identity":
        return radius * np.eye(units)
    if kind not in ("orthogonal", "gaussian"):
        raise validate.error_for("kind", "be one of 'orthogonal', 'gaussian', 'identity'", kind)
    if rng is None:
        raise validate.error_for("rng", f"be a numpy.random.Generator for kind={kind!r}", None)
    a = rng.standard_normal((units, units))
    if kind == "gaussian":
        return a * (radius / spectral_radius(a))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # makes q uniformly distributed over orthogonal matrices
    return radius * q


def _arrays(grads: Grads) -> list[np.ndarray]:
    if isinstance(grads, Mapping):
        return [np.asarray(g) for g in grads.values()]
    if isinstance(grads, np.ndarray):
        raise validate.error_for("grads", "be a list or dict of arrays", received="a single array")
    return [np.asarray(g) for g in grads]


def _like(grads: Grads, arrays: list[np.ndarray]) -> Grads:
    if isinstance(grads, Mapping):
        return dict(zip(grads.keys(), arrays, strict=True))
    return arrays


def global_norm(grads: Grads) -> float:
    """The L2 norm of all the arrays taken together, as one long vector."""
    return float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in _arrays(grads))))


def cosine_similarity(a: Grads, b: Grads) -> float:
    """cos of the angle between two gradients (lists or dicts of arrays of the same shapes)."""
    a_flat = np.concatenate([g.ravel() for g in _arrays(a)]).astype(np.float64)
    b_flat = np.concatenate([g.ravel() for g in _arrays(b)]).astype(np.float64)
    if a_flat.shape != b_flat.shape:
        raise validate.error_for("b", f"hold as many values as a ({a_flat.size})",
                                 received=f"{b_flat.size} values")
    return float(a_flat @ b_flat / (np.linalg.norm(a_flat) * np.linalg.norm(b_flat)))


def clip_by_value(grads: Grads, limit: float) -> Grads:
    """Clip every entry to ``[-limit, limit]`` (Keras ``clipvalue``; min-char-rnn's clip at 5).

    Entries are clipped independently, so the direction of the gradient changes whenever some
    are clipped and others are not.

    Returns:
        New arrays, in the structure given (list or dict).
    """
    if not limit > 0:
        raise validate.error_for("limit", "be > 0", limit)
    return _like(grads, [np.clip(g, -limit, limit) for g in _arrays(grads)])


def clip_by_norm(grads: Grads, max_norm: float) -> Grads:
    """Rescale all the arrays together so that their global norm is at most ``max_norm``.

    Pascanu, Mikolov & Bengio (2013), Algorithm 1: if ``||g|| > max_norm``, ``g <- g * max_norm /
    ||g||``. The direction is kept; only the step length shrinks. (Keras ``global_clipnorm``;
    Keras ``clipnorm`` applies the same rule to each array on its own.)

    Returns:
        New arrays, in the structure given (list or dict).
    """
    if not max_norm > 0:
        raise validate.error_for("max_norm", "be > 0", max_norm)
    arrays = _arrays(grads)
    norm = global_norm(arrays)
    scale = max_norm / norm if norm > max_norm else 1.0  # an inf or nan norm gives nan: visible
    return _like(grads, [g * scale for g in arrays])


@dataclass
class SGDRun:
    """What :func:`train_rnn_sgd` saw at each step.

    Attributes:
        losses: the mean squared error of each batch (nan or inf once it diverged).
        grad_norms: the global gradient norm before clipping.
        weights: the final ``[kernel, recurrent_kernel, bias, readout, readout_bias]``.
    """

    losses: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)

    @property
    def diverged(self) -> bool:
        """Whether the loss became inf or nan."""
        return not np.all(np.isfinite(self.losses))


def train_rnn_sgd(
    make_batch: Callable[[], tuple[np.ndarray, np.ndarray]],
    weights: Sequence[np.ndarray],
    steps: int,
    learning_rate: float,
    clip: str | None = None,
    limit: float = 1.0,
    activation: str = "tanh",
) -> SGDRun:
    """Plain SGD on a NumPy vanilla RNN with a linear read-out of its last state, MSE loss.

    ``y_hat = h_T v + c``; the RNN's gradients come from
    :func:`rnnbook.cells.numpy_rnn.rnn_backward` with ``dh_seq`` zero except at the last step.

    Args:
        make_batch: returns ``(x (batch, time, features), y (batch, 1))`` for each step.
        weights: ``[kernel, recurrent_kernel, bias, v (units, 1), c (1,)]``; copied, not changed.
        steps: SGD steps.
        learning_rate: the SGD step size.
        clip: ``None``, ``"value"`` (:func:`clip_by_value`) or ``"norm"`` (:func:`clip_by_norm`).
        limit: the clipping threshold.
        activation: ``"tanh"`` or ``"relu"``.

    Returns:
        An :class:`SGDRun`. Training stops early once the loss is no longer finite.
    """
    validate.one_of("clip", clip, (None, "value", "norm"))
    params = [np.array(w, dtype=np.float64) for w in weights]
    if len(params) != 5:
        raise validate.error_for("weights", "be [kernel, recurrent_kernel, bias, readout, "
                                 "readout_bias]", received=f"{len(params)} arrays")
    run = SGDRun()
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is what this may show
        for _ in range(steps):
            x, y = make_batch()
            x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
            rnn_weights, v, c = params[:3], params[3], params[4]
            h_seq, h_last = rnn_forward(x, rnn_weights, activation=activation)
            error = h_last @ v + c - y  # (batch, 1)
            run.losses.append(float(np.mean(error**2)))
            if not np.isfinite(run.losses[-1]):
                break
            d_out = 2 * error / len(y)  # dL/dy_hat
            dh_seq = np.zeros_like(h_seq)
            dh_seq[:, -1] = d_out @ v.T
            g = rnn_backward(x, rnn_weights, dh_seq, activation=activation)
            grads = [g["kernel"], g["recurrent_kernel"], g["bias"], h_last.T @ d_out,
                     d_out.sum(axis=0)]
            run.grad_norms.append(global_norm(grads))
            if clip == "value":
                grads = clip_by_value(grads, limit)
            elif clip == "norm":
                grads = clip_by_norm(grads, limit)
            params = [p - learning_rate * gp for p, gp in zip(params, grads, strict=True)]
    run.weights = params
    return run
