"""The reference of the closing project, a character RNN written from nothing in NumPy: the
model, its loss and gradients, a training step, a sampler, each also with one typical mistake
switched on (what the checkers of :mod:`rnnbook.exercises.char_rnn_from_scratch` compare the
learner's functions with), and the data and budget of the training run.

The model: ``h_t = tanh(Wxh[x_t] + h_{t-1} @ Whh + bh)`` (a one-hot input picks a row of
``Wxh``), ``logits_t = h_t @ Why + by``, and the loss is the mean of ``-ln softmax(logits_t)``
at the next character over every position of the batch.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rnnbook.cells import gradients
from rnnbook.config import Profile, active_profile

KEYS = ("Wxh", "Whh", "bh", "Why", "by")


# --- the reference ------------------------------------------------------------------------

def init_params(vocab_size: int, hidden: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Small random weights: Wxh (V, H), Whh (H, H), bh (H,), Why (H, V), by (V,)."""
    return {
        "Wxh": rng.normal(scale=0.1, size=(vocab_size, hidden)),
        "Whh": rng.normal(scale=1.0 / np.sqrt(hidden), size=(hidden, hidden)) * 0.5,
        "bh": np.zeros(hidden),
        "Why": rng.normal(scale=1.0 / np.sqrt(hidden), size=(hidden, vocab_size)),
        "by": np.zeros(vocab_size),
    }


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Probabilities along ``axis``, the largest logit subtracted first (no overflow)."""
    e = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def reference_loss(params, chunk, h0):
    """``(loss, grads, h_last)`` of one batch of windows ``chunk`` (batch, T + 1) of ids.

    The inputs are ``chunk[:, :-1]``, the targets ``chunk[:, 1:]``; ``h0`` (batch, H) is the
    state before the first input, ``h_last`` the state after the last.
    """
    return mistaken_loss(params, chunk, h0)


def mistaken_loss(params, chunk, h0, *, shift=True, softmax_axis=-1, mean=True, use_h0=True,
                  last=True, through_time=True, tanh_prime="1-h^2"):
    """The loss with one typical mistake switched on (the defaults give the reference)."""
    Wxh, Whh, bh, Why, by = (params[k] for k in KEYS)
    chunk = np.asarray(chunk)
    x = chunk[:, :-1]  # (B, T)
    y = chunk[:, 1:] if shift else x  # (B, T)
    batch, steps = x.shape
    hidden = Whh.shape[0]
    h = np.asarray(h0, float) if use_h0 else np.zeros((batch, hidden))
    h_first = h
    hs = np.empty((batch, steps, hidden))
    for t in range(steps):
        h = np.tanh(Wxh[x[:, t]] + h @ Whh + bh)  # (B, H)
        hs[:, t] = h
    p = softmax(hs @ Why + by, axis=softmax_axis)  # (B, T, V)
    b_idx, t_idx = np.indices(y.shape)
    count = batch * steps if mean else 1
    with np.errstate(divide="ignore"):  # a diverged model's p of 0 gives an infinite loss
        loss = float(-np.log(p[b_idx, t_idx, y]).sum() / count)
    dlogits = p.copy()
    dlogits[b_idx, t_idx, y] -= 1
    dlogits /= count
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads["Why"] = hs.reshape(-1, hidden).T @ dlogits.reshape(batch * steps, -1)
    grads["by"] = dlogits.sum(axis=(0, 1))
    dhs = dlogits @ Why.T  # (B, T, H)
    dh_next = np.zeros((batch, hidden))
    for t in reversed(range(steps)):
        dh = dhs[:, t] + (dh_next if through_time else 0.0)
        ht = hs[:, t]
        da = dh * ((1 - ht ** 2) if tanh_prime == "1-h^2" else (1 - ht))  # (B, H)
        h_prev = hs[:, t - 1] if t else h_first
        np.add.at(grads["Wxh"], x[:, t], da)
        grads["Whh"] += h_prev.T @ da
        grads["bh"] += da.sum(axis=0)
        dh_next = da @ Whh.T
    return loss, grads, (h if last else h_first)


def reference_train_step(params, chunk, h0, learning_rate, max_norm):
    """``(new_params, loss, h_last)``: the gradient clipped to global norm ``max_norm``, then a
    plain gradient step of size ``learning_rate``, in new arrays."""
    return mistaken_train_step(params, chunk, h0, learning_rate, max_norm)


def mistaken_train_step(params, chunk, h0, learning_rate, max_norm, *, clip="global", sign=-1,
                        state="last"):
    """A training step with one typical mistake switched on (the defaults give the reference)."""
    loss, grads, h = reference_loss(params, chunk, h0)
    if clip == "global":
        grads = gradients.clip_by_norm(grads, max_norm)
    elif clip == "each":
        grads = {k: gradients.clip_by_norm([g], max_norm)[0] for k, g in grads.items()}
    elif clip == "value":
        grads = gradients.clip_by_value(grads, max_norm)
    new = {k: params[k] + sign * learning_rate * grads[k] for k in KEYS}
    return new, loss, (h if state == "last" else np.asarray(h0, float))


def reference_sample(params, h, first_id, length, rng):
    """``length`` ids drawn one at a time after ``first_id``, from the state ``h`` (H,)."""
    return mistaken_sample(params, h, first_id, length, rng)


def mistaken_sample(params, h, first_id, length, rng, *, carry=True, greedy=False):
    """The sampler with one typical mistake switched on (the defaults give the reference)."""
    Wxh, Whh, bh, Why, by = (params[k] for k in KEYS)
    h0, x, out = np.asarray(h, float), int(first_id), []
    h = h0
    for _ in range(length):
        h = np.tanh(Wxh[x] + (h if carry else h0) @ Whh + bh)
        p = softmax(h @ Why + by)
        x = int(np.argmax(p)) if greedy else int(rng.choice(len(p), p=p))
        out.append(x)
    return np.array(out)


# --- the data and the budget --------------------------------------------------------------

def sizes(profile: Profile | None = None) -> dict:
    """The model's and the training's sizes under a profile (``smoke`` trains in seconds)."""
    profile = profile or active_profile()
    return {
        "hidden": profile.pick(smoke=32, cpu=128, gpu=128),
        "batch": profile.pick(smoke=16, cpu=32, gpu=32),
        "window": profile.pick(smoke=25, cpu=50, gpu=50),
        "steps": profile.pick(smoke=150, cpu=2500, gpu=2500),
        "learning_rate": 1.0,
        "max_norm": 1.0,
        # nats below the unigram; the reference measured 0.56 (smoke) and 1.06 (cpu) below it
        "margin": profile.pick(smoke=0.3, cpu=0.8, gpu=0.8),
        "report_every": profile.pick(smoke=50, cpu=500, gpu=500),
    }


def stream_chunks(ids: np.ndarray, batch: int, window: int) -> Iterator[tuple[np.ndarray, bool]]:
    """One pass over ``ids`` as ``batch`` parallel streams: ``(chunk, first)`` pairs.

    Stream b reads its own contiguous slice of the text; consecutive chunks (batch, window + 1)
    overlap by one character, so the state after one chunk is the state before the next.
    ``first`` is True for a pass's first chunk, where the state starts from zeros.
    """
    length = (len(ids) - 1) // batch
    streams = np.asarray(ids[:batch * length + 1])
    rows = np.stack([streams[b * length:(b + 1) * length + 1] for b in range(batch)])
    for k, start in enumerate(range(0, length - window + 1, window)):
        yield rows[:, start:start + window + 1], k == 0


def held_out_nats(params, ids: np.ndarray) -> float:
    """Mean -ln p of ``ids[1:]``, each read after everything before it (the state from zeros)."""
    loss, _, _ = reference_loss(params, np.asarray(ids)[None, :], np.zeros((1, len(params["bh"]))))
    return loss
