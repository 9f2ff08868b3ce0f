"""Checkers for the exercises of the chapter "Choosing the next character"
(``chapters/sampling_explorer``).

In a notebook::

    from rnnbook.exercises import sampling_explorer as check
    check.top_k(my_keep_top_k)                  # implement: top-k filtering
    check.top_p(my_keep_top_p)                  # implement: nucleus (top-p) filtering
    check.entropy_limits(predict_entropies)     # predict, then measure: T -> 0 and large T
    check.repetition(repeating_temperature, model, vocab)   # experiment: the highest T that loops

The references are the package's own :func:`rnnbook.generation.sampling.keep_top_k`,
:func:`~rnnbook.generation.sampling.keep_top_p`, :func:`~rnnbook.generation.sampling.entropy` and
:func:`~rnnbook.generation.sampling.distinct_ngrams`.
"""

from __future__ import annotations

import math

import numpy as np

from rnnbook.exercises import core
from rnnbook.generation import sampling

EX_TOP_K = "Top-k filtering"
EX_TOP_P = "Nucleus (top-p) filtering"
EX_ENTROPY = "Entropy at the two ends of the temperature"
EX_REPEAT = "A temperature that repeats itself"

VOCAB_SIZE = 39


def _cases(rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """Distributions to filter: peaked and flat random ones, one with a zero, a near-uniform."""
    out = []
    for k, concentration in enumerate((0.2, 1.0, 5.0)):
        p = rng.dirichlet(np.full(12, concentration))
        out.append((f"random distribution {k + 1} over 12 characters", p))
    p = rng.dirichlet(np.ones(8))
    p[3] = 0.0
    out.append(("a distribution with an impossible character", p / p.sum()))
    out.append(("a distribution with ties (0.25, 0.25, 0.125 x 4)",
                np.array([0.125, 0.25, 0.125, 0.125, 0.25, 0.125])))
    return out


def _filtered(exercise: str, fn, p: np.ndarray, value) -> np.ndarray:
    """The learner's filtered distribution of a copy of ``p``, the copy checked unchanged."""
    given = p.copy()
    got = core.call(fn, given, value)
    core.unchanged(exercise, ("p",), (given,), (p,))
    return core.as_array(exercise, "the filtered distribution", got)


# ---------------------------------------------------------------- top-k


def _top_k_mistakes(p: np.ndarray, k: int) -> dict[str, np.ndarray]:
    order = np.argsort(p, kind="stable")  # ascending
    unnormalised = np.where(sampling.keep_top_k(p, k) > 0, p, 0.0)
    least = np.zeros_like(p)
    least[order[:k]] = p[order[:k]]
    mistakes = {
        "the kept probabilities do not sum to 1: divide by their sum (renormalise)":
            unnormalised,
        "you kept the k LEAST likely characters: sort in descending order (np.argsort(-p))":
            least / least.sum() if least.sum() else least,
    }
    for off in (k - 1, k + 1):
        if 1 <= off < len(p):
            mistakes[f"you kept {off} characters instead of k = {k} (an off-by-one in the "
                     "slice)"] = sampling.keep_top_k(p, off)
    return mistakes


def _valid_top_k(got: np.ndarray, p: np.ndarray, k: int) -> bool:
    """Right whatever the order among tied characters: k kept (or every possible one), none
    less likely than one dropped, renormalised."""
    if got.shape != p.shape or not np.all(np.isfinite(got)):
        return False
    kept = got > 0
    if kept.sum() != min(k, int((p > 0).sum())) or not kept.any():
        return False
    if (~kept).any() and p[kept].min() < p[~kept].max():
        return False
    return bool(np.allclose(got[kept], p[kept] / p[kept].sum(), rtol=core.RTOL, atol=1e-9))


@core.checker(EX_TOP_K)
def top_k(fn) -> bool:
    """Check ``fn(p, k)``: keep the ``k`` most likely characters of ``p``, renormalised."""
    rng = np.random.default_rng(7)
    cases = _cases(rng)
    core.call(fn, cases[0][1].copy(), 3)
    checked = 0
    for name, p in cases:
        for k in (1, 2, 3, 5):
            got = _filtered(EX_TOP_K, fn, p, k)
            checked += 1
            if _valid_top_k(got, p, k):  # any order among tied characters is right
                continue
            core.compare(EX_TOP_K, "the filtered distribution", got, sampling.keep_top_k(p, k),
                         atol=1e-9, axes=("character",), case=f"{name}, k = {k}",
                         mistakes=_top_k_mistakes(p, k))
    p = cases[1][1]
    got = _filtered(EX_TOP_K, fn, p, len(p))
    core.compare(EX_TOP_K, "the filtered distribution", got, p, atol=1e-9, axes=("character",),
                 case="k = the vocabulary size keeps everything")
    return core.passed(EX_TOP_K, f"{checked + 1} cases, k from 1 to the whole vocabulary, "
                       "with ties; the given distribution left as it was.")


# ---------------------------------------------------------------- top-p


def _top_p_mistakes(p: np.ndarray, top_p: float) -> dict[str, np.ndarray]:
    order = np.argsort(-p, kind="stable")
    cumulative = np.cumsum(p[order])

    def keep(indices, normalise=True):
        q = np.zeros_like(p)
        q[indices] = p[indices]
        return q / q.sum() if normalise and q.sum() else q

    mistakes = {
        "you left out the character whose probability crosses p: the nucleus is the smallest "
        "set whose mass reaches p, so it includes that character":
            keep(order[cumulative < top_p]),
        "the kept probabilities do not sum to 1: divide by their sum (renormalise)":
            keep(order[cumulative - p[order] < top_p], normalise=False),
    }
    ascending = np.argsort(p, kind="stable")
    mass_before = np.cumsum(p[ascending]) - p[ascending]
    mistakes["you accumulated from the LEAST likely character: sort in descending order "
             "(np.argsort(-p))"] = keep(ascending[mass_before < top_p])
    return mistakes


@core.checker(EX_TOP_P)
def top_p(fn) -> bool:
    """Check ``fn(p, top_p)``: keep the smallest set of most likely characters whose mass
    reaches ``top_p``, renormalised."""
    rng = np.random.default_rng(11)
    cases = _cases(rng)
    core.call(fn, cases[0][1].copy(), 0.9)
    checked = 0
    for name, p in cases:
        for top in (0.5, 0.9, 1e-3):
            got = _filtered(EX_TOP_P, fn, p, top)
            size = int((sampling.keep_top_p(p, top) > 0).sum())
            if _valid_top_k(got, p, size):  # any order among tied characters is right
                checked += 1
                continue
            core.compare(EX_TOP_P, "the filtered distribution", got,
                         sampling.keep_top_p(p, top), atol=1e-9, axes=("character",),
                         case=f"{name}, p = {top}", mistakes=_top_p_mistakes(p, top))
            checked += 1
    p = cases[2][1]
    got = _filtered(EX_TOP_P, fn, p, 1.0)
    core.compare(EX_TOP_P, "the filtered distribution", got, sampling.keep_top_p(p, 1.0),
                 atol=1e-9, axes=("character",), case="p = 1 keeps every possible character")
    return core.passed(EX_TOP_P, f"{checked + 1} cases, p from 0.001 (the most likely character "
                       "alone) to 1 (everything), with ties and a mass that reaches p exactly.")


# ---------------------------------------------------------------- predict, then measure


def entropy_limits_reference(vocab_size: int = VOCAB_SIZE) -> dict[str, float]:
    """Entropy in bits of the tempered distribution as T -> 0 (one certain character) and as
    T grows without bound (uniform over the vocabulary)."""
    return {"cold": 0.0, "hot": math.log2(vocab_size)}


@core.checker(EX_ENTROPY)
def entropy_limits(predict, probs=None) -> bool:
    """Check the predictions ``predict()`` returns, ``{"cold": bits, "hot": bits}``: the entropy
    of the sampling distribution at T -> 0 and at a very large T, for the course's 39
    characters; then measure both on ``probs`` (a model's next-character distribution)."""
    got = core.call(predict)
    core.expect(EX_ENTROPY, isinstance(got, dict) and {"cold", "hot"} <= set(got),
                f"return a dict with the keys 'cold' and 'hot'; got {got!r}")
    expected = entropy_limits_reference()
    hints = {
        "cold": {"you swapped the two ends: T -> 0 puts all the mass on the most likely "
                 "character (0 bits), a large T spreads it evenly": math.log2(VOCAB_SIZE)},
        "hot": {f"that is ln {VOCAB_SIZE}, in nats; the chapter counts entropy in bits: "
                f"log2 {VOCAB_SIZE}": math.log(VOCAB_SIZE),
                "that is the log of 62, the sonnets' characters before lower-casing; the "
                f"course's vocabulary has {VOCAB_SIZE}": math.log2(62),
                "you swapped the two ends: a large T flattens the distribution towards "
                "uniform (the most entropy), T -> 0 sharpens it": 0.0},
    }
    for key, what in (("cold", "your entropy at T -> 0"), ("hot", "your entropy at a large T")):
        value = core.as_number(EX_ENTROPY, what, got[key])
        core.compare(EX_ENTROPY, what, value, expected[key], atol=0.01,
                     mistakes=hints[key])
    line = f"0 bits at T -> 0, log2 {VOCAB_SIZE} = {expected['hot']:.3f} bits at a large T."
    if probs is not None:
        cold = sampling.entropy(sampling.distribution(probs, temperature=0.01))
        hot = sampling.entropy(sampling.distribution(probs, temperature=1000.0))
        line += f" Measured on the model's distribution: {cold:.3f} bits at T = 0.01, " \
                f"{hot:.3f} at T = 1000."
    return core.passed(EX_ENTROPY, line)


# ---------------------------------------------------------------- experiment


def repeated_share(text: str, n: int = 8) -> float:
    """Share of the ``n``-grams of ``text`` that repeat an earlier one (1 - distinct n-grams)."""
    return 1.0 - sampling.distinct_ngrams(text, n)


REPEAT_SEED = "shall i compare thee to a summer's day?\n"
REPEAT_LENGTH = 300
REPEAT_SHARE = 0.15  # held-out sonnet text: under 1%; sampling at T = 1: under 1%
# The highest temperature is asked for: at the answer + REPEAT_STEP the share must no longer be
# clearly above REPEAT_SHARE. "Clearly": by more than REPEAT_NOISE, about the standard error of
# a mean of three samples (one sample's share spreads by about 0.05 near the threshold).
REPEAT_STEP = 0.1
REPEAT_NOISE = 0.03


@core.checker(EX_REPEAT)
def repetition(choose, model, vocab, seeds: int = 3) -> bool:
    """Check the temperature ``choose()`` returns, the highest at which the samples loop:
    samples of 300 characters drawn at it (three random generators) repeat more than 15% of
    their 8-grams on average, and more than samples at T = 1 do; at ``REPEAT_STEP`` warmer they
    repeat no more than ``REPEAT_SHARE + REPEAT_NOISE`` (a much colder answer loops too, but it
    is not the highest)."""
    temperature = core.as_number(EX_REPEAT, "the temperature", core.call(choose))
    core.expect(EX_REPEAT, temperature >= 0,
                f"return a temperature (a number >= 0); got {temperature!r}")

    def share(t):
        return float(np.mean([repeated_share(sampling.generate(
            model, vocab, REPEAT_SEED, REPEAT_LENGTH, temperature=t,
            rng=np.random.default_rng(seed))) for seed in range(seeds)]))

    at_t, at_one = share(temperature), share(1.0)
    core.expect(EX_REPEAT, at_t > REPEAT_SHARE and at_t > at_one,
                f"at T = {temperature:g} the samples repeat {at_t:.1%} of their 8-grams (at "
                f"T = 1: {at_one:.1%}); look for a share above {REPEAT_SHARE:.0%}",
                "lower temperatures sharpen the distribution towards its favourite characters, "
                "and the favourite continuation of a character model is a loop: try lower "
                "temperatures, well below 1")
    warmer = round(temperature + REPEAT_STEP, 6)
    at_warmer = share(warmer)
    core.expect(EX_REPEAT, at_warmer <= REPEAT_SHARE + REPEAT_NOISE,
                f"at T = {temperature:g} the samples repeat {at_t:.1%} of their 8-grams, but "
                f"at T = {warmer:g} they still repeat {at_warmer:.1%}: that is not the highest "
                f"temperature whose samples repeat over {REPEAT_SHARE:.0%}",
                f"warm up from your temperature in steps of {REPEAT_STEP} or less and return "
                "the last one whose share is still above the threshold")
    return core.passed(EX_REPEAT, f"at T = {temperature:g} the samples repeat {at_t:.1%} of "
                       f"their 8-grams, against {at_one:.1%} at T = 1; at T = {warmer:g} "
                       f"{at_warmer:.1%}, no longer clearly above {REPEAT_SHARE:.0%}.")
