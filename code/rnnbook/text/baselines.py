"""Counting baselines of the next character: what a model must beat on the same targets.

- :class:`Unigram`: character frequencies (add-one smoothed), no context at all;
- :class:`KneserNey`: an interpolated Kneser–Ney character n-gram (Chen and Goodman's
  recursion, one discount), interpolated down to the uniform distribution over the vocabulary;
- :func:`compressor_nats`: what ``bz2`` or ``lzma`` adds to its output per held-out character,
  a code length (an upper bound of what the compressor's model knows), not a probability model.

:func:`sonnet_baselines` scores them all on the targets the neural models are scored on (the
last 10% of the lower-cased sonnets, from character :data:`rnnbook.text.windows.CONTEXT` on);
:func:`rnnbook.models.saved_model_scores` scores the committed models there; :func:`format_table`
ranks both.
"""

from __future__ import annotations

import bz2
import lzma
import math
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np

from rnnbook import validate
from rnnbook.metrics import LN2, nats_to_bits, perplexity
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import CONTEXT, sonnet_split

COMPRESSORS = {
    "bz2": lambda data: bz2.compress(data, compresslevel=9),
    "lzma": lambda data: lzma.compress(data, preset=9 | lzma.PRESET_EXTREME),
}


def _check_text(name: str, text: str, vocab: Vocabulary) -> str:
    """``text`` if every character of it is in ``vocab``."""
    if not isinstance(text, str):
        raise validate.error_for(name, "be a string",
                                 received=f"{name} of type {type(text).__name__}")
    unknown = sorted(set(text) - set(vocab.chars))
    if unknown:
        raise validate.error_for(name, "hold only characters of the vocabulary",
                                 received=f"characters not in it: {', '.join(map(repr, unknown))}",
                                 hint="Fit and score over a vocabulary built from the whole text.")
    return text


class _CountingModel:
    """What every counting model shares: scoring a text, one distribution per position."""

    context_size = 0  # characters of context a distribution depends on
    vocab: Vocabulary | None = None

    def _fitted(self) -> Vocabulary:
        if self.vocab is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(text, vocab)")
        return self.vocab

    def _distribution(self, context: str) -> np.ndarray:
        raise NotImplementedError

    def distribution(self, context: str = "") -> np.ndarray:
        """The next character's probabilities after ``context``: shape (len(vocab),), sum 1."""
        vocab = self._fitted()
        return self._distribution(_check_text("context", context, vocab))

    def log_probs(self, text: str, start: int = 0) -> np.ndarray:
        """ln p of each character ``text[start:]`` from the ones before it in ``text``.

        Returns:
            (len(text) - start,) float64; the context never reaches before ``text[0]``.
        """
        vocab = self._fitted()
        text = _check_text("text", text, vocab)
        start = validate.integer("start", start, 0)
        if start >= len(text):
            raise validate.error_for("start", f"lie in [0, len(text)) = [0, {len(text)})", start)
        ids = vocab.encode(text)
        seen: dict[str, np.ndarray] = {}  # a context met twice is computed once
        out = np.empty(len(text) - start)
        for i in range(start, len(text)):
            context = text[max(0, i - self.context_size):i]
            p = seen.get(context)
            if p is None:
                p = seen[context] = self._distribution(context)
            out[i - start] = math.log(p[ids[i]])
        return out


class Unigram(_CountingModel):
    """Character frequencies with add-``alpha`` smoothing: p(w) = (c(w) + alpha) / (N + alpha V).

    No context; every character of the vocabulary keeps a probability above zero.
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = validate.number("alpha", alpha, 0, low_open=True)
        self.probs: np.ndarray | None = None

    def fit(self, text: str, vocab: Vocabulary) -> Unigram:
        """Count the characters of ``text`` (over ``vocab``); returns the model itself."""
        text = _check_text("text", text, vocab)
        counts = np.bincount(vocab.encode(text), minlength=len(vocab)) + self.alpha  # (V,)
        self.vocab, self.probs = vocab, counts / counts.sum()
        return self

    def _distribution(self, context: str) -> np.ndarray:
        return self.probs


class KneserNey(_CountingModel):
    """Interpolated Kneser–Ney character n-gram of ``order`` (1 to 6), one ``discount``.

    At level k (context h of k - 1 characters, the last ones before the target w)::

        p_k(w | h) = max(c(hw) - D, 0) / c(h) + D T(h) / c(h) * p_{k-1}(w | h without its first)

    with c(hw) the count of hw in the text at the highest level (k = order) and its continuation
    count, the number of distinct characters seen before hw, at the lower ones; c(h) the sum of
    c(hw) over w, T(h) the number of w with c(hw) > 0. An unseen h leaves p_{k-1} as it is;
    p_0 is uniform over the vocabulary, so every character keeps a probability above zero. A
    context shorter than order - 1 (at the very start of a text) uses the levels it reaches.
    """

    def __init__(self, order: int, discount: float = 0.8) -> None:
        self.order = validate.positive_int("order", order)
        if self.order > 6:
            raise validate.error_for("order", "lie in [1, 6]", order)
        self.discount = validate.number("discount", discount, 0, 1, low_open=True,
                                        high_open=True)
        self.context_size = self.order - 1
        # Per level k (index k - 1): context -> (ids of w, c(hw), c(h), T(h)).
        self.levels: list[dict[str, tuple[np.ndarray, np.ndarray, float, int]]] = []

    def fit(self, text: str, vocab: Vocabulary) -> KneserNey:
        """Count the n-grams of ``text`` (raw at the top level, continuation below)."""
        text = _check_text("text", text, vocab)
        self.vocab, self.levels = vocab, []
        index = {c: i for i, c in enumerate(vocab.chars)}
        for k in range(1, self.order + 1):
            if k == self.order:
                counts = Counter(text[i:i + k] for i in range(len(text) - k + 1))
            else:  # continuation: each distinct (k+1)-gram counts once for its last k characters
                longer = {text[i:i + k + 1] for i in range(len(text) - k)}
                counts = Counter(gram[1:] for gram in longer)
            by_context: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for gram, count in counts.items():
                by_context[gram[:-1]].append((index[gram[-1]], count))
            level = {}
            for context, pairs in by_context.items():
                ids, c = (np.array(column) for column in zip(*pairs, strict=True))
                level[context] = (ids, c.astype(np.float64), float(c.sum()), len(ids))
            self.levels.append(level)
        return self

    def _distribution(self, context: str) -> np.ndarray:
        vocab = self._fitted()
        p = np.full(len(vocab), 1.0 / len(vocab))  # (V,) level 0: uniform
        for k in range(1, min(self.order, len(context) + 1) + 1):
            entry = self.levels[k - 1].get(context[len(context) - (k - 1):])
            if entry is None:  # an unseen context: the lower level's distribution stands
                continue
            ids, counts, total, types = entry
            p = p * (self.discount * types / total)  # the mass the discounts set aside
            p[ids] += np.maximum(counts - self.discount, 0.0) / total
        return p


def score_nats(model: _CountingModel, text: str, first_target: int) -> float:
    """Mean -ln p (nats per character) over ``text[first_target:]``, each from what precedes it."""
    return float(-model.log_probs(text, first_target).mean())


def compressor_nats(train_text: str, held_text: str, first_target: int,
                    method: str = "bz2", drops: int = 9) -> float:
    """Nats per character a compressor adds for ``held_text[first_target:]``, after the rest.

    (bits of compress(train + held) - bits of compress(train + held[:first_target])) / targets,
    in nats, of the UTF-8 text at the strongest setting: a code length, hence an upper bound of
    what the compressor's implicit model knows, not a probability model of the next character.
    The output of ``bz2`` jumps by up to a few hundred bytes with the exact input (its Huffman
    tables), which moves one such difference by up to 0.15 nats; so the figure is the median over
    ``drops`` training texts, with their first 0, 1000, 2000, ... characters dropped (``drops=1``:
    the whole training text only). The targets stay the same.
    """
    validate.one_of("method", method, COMPRESSORS)
    first_target = validate.integer("first_target", first_target, 0)
    drops = validate.positive_int("drops", drops)
    if first_target >= len(held_text):
        raise validate.error_for("first_target", f"lie in [0, len(held_text)) = "
                             f"[0, {len(held_text)})", first_target)
    if (drops - 1) * 1000 >= len(train_text):
        raise validate.error_for("drops", f"leave training text to compress ({len(train_text):,} "
                                 "characters, 1000 dropped per step)", drops)
    compress = COMPRESSORS[method]
    bits = []
    for start in range(0, 1000 * drops, 1000):
        before = train_text[start:] + held_text[:first_target]
        whole = len(compress((before + held_text[first_target:]).encode("utf-8")))
        bits.append(8 * (whole - len(compress(before.encode("utf-8")))))
    return float(np.median(bits)) * LN2 / (len(held_text) - first_target)


def row(name: str, kind: str, nats: float) -> dict:
    """One line of a results table: name, kind, nats and bits per character, perplexity."""
    return {"name": name, "kind": kind, "nats": float(nats), "bits": nats_to_bits(nats),
            "perplexity": perplexity(nats)}


def baselines(train_text: str, held_text: str, vocab: Vocabulary,
              orders: Iterable[int] = range(1, 7), first_target: int = CONTEXT,
              discount: float = 0.8) -> list[dict]:
    """Every baseline fitted on ``train_text``, scored on ``held_text[first_target:]``.

    Returns:
        :func:`row` dicts: the unigram, Kneser–Ney of each order, ``bz2`` and ``lzma``.
    """
    out = [row("unigram", "counting", score_nats(Unigram().fit(train_text, vocab), held_text,
                                                 first_target))]
    for order in orders:
        model = KneserNey(order, discount).fit(train_text, vocab)
        out.append(row(f"Kneser-Ney {order}-gram", "counting",
                       score_nats(model, held_text, first_target)))
    for method in COMPRESSORS:
        out.append(row(method, "compressor",
                       compressor_nats(train_text, held_text, first_target, method)))
    return out


def sonnet_baselines(orders: Iterable[int] = range(1, 7), text: str | None = None) -> list[dict]:
    """:func:`baselines` on the sonnets' held-out targets, the neural models' own."""
    train, held, vocab = sonnet_split(text)
    return baselines(train, held, vocab, orders)


def format_table(rows: Iterable[dict]) -> str:
    """A Markdown table of :func:`row` dicts, best (fewest nats) first, perplexity (e^nats) last."""
    rows = sorted(rows, key=lambda r: r["nats"])
    if not rows:
        raise validate.error_for("rows", "hold at least one row", received="none")
    lines = ["| rank | model | kind | nats/char | bits/char | perplexity |",
             "|---:|---|---|---:|---:|---:|"]
    lines += [f"| {i} | {r['name']} | {r['kind']} | {r['nats']:.3f} | {r['bits']:.3f} "
              f"| {perplexity(r['nats']):.2f} |" for i, r in enumerate(rows, 1)]
    return "\n".join(lines)
