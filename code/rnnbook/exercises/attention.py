"""Checkers for the exercises of the attention chapter.

In a notebook::

    from rnnbook.exercises import attention as check

    check.causal_mask(causal_mask)              # implement: which positions each one may read
    check.positions(order_change, prediction=PREDICTION)  # predict, then measure: no positions
    check.cache_step(attention_step)            # implement: one step against a key/value cache

The references are the package's own (:mod:`rnnbook.cells.numpy_attention`,
:func:`rnnbook.cells.attention.build_char_transformer`); where an answer differs, the checker
names the typical mistake that gives that very answer.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from rnnbook.cells.attention import TransformerSize, build_char_transformer
from rnnbook.cells.numpy_attention import attention, cached_attention_step
from rnnbook.cells.numpy_attention import causal_mask as reference_mask
from rnnbook.exercises import core

EX_MASK = "The causal mask"
EX_POSITIONS = "What positions are for"
EX_CACHE = "A key/value cache step"

LARGE_NEGATIVE = -1e4  # an additive mask hides a score with this or less (or -inf)

# ---------------------------------------------------------------- implement: the causal mask

MASK_MISTAKES = {
    "your mask lets each position read the ones *after* it (it is transposed): row t, the "
    "query, may read columns 0..t, the keys before it": lambda n: np.triu(np.ones((n, n), bool)),
    "a position must also read itself: keep the diagonal (np.tril(..., k=0))":
        lambda n: np.tril(np.ones((n, n), bool), k=-1),
    "your True marks the positions to hide (PyTorch's convention); here True (or 0 in an "
    "additive mask) means *may read*": lambda n: np.triu(np.ones((n, n), bool), k=1),
    "your mask hides nothing: every position reads the future too":
        lambda n: np.ones((n, n), bool),
    "each position reads only itself: it must read every position up to it":
        lambda n: np.eye(n, dtype=bool),
}


def allowed_from(mask, length: int) -> np.ndarray:
    """The positions a learner's mask lets each query read, as booleans (query, key).

    Accepted: booleans (True: may read); numbers 1 and 0 (1: may read, Keras's
    ``attention_mask``); an additive mask (0: may read; -inf or at most ``LARGE_NEGATIVE``: hidden).
    """
    try:
        mask = np.asarray(mask)
    except ValueError:
        mask = np.empty(0)  # ragged rows: no shape at all
    core.expect(EX_MASK, mask.shape == (length, length),
                f"for length={length}, return a ({length}, {length}) array; got shape "
                f"{mask.shape}")
    if mask.dtype == bool:
        return mask
    core.expect(EX_MASK, np.issubdtype(mask.dtype, np.number),
                f"return booleans or numbers; got dtype {mask.dtype}")
    values = mask.astype(np.float64)
    core.expect(EX_MASK, not np.isnan(values).any(), "your mask contains NaN")
    if np.all((values == 0) | (values == 1)) and (values == 1).any():
        return values == 1
    hidden = values <= LARGE_NEGATIVE
    core.expect(EX_MASK, np.all((values == 0) | hidden),
                "an additive mask holds 0 where a position may read and -inf (or a large "
                f"negative number, <= {LARGE_NEGATIVE:g}) where not; yours holds "
                f"{np.unique(values[(values != 0) & ~hidden])[:3].tolist()}")
    return ~hidden


@core.checker(EX_MASK)
def causal_mask(fn: Callable) -> bool:
    """Check ``fn(length)``: a (length, length) mask, row t the query at position t, column s
    the key at s; t may read s when s <= t. Booleans (True: may read), 1/0, or additive
    (0 / -inf or a large negative), float32 or float64, are all accepted."""
    lengths = (4, 9, 1)  # the longer first: at length 1 several mistakes look alike
    for n in lengths:
        got = allowed_from(core.call(fn, n), n)
        core.compare(EX_MASK, "your mask", got, reference_mask(n), atol=0.5,
                     axes=("query", "key"), case=f"length {n}",
                     mistakes={hint: wrong(n) for hint, wrong in MASK_MISTAKES.items()})
    return core.passed(EX_MASK, f"For lengths {', '.join(map(str, lengths))}, each position "
                       "reads itself and the positions before it, never one after: a change "
                       "at position t can change no output before t.")


# ---------------------------------------------------------------- predict, then measure: positions

PREDICTIONS = ("unchanged", "changed")


def order_models(seed: int = 0) -> dict[str, keras.Model]:
    """One-block Transformers with the same random weights: without positions, with learned
    ones, with sinusoidal ones (order-blindness is the architecture's, not the training's)."""
    models = {}
    for positions in (None, "learned", "sinusoidal"):
        keras.utils.set_random_seed(seed)
        model = build_char_transformer(39, TransformerSize(16, 2, 1, 2, 16, positions))
        rng = np.random.default_rng(seed)
        model.set_weights([w + rng.normal(0, 0.3, w.shape).astype(w.dtype)
                           for w in model.get_weights()])
        models[str(positions)] = model
    return models


def reference_order_change(model: keras.Model, ids: np.ndarray, i: int, j: int) -> float:
    """The largest change of the last position's next-character probabilities when the
    characters at ``i`` and ``j`` (both before the last) trade places."""
    swapped = np.array(ids)
    swapped[[i, j]] = swapped[[j, i]]
    probs = np.asarray(model.predict(np.stack([ids, swapped]), verbose=0))[:, -1]  # (2, vocab)
    return float(np.abs(probs[0] - probs[1]).max())


def _order_mistakes(model: keras.Model, ids: np.ndarray, i: int, j: int) -> dict[str, float]:
    swapped, copied = np.array(ids), np.array(ids)
    swapped[[i, j]] = swapped[[j, i]]
    copied[i] = ids[j]
    probs = np.asarray(model.predict(np.stack([ids, swapped, copied]), verbose=0))
    return {
        "you compared every position, not only the last: positions between i and j see a "
        "different set of characters, so they change even without positions":
            float(np.abs(probs[0] - probs[1]).max()),
        "you copied ids[j] into position i instead of swapping the two characters: the text "
        "then holds other characters, not the same ones in another order":
            float(np.abs(probs[0, -1] - probs[2, -1]).max()),
        "that is the mean change over the characters; measure the largest one (max of the "
        "absolute differences)": float(np.abs(probs[0, -1] - probs[1, -1]).mean()),
        "that is the signed largest difference; take the absolute differences first":
            float((probs[0, -1] - probs[1, -1]).max()),
    }


def _order_cases() -> list[tuple[np.ndarray, int, int]]:
    ids = np.array([18, 7, 25, 3, 30, 11, 2, 22, 14, 5, 27, 9], np.int32)  # all different
    return [(ids, 2, 7), (ids, 0, 10), (ids[:6], 1, 3)]


@core.checker(EX_POSITIONS)
def positions(fn: Callable, prediction=None) -> bool:
    """Run the learner's ``fn(model, ids, i, j)``: the largest change of the *last* position's
    next-character probabilities when the characters at ``i`` and ``j`` trade places. Checked:
    the measurement, on one-block models without positions, with learned and sinusoidal ones.
    ``prediction`` ("unchanged" or "changed"): what the model without positions does; reported."""
    if prediction is Ellipsis:
        raise core.NotAttempted
    if prediction is not None:
        core.expect(EX_POSITIONS, str(prediction).strip().lower() in PREDICTIONS,
                    f"predict \"unchanged\" or \"changed\"; got {prediction!r}")
    measured = {}
    for name, model in order_models().items():
        for ids, i, j in _order_cases():
            got = core.call(fn, model, ids.copy(), i, j)
            case = f"positions={name}, swapping {i} and {j} in {len(ids)} characters"
            core.expect(EX_POSITIONS, np.ndim(got) == 0 and not isinstance(got, (str, bytes)),
                        f"return one number (the largest change); got {type(got).__name__} "
                        f"of shape {np.shape(got)} ({case})")
            got = core.as_number(EX_POSITIONS, f"your change ({case})", got)
            expected = reference_order_change(model, ids, i, j)
            core.compare(EX_POSITIONS, "your change", got, expected, atol=1e-5, case=case,
                         mistakes=_order_mistakes(model, ids, i, j))
            measured.setdefault(name, []).append(expected)
    without = max(measured["None"])
    learned, sinusoidal = min(measured["learned"]), min(measured["sinusoidal"])
    way = "unchanged" if without < 1e-5 else "changed"
    said = ""
    if prediction is not None:
        said = (f" You predicted {prediction!r}: " + ("that is what happened." if
                str(prediction).strip().lower() == way else f"it came out {way}."))
    return core.passed(EX_POSITIONS, f"Without positions the last prediction moved by at most "
                       f"{without:.1e} when two earlier characters traded places ({way}: one "
                       "block of attention sees a set of characters, not their order); with "
                       f"learned positions by at least {learned:.3f}, with sinusoidal ones by "
                       f"at least {sinusoidal:.3f}.{said}")


# ---------------------------------------------------------------- implement: a key/value cache step


def _mistaken_step(q_t, k_t, v_t, cache, *, append=True, before=False, scale=True, axis=-1):
    """A cache step with one typical mistake (the defaults are right); returns (out, cache)."""
    keys = k_t if cache is None or not append else np.concatenate([cache[0], k_t], axis=2)
    values = v_t if cache is None or not append else np.concatenate([cache[1], v_t], axis=2)
    read_k, read_v = (keys, values) if not before or cache is None else cache
    scores = q_t @ np.swapaxes(read_k, -1, -2) / (np.sqrt(q_t.shape[-1]) if scale else 1.0)
    weights = np.exp(scores - scores.max(axis=axis, keepdims=True))
    weights /= weights.sum(axis=axis, keepdims=True)
    return weights @ read_v, (keys, values)


CACHE_MISTAKES = {
    "the cache is replaced, not extended: the new key and value must join the earlier ones "
    "(np.concatenate along the positions' axis, axis 2)": {"append": False},
    "the query reads the cache before the new key and value join it: a position must also "
    "read itself": {"before": True},
    "the scores are not divided by sqrt(d), the size of a key": {"scale": False},
    "the softmax runs over the wrong axis: it must run over the keys (the last axis of the "
    "scores), so that each query's weights sum to one": {"axis": -2},
}


def _cache_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]:
    rng = np.random.default_rng(0)
    cases = []
    for batch, heads, steps, d, dtype in ((1, 1, 5, 4, np.float64), (2, 3, 9, 8, np.float32)):
        q, k, v = (rng.normal(size=(batch, heads, steps, d)).astype(dtype) for _ in range(3))
        cases.append((q, k, v, f"batch {batch}, {heads} heads, {steps} steps, d = {d}, "
                      f"{np.dtype(dtype).name}"))
    return cases


def _run_steps(step: Callable, q, k, v, *, learner: bool) -> np.ndarray:
    """Feed the positions one by one; the outputs (batch, heads, steps, d)."""
    cache, outs = None, []
    for t in range(q.shape[2]):
        args = (q[:, :, t:t + 1], k[:, :, t:t + 1], v[:, :, t:t + 1], cache)
        got = core.call(step, *args) if learner else step(*args)
        core.expect(EX_CACHE, isinstance(got, (tuple, list)) and len(got) == 2,
                    f"return a pair (output, cache); got {type(got).__name__}")
        out, cache = got
        out = np.asarray(out, dtype=np.float64)
        core.expect(EX_CACHE, out.size == q.shape[0] * q.shape[1] * q.shape[3],
                    f"return an output of shape {q[:, :, :1].shape} at step {t}; got shape "
                    f"{out.shape}")
        outs.append(out.reshape(q.shape[0], q.shape[1], 1, q.shape[3]))
    return np.concatenate(outs, axis=2)


@core.checker(EX_CACHE)
def cache_step(fn: Callable) -> bool:
    """Check ``fn(q_t, k_t, v_t, cache) -> (output, cache)`` step by step against the full
    recomputation: causal attention over every position at once. ``q_t``, ``k_t``, ``v_t`` are
    (batch, heads, 1, d); ``cache`` is ``None`` at the first step, then whatever ``fn`` returned
    (any layout); the output (batch, heads, 1, d), or (batch, heads, d)."""
    for q, k, v, case in _cache_cases():
        full, _ = attention(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64),
                            reference_mask(q.shape[2]))  # (batch, heads, steps, d)
        try:
            got = _run_steps(fn, q, k, v, learner=True)
        except (ValueError, IndexError, TypeError) as error:
            raise core.ExerciseError(
                f"{EX_CACHE}: your function raised {type(error).__name__}: {error} ({case}).\n"
                "Likely mistake: the keys and values join the cache along the positions' axis "
                "(axis 2 of (batch, heads, positions, d))") from error
        mistakes = {hint: _run_steps(lambda *a, kw=kw: _mistaken_step(*a, **kw), q, k, v,
                                     learner=False) for hint, kw in CACHE_MISTAKES.items()}
        core.compare(EX_CACHE, "your output", got, full, atol=1e-4,
                     axes=("example", "head", "step", "feature"), case=case, mistakes=mistakes)
    return core.passed(EX_CACHE, f"{len(_cache_cases())} sequences, step by step, equal causal "
                       "attention recomputed over every position: each step costs one row of "
                       "scores, not the whole square.")


def reference_cache_step(q_t, k_t, v_t, cache):
    """The course's cache step (:func:`rnnbook.cells.numpy_attention.cached_attention_step`)."""
    return cached_attention_step(q_t, k_t, v_t, cache)
