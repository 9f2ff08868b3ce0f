"""How far back a trained character model looks: truncated context and saliency over distance.

- :func:`context_loss`: the held-out loss when the model may use only the last ``context``
  characters before each target (its state is reset to zero that many steps before it).
  ``context=None`` is the full context: one pass over the text from its first character.
- :func:`context_curve` and :func:`context_reached`: the loss for several context lengths, and
  the shortest context whose loss comes within a tolerance of the full-context loss.
- :func:`saliency`: the norm of the gradient of the loss at a target with respect to the input
  character ``d`` steps before it, for ``d = 1 .. distance``, averaged over targets: how much
  each earlier character can still move the prediction. :func:`model_saliency` measures the
  same of any character model (a stack of layers, an embedding, a Transformer) with the
  backend's own differentiation.

A Transformer (:func:`~rnnbook.cells.attention.build_char_transformer`) is scored the same way,
reading the last ``context`` characters as one input: its full context is its window.

Everything runs on the course's NumPy cells, with the weights of the Keras model as
:class:`~rnnbook.generation.stepper.CharStepper` copies them: the stepper replays the text, and
the cell's backward pass (:mod:`rnnbook.cells.numpy_rnn`) gives the saliency.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from rnnbook import validate
from rnnbook.cells.attention import size_of
from rnnbook.cells.numpy_rnn.activations import softmax
from rnnbook.generation.stepper import CharStepper
from rnnbook.inside.input_gradients import input_gradients
from rnnbook.models import is_transformer, model_config

CONTEXTS = (1, 2, 5, 10, 20, 50, 100)


def target_positions(n: int, count: int, first: int = 100, seed: int = 0) -> np.ndarray:
    """``count`` target positions drawn at random (sorted, no repeats) from ``first .. n-1``.

    All of them if there are no more than ``count``. Random, not evenly spaced: a regular
    stride can fall in step with the lines of a poem and give a biased sample.
    """
    n = validate.positive_int("n", n)
    first = validate.integer("first", first, 0)
    if first >= n:
        raise validate.error_for("first", f"lie in [0, n) = [0, {n})", first)
    count = validate.positive_int("count", count)
    if count >= n - first:
        return np.arange(first, n)
    chosen = np.random.default_rng(seed).choice(n - first, size=count, replace=False)
    return np.sort(chosen) + first


def _check_positions(positions: np.ndarray, low: int, high: int, why: str = "") -> None:
    """``positions`` must be a non-empty 1-D array of indices in ``[low, high)``."""
    if positions.ndim != 1 or len(positions) == 0:
        raise validate.shape_error_for("positions", positions, "be a non-empty 1-D array")
    if positions.min() < low or positions.max() >= high:
        raise validate.error_for("positions", f"lie in [{low}, {high}){why}",
                             received=f"positions from {positions.min()} to {positions.max()}")


def _nll(probs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    picked = probs[np.arange(len(targets)), targets].astype(np.float64)
    return -np.log(np.maximum(picked, 1e-12))


def target_losses(model: keras.Model | CharStepper, ids: Sequence[int] | np.ndarray,
                  positions: Sequence[int] | np.ndarray, context: int | None = None) -> np.ndarray:
    """The loss (nats) of every target ``ids[p]``, ``p`` in ``positions``, from limited context.

    Args:
        model: a :func:`~rnnbook.models.build_char_model` model, or its stepper.
        ids: (n,) the text as ids.
        positions: targets to score, each >= 1 (the character at 0 has nothing before it).
        context: the model reads ``ids[max(0, p - context):p]`` from the zero state before
            predicting ``ids[p]``; ``None``: the whole ``ids[:p]``, one pass over the text.

    Returns:
        (len(positions),) float64 negative log-probabilities.
    """
    ids = np.asarray(ids)
    positions = np.asarray(positions, dtype=int)
    _check_positions(positions, 1, len(ids))
    context = validate.integer("context", context, none=True)
    if is_transformer(model):
        return _window_losses(model, ids, positions, context)
    stepper = model if isinstance(model, CharStepper) else CharStepper.from_model(model)
    if context is None:  # one pass over the text, keeping the distribution at every step
        state, probs = None, np.empty((positions.max(), stepper.vocab_size), np.float32)
        for t in range(positions.max()):
            step_probs, state = stepper.step(ids[t:t + 1], state)
            probs[t] = step_probs[0]
        return _nll(probs[positions - 1], ids[positions])
    length = int(min(context, positions.max()))
    starts = np.maximum(positions - context, 0)  # the first character each target may read
    state, probs = stepper.initial_state(len(positions)), None
    for k in range(length):
        index = positions - length + k  # the character every row reads at this step
        probs, state = stepper.step(ids[np.clip(index, 0, None)], state)
        not_yet = index < starts  # that row's window has not begun: keep it at the zero state
        if not_yet.any():
            state = tuple(np.where(not_yet[:, None], 0, s).astype(s.dtype) for s in state)
    return _nll(probs, ids[positions])


def _window_losses(model: keras.Model, ids: np.ndarray, positions: np.ndarray,
                   context: int | None) -> np.ndarray:
    """A Transformer's :func:`target_losses`: it reads the last ``context`` characters (at most
    its window: ``None`` is the window, its hard limit) as one input, in batches."""
    window = size_of(model).window
    context = window if context is None else min(context, window)
    early = positions < context  # fewer characters before them: each read on its own
    if early.any():
        out = np.empty(len(positions))
        if (~early).any():
            out[~early] = _window_losses(model, ids, positions[~early], context)
        for i in np.flatnonzero(early):
            probs = _last_probs(model, ids[None, :positions[i]])  # (1, vocab)
            out[i] = _nll(probs, ids[positions[i:i + 1]])[0]
        return out
    rows = positions[:, None] - context + np.arange(context)[None, :]  # (targets, context)
    return _nll(_last_probs(model, ids[rows]), ids[positions])


def _last_probs(model: keras.Model, windows: np.ndarray, batch: int = 256) -> np.ndarray:
    """The next-character probabilities after each window's last character: (n, vocab).

    Called directly, in batches: ``predict`` would compile a new function for every window
    length (and warn about retracing)."""
    return np.concatenate([keras.ops.convert_to_numpy(model(windows[i:i + batch], training=False))
                           [:, -1] for i in range(0, len(windows), batch)])


def context_loss(model: keras.Model | CharStepper, ids: Sequence[int] | np.ndarray,
                 positions: Sequence[int] | np.ndarray, context: int | None = None) -> float:
    """The mean of :func:`target_losses`: the held-out loss in nats per character."""
    return float(target_losses(model, ids, positions, context).mean())


def context_curve(model: keras.Model | CharStepper, ids: Sequence[int] | np.ndarray,
                  positions: Sequence[int] | np.ndarray,
                  contexts: Sequence[int] = CONTEXTS) -> dict[int | None, float]:
    """:func:`context_loss` for every context length, and for the full context (key ``None``)."""
    if not is_transformer(model):
        model = model if isinstance(model, CharStepper) else CharStepper.from_model(model)
    curve: dict[int | None, float] = {k: context_loss(model, ids, positions, k) for k in contexts}
    curve[None] = context_loss(model, ids, positions, None)
    return curve


def context_reached(curve: dict[int | None, float], tol: float = 0.01) -> int | None:
    """The shortest context whose loss is within ``tol`` nats of the full-context loss.

    ``None`` when no context length of the curve gets that close.
    """
    full = curve[None]
    for k in sorted(k for k in curve if k is not None):
        if curve[k] <= full + tol:
            return k
    return None


# ---------------------------------------------------------------- saliency over distance


def saliency(model: keras.Model, ids: Sequence[int] | np.ndarray,
             positions: Sequence[int] | np.ndarray, distance: int = 100) -> np.ndarray:
    """Mean norm of d(loss at a target) / d(input ``d`` characters before it), d = 1..distance.

    For every target ``ids[p]`` the model reads ``ids[p - distance:p]`` from the zero state; the
    loss is the target's negative log-probability. Its gradient with respect to each one-hot
    input vector comes from the course's backward pass through time; its Euclidean norm is
    averaged over the targets. Entry ``d - 1`` belongs to the character ``d`` steps back
    (``d = 1``: the character just read).

    Only one-layer, one-hot models (the course's committed ones) are supported.
    """
    stepper = CharStepper.from_model(model, dtype=np.float64)  # the weights, in float64
    if len(stepper.cells) != 1 or not stepper.one_hot:
        cfg = model_config(model)
        raise validate.error_for("model", "have one recurrent layer and one-hot input",
                                 received=f"{cfg['layers']} recurrent layer(s), embedding_dim="
                                      f"{cfg['embedding_dim']}")
    distance = validate.positive_int("distance", distance)
    ids = np.asarray(ids)
    positions = np.asarray(positions, dtype=int)
    _check_positions(positions, distance, len(ids), f" for distance={distance}")
    # the cell's NumPy forward and backward passes, on the stepper's weights and options
    c, weights, options = stepper.cell, stepper.cells[0], stepper.options
    kernel, bias = stepper.dense_kernel, stepper.dense_bias
    windows = positions[:, None] - distance + np.arange(distance)[None, :]
    x = stepper.input_table[ids[windows]]  # (targets, distance, vocab): one-hot rows
    h_seq = c.forward(x, weights, **options)[0]
    logits = h_seq[:, -1] @ kernel + bias
    dlogits = softmax(logits)
    dlogits[np.arange(len(positions)), ids[positions]] -= 1.0  # softmax + cross-entropy
    dh_seq = np.zeros_like(h_seq)
    dh_seq[:, -1] = dlogits @ kernel.T
    dx = c.backward(x, weights, dh_seq, **options)["x"]  # (targets, distance, vocab)
    return np.linalg.norm(dx, axis=2).mean(axis=0)[::-1]


def model_saliency(model: keras.Model, ids: Sequence[int] | np.ndarray,
                   positions: Sequence[int] | np.ndarray, distance: int = 100) -> np.ndarray:
    """:func:`saliency` for any character model (a Transformer too): (distance,), entry
    ``d - 1`` for the character ``d`` steps back, by the backend's differentiation.

    The gradient of each target's loss reaches the one-hot input through the embedding: with a
    table E, d loss / d one-hot = E @ (d loss / d embedding vector).
    """
    distance = validate.positive_int("distance", distance)
    ids = np.asarray(ids)
    positions = np.asarray(positions, dtype=int)
    _check_positions(positions, distance, len(ids), f" for distance={distance}")
    windows = positions[:, None] - distance + np.arange(distance)[None, :]  # (targets, dist)
    grads = input_gradients(model, ids[windows], ids[positions])  # (targets, distance, vocab)
    return np.linalg.norm(grads, axis=2).mean(axis=0)[::-1]  # (distance,)
