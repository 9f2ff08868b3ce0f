"""Choosing the next character: temperature, top-k, top-p (nucleus), greedy and beam search.

A character model's softmax head gives a probability for every character of the vocabulary.
How the next character is picked from it is a separate decision, and it changes the text more
than one might expect:

- **ancestral sampling** draws from the distribution as it is;
- **temperature** ``T`` rescales the log-probabilities, ``p_T(i) ∝ exp(log p(i) / T)``: below 1
  it sharpens the distribution, above 1 it flattens it, and ``T = 0`` is the argmax (greedy);
- **top-k** keeps the ``k`` most likely characters, **top-p** (nucleus sampling, Holtzman et
  al. 2019) the smallest set whose mass reaches ``p``; both renormalise what they keep;
- **beam search** keeps the ``beam_width`` most likely continuations so far and returns the
  most likely one of fixed length.

:func:`sample` works on one probability vector (pure NumPy). :func:`generate` and
:func:`beam_search` run a model built by :func:`rnnbook.models.build_char_model` one character
at a time, carrying the recurrent state (:class:`rnnbook.generation.stepper.CharStepper`), instead
of
re-running the whole window for every character. :func:`entropy` and :func:`distinct_ngrams`
measure what comes out.

Every function that runs a model takes either the Keras model, whose current weights it copies
into a new stepper (a fraction of a millisecond, so never stale), or a ``CharStepper`` the
caller holds and reuses (nothing copied: the fastest, for a loop or a widget; build a new one
after the weights change).
"""

from __future__ import annotations

import math
import re
import time
import warnings
from typing import Any

import numpy as np

from rnnbook import validate
from rnnbook.cells.numpy_rnn.activations import softmax
from rnnbook.generation.stepper import CharStepper
from rnnbook.generation.transformer_stepper import TransformerStepper
from rnnbook.text.vocabulary import CleanedText, Vocabulary

START = "\n"  # where generation starts when the seed text is empty: the start of a line
PROB_TOLERANCE = 1e-3  # a float32 softmax sums to 1 within ~1e-6; anything further is a mistake
STRATEGIES = ("ancestral", "top-k", "top-p", "greedy", "beam")


class SeedTextWarning(UserWarning):
    """The seed text was changed to fit the vocabulary (lower-cased, characters replaced or
    dropped), or was empty and generation started from :data:`START`."""


# --------------------------------------------------------------------------------------------
# Validation: every bad argument gets a ValueError that names it.


def _check_rng(rng: Any) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise validate.error_for(
            "rng", "be None or a numpy.random.Generator (np.random.default_rng(seed))",
            received=f"rng of type {type(rng).__name__}")
    return rng


# --------------------------------------------------------------------------------------------
# One probability vector.


def apply_temperature(p: np.ndarray, temperature: float) -> np.ndarray:
    """Rescale log-probabilities by ``1 / temperature``: ``p_T ∝ exp(log p / T)``.

    Args:
        p: (vocab,) probabilities that sum to 1.
        temperature: >= 0; 0 puts all the mass on the most likely character (the first one
            on a tie), 1 returns ``p`` unchanged.

    Returns:
        (vocab,) float64 probabilities.
    """
    if temperature == 0:
        return np.eye(len(p))[np.argmax(p)]
    with np.errstate(divide="ignore"):  # log 0 = -inf: an impossible character stays impossible
        logits = np.log(p) / temperature
    return softmax(logits)  # the largest logit is subtracted: no overflow at small temperatures


def keep_top_k(p: np.ndarray, k: int) -> np.ndarray:
    """Keep the ``k`` most likely characters (all of them if ``k >= vocab``), renormalised."""
    if k >= len(p):
        return p
    keep = np.argsort(-p, kind="stable")[:k]  # on a tie, the lower id wins (as with argmax)
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q / q.sum()


def keep_top_p(p: np.ndarray, top_p: float) -> np.ndarray:
    """Keep the smallest set of most likely characters whose mass reaches ``top_p``."""
    order = np.argsort(-p, kind="stable")
    mass_before = np.cumsum(p[order]) - p[order]  # mass of the more likely characters
    keep = order[mass_before < top_p]  # the set stops at the character that reaches top_p
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q / q.sum()


def distribution(
    probs: Any,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> np.ndarray:
    """The distribution :func:`sample` draws from: temperature first, then top-k, then top-p.

    Args:
        probs: (vocab,) probabilities (a softmax output; (1, vocab) is accepted too).
        temperature: >= 0 (0 = argmax).
        top_k: keep the ``top_k`` most likely characters; None keeps all.
        top_p: keep the smallest set whose mass reaches ``top_p`` in (0, 1]; None keeps all.

    Returns:
        (vocab,) float64 probabilities that sum to 1.

    Raises:
        ValueError: naming the argument that is invalid.
    """
    p = validate.probabilities("probs", probs, PROB_TOLERANCE)
    temperature = validate.number("temperature", temperature, 0)
    top_k = validate.integer("top_k", top_k, 1, none=True)
    top_p = validate.number("top_p", top_p, 0, 1, low_open=True, none=True)
    q = apply_temperature(p, temperature)
    if top_k is not None:
        q = keep_top_k(q, top_k)
    if top_p is not None:
        q = keep_top_p(q, top_p)
    return q


def sample(
    probs: Any,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | None = None,
) -> int:
    """Draw one character id from a model's next-character probabilities.

    Args:
        probs: (vocab,) probabilities, non-negative, summing to 1 within 1e-3 (the softmax
            output itself; (1, vocab) is accepted too).
        temperature: >= 0; ``p_T ∝ exp(log p / T)``; 0 means argmax (greedy).
        top_k: None, or keep only the ``top_k`` >= 1 most likely characters.
        top_p: None, or keep the smallest set whose mass reaches ``top_p`` in (0, 1].
        rng: a ``numpy.random.Generator``, for reproducible draws; None uses a fresh one.

    Returns:
        The id drawn, a Python int in ``[0, vocab)``.

    Raises:
        ValueError: naming the argument that is invalid (``probs``, ``temperature``,
            ``top_k``, ``top_p``, ``rng``).
    """
    q = distribution(probs, temperature, top_k, top_p)
    rng = _check_rng(rng)
    if temperature == 0:
        return int(np.argmax(q))
    # Inverse-CDF draw: one uniform number per character, cheaper than rng.choice.
    cdf = np.cumsum(q)
    return int(min(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"), len(q) - 1))


# --------------------------------------------------------------------------------------------
# Running a model: the seed, the stepper.


def prepare_seed(
    vocab: Vocabulary, seed_text: str, *, warn: bool = True
) -> tuple[np.ndarray, CleanedText]:
    """Ids to feed the model before generating, from the text a user typed.

    The text is cleaned with :meth:`rnnbook.text.vocabulary.Vocabulary.clean` (lower-cased if the
    vocabulary has no capitals, typographic variants replaced, unknown characters dropped);
    each change is reported with a :class:`SeedTextWarning`. A seed that is empty (or empty
    after cleaning) starts from :data:`START` (a newline), or the vocabulary's first character
    if it has no newline.

    Returns:
        ``(ids, cleaned)``: (n,) int32 ids, n >= 1, and the cleaning result.
    """
    if not isinstance(seed_text, str):
        raise validate.error_for("seed_text", "be a string",
                                 received=f"seed_text of type {type(seed_text).__name__}")
    cleaned = vocab.clean(seed_text)
    if warn and cleaned.changed:
        warnings.warn(cleaned.message, SeedTextWarning, stacklevel=3)
    text = cleaned.text
    if not text:
        text = START if START in vocab else vocab.chars[0]
        if warn and seed_text:
            warnings.warn(f"Seed text: nothing left after cleaning; starting from {text!r}.",
                          SeedTextWarning, stacklevel=3)
    return vocab.encode(text), cleaned


def stepper_for(model: Any) -> CharStepper:
    """The stepper to run: ``model`` itself if it is a ``CharStepper``, else a new one.

    A new stepper copies the Keras model's current weights (a fraction of a millisecond for an
    LSTM(128)), so a model that trained since the last call is never seen with stale weights.
    A caller that generates many times from the same weights (a widget, a benchmark) builds one
    with :meth:`CharStepper.from_model` and passes it instead.
    """
    held = isinstance(model, (CharStepper, TransformerStepper))  # a Transformer's: its own
    return model if held else CharStepper.from_model(model)


def next_char_probs(model: Any, vocab: Vocabulary, seed_text: str) -> np.ndarray:
    """The model's next-character distribution after ``seed_text`` (cleaned, without warning).

    Returns:
        (vocab,) float64 probabilities.
    """
    ids, _ = prepare_seed(vocab, seed_text, warn=False)
    stepper = stepper_for(model)
    probs, _ = stepper.feed(ids[None, :], stepper.initial_state(1))
    return np.asarray(probs, dtype=np.float64)[0]


def generate(
    model: Any,
    vocab: Vocabulary,
    seed_text: str,
    length: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | None = None,
) -> str:
    """Continue ``seed_text`` by ``length`` characters, one sampled character at a time.

    The fast stateful path: the seed is fed once, then each character costs one step of the
    recurrent cell (``CharStepper.step``), not a re-run of the whole window.

    Args:
        model: a model built by :func:`rnnbook.models.build_char_model` (trained or not), or a
            ``CharStepper`` of one (see :func:`stepper_for`).
        vocab: the vocabulary the model was trained with.
        seed_text: free text; cleaned as :func:`prepare_seed` describes (never a KeyError).
        length: characters to generate, >= 0 (0 returns "").
        temperature, top_k, top_p, rng: as in :func:`sample`.

    Returns:
        The ``length`` generated characters (the seed is not repeated).

    Raises:
        ValueError: naming the argument that is invalid.
    """
    length = validate.integer("length", length, 0)
    # Check every argument now, not at the first character (nor never, when length is 0).
    validate.number("temperature", temperature, 0)
    validate.integer("top_k", top_k, 1, none=True)
    validate.number("top_p", top_p, 0, 1, low_open=True, none=True)
    rng = _check_rng(rng)
    ids, _ = prepare_seed(vocab, seed_text)
    if length == 0:
        return ""
    stepper = stepper_for(model)
    probs, state = stepper.feed(ids[None, :], stepper.initial_state(1))
    out = []
    for i in range(length):
        out.append(sample(probs[0], temperature, top_k, top_p, rng))
        if i + 1 < length:  # the distribution after the last character is never used
            probs, state = stepper.step(np.array(out[-1:], dtype=np.int32), state)
    return vocab.decode(out)


def generation_speed(model: Any, vocab: Vocabulary, seed_text: str, length: int,
                     rng: np.random.Generator | None = None) -> float:
    """Characters per second of :func:`generate` (the stepper built first, as a widget holds it).

    Args:
        model: a model built by :func:`rnnbook.models.build_char_model`, or its stepper.
        vocab: its vocabulary.
        seed_text: the seed, as for :func:`generate`.
        length: characters to time (at least 1).
    """
    length = validate.integer("length", length, 1)
    stepper = stepper_for(model)  # built once, outside the timing
    generate(stepper, vocab, seed_text, 1, rng=rng)  # a warm-up
    start = time.perf_counter()
    generate(stepper, vocab, seed_text, length, rng=rng)
    return length / (time.perf_counter() - start)


def log_prob(model: Any, vocab: Vocabulary, seed_text: str, text: str) -> float:
    """The model's log-probability of ``text`` following ``seed_text``, in nats.

    ``sum_t log p(text[t] | seed, text[:t])``; the seed is cleaned as in :func:`generate`
    (silently). Divide by ``len(text)`` for nats per character (minus the cross-entropy).

    Raises:
        ValueError: ``text`` has a character outside the vocabulary.
    """
    ids, _ = prepare_seed(vocab, seed_text, warn=False)
    chars = vocab.encode(text)
    if not len(chars):
        return 0.0
    stepper = stepper_for(model)
    probs, state = stepper.feed(ids[None, :], None)
    total = 0.0
    for t, c in enumerate(chars):
        total += math.log(float(probs[0, c]))
        if t + 1 < len(chars):
            probs, state = stepper.step(chars[t:t + 1], state)
    return total


def _take(state: Any, index: np.ndarray) -> Any:
    """Rows ``index`` of every array in a (nested) recurrent state."""
    if isinstance(state, (list, tuple)):
        return type(state)(_take(s, index) for s in state)
    if isinstance(state, dict):
        return {k: _take(v, index) for k, v in state.items()}
    return np.asarray(state)[index]


def beam_search(
    model: Any,
    vocab: Vocabulary,
    seed_text: str,
    length: int,
    beam_width: int = 5,
    trace: list | None = None,
) -> tuple[str, float]:
    """The most likely ``length``-character continuation that a beam of ``beam_width`` finds.

    At every step each kept continuation is extended by every character, scored by its total
    log-probability, and the ``beam_width`` best are kept (all beams advance together as one
    batch through the stepper). ``beam_width=1`` is greedy decoding.

    Args:
        model, vocab, seed_text: as in :func:`generate`.
        length: characters to generate, >= 0.
        beam_width: continuations kept at every step, >= 1.
        trace: a list that, if given, receives one ``(parents, chars, scores)`` per step: for
            every beam kept, the beam of the step before it extends, its new character's id,
            and its log-probability so far (what :func:`rnnbook.book.diagrams_text.beam_tree`
            draws).

    Returns:
        ``(text, log_prob)``: the best continuation and its log-probability under the model,
        ``sum_t log p(c_t | seed, c_<t)`` in nats.

    Raises:
        ValueError: naming the argument that is invalid.
    """
    length = validate.integer("length", length, 0)
    beam_width = validate.integer("beam_width", beam_width, 1)
    ids, _ = prepare_seed(vocab, seed_text)
    if length == 0:
        return "", 0.0
    stepper = stepper_for(model)
    probs, state = stepper.feed(ids[None, :], stepper.initial_state(1))
    scores = np.zeros(1)  # log-probability of each beam so far
    paths = np.zeros((1, 0), dtype=np.int32)  # the characters of each beam so far
    for t in range(length):
        with np.errstate(divide="ignore"):
            candidates = scores[:, None] + np.log(np.asarray(probs, dtype=np.float64))
        flat = candidates.ravel()
        # Stable sort: on a tie the lower (beam, character) wins, as argmax does in greedy.
        best = np.argsort(-flat, kind="stable")[:beam_width]
        beam, char = np.divmod(best, candidates.shape[1])
        scores = flat[best]
        if trace is not None:
            trace.append((beam.copy(), char.copy(), scores.copy()))
        paths = np.concatenate([paths[beam], char[:, None].astype(np.int32)], axis=1)
        if t + 1 < length:
            probs, state = stepper.step(char.astype(np.int32), _take(state, beam))
    return vocab.decode(paths[0]), float(scores[0])


# --------------------------------------------------------------------------------------------
# Measuring what comes out.


def entropy(probs: Any) -> float:
    """Shannon entropy of a probability vector, in bits."""
    p = validate.probabilities("probs", probs, PROB_TOLERANCE)
    nz = p[p > 0]
    return max(0.0, float(-(nz * np.log2(nz)).sum()))  # never -0.0


def distinct_ngrams(text: str, n: int) -> float:
    """Diversity: distinct n-grams of ``text`` divided by its n-grams (1 = no n-gram repeats).

    Returns 0.0 for a text shorter than ``n``.
    """
    n = validate.integer("n", n, 1)
    grams = [text[i:i + n] for i in range(len(text) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def known_word_share(text: str, known: str) -> float:
    """Share of the words of ``text`` that are words of ``known`` (a word: letters and ``'``).

    Returns 0.0 for a text without words. Both texts are read as they are (lower-case both).
    """
    words = re.findall(r"[a-z']+", text)
    vocabulary = set(re.findall(r"[a-z']+", known))
    return sum(w in vocabulary for w in words) / len(words) if words else 0.0
