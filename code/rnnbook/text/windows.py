"""Windows of a text for the course's recipe, and held-out targets scored once each.

- :func:`prepare_char_data`: split a text, cut the training part into sequence-to-sequence
  windows of integer ids (a target at every position) and the held-out part into targets
  (:class:`CharData`);
- :func:`held_out_windows` and :class:`HeldOut`: windows that count every held-out character
  exactly once, after at least :data:`CONTEXT` characters of context, and the mean
  cross-entropy of a model on them (:meth:`HeldOut.loss`);
- :func:`sonnets_vocabulary` and :func:`sonnets_and_dev`: the sonnets' vocabulary, their test
  targets, and the slice of their training text that choices are made on.

The windows themselves are cut by :mod:`rnnbook.text.corpora` (``seq2seq_windows``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rnnbook import validate
from rnnbook.text.corpora import Vocabulary, load_corpus, seq2seq_windows, train_val_split

if TYPE_CHECKING:  # for the annotations only: scoring calls model.predict, whatever the model
    import keras

CONTEXT = 40  # the tutorial's window: every held-out character is predicted from >= 40 before it
# Every sonnet model is scored in windows of this many characters: each target is predicted from
# 40 to 99 characters before it, whatever windows the model was trained on.
SCORING_WINDOW = 100


@dataclass(frozen=True)
class HeldOut:
    """Held-out targets, and how to compute the validation loss on them.

    Attributes:
        x: the model's inputs for the held-out text.
        y: integer targets, shaped like the model's output without its last axis.
        mask: 1 where a target counts, 0 where it does not (same shape as ``y``), or ``None``
            (all count).
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray | None = None

    @property
    def targets(self) -> int:
        return int(self.y.size if self.mask is None else self.mask.sum())

    def loss(self, model: keras.Model, batch_size: int = 256) -> float:
        """Mean cross-entropy in nats per counted character (from ``predict``, no compiling)."""
        # Padded to a multiple of 8 windows: data-parallel JAX needs every batch, the last one
        # too, to split evenly over the devices (up to 8); the padding's outputs are dropped.
        pad = -len(self.x) % 8
        x = np.concatenate([self.x, np.repeat(self.x[:1], pad, axis=0)]) if pad else self.x
        probs = model.predict(x, batch_size=batch_size, verbose=0)[:len(self.x)]
        picked = np.take_along_axis(probs, self.y[..., None].astype(np.int64), axis=-1)[..., 0]
        nll = -np.log(np.maximum(picked.astype(np.float64), 1e-12))
        return float(nll.mean() if self.mask is None else (nll * self.mask).sum() / self.mask.sum())


def held_out_windows(ids: np.ndarray, seq_len: int = 100, context: int = CONTEXT) -> HeldOut:
    """Sequence-to-sequence windows that count every held-out character once, after context.

    The targets are the characters at positions ``context .. n-1`` of ``ids``, each counted in
    exactly one window and predicted from at least ``context`` characters before it (the
    tutorial's windows predict the very same targets from exactly 40). Consecutive windows
    overlap by ``context`` characters; the first ``context`` targets of every window but the
    first are masked out, and so are targets an earlier window already counted.

    Returns:
        A :class:`HeldOut` with x, y (windows, seq_len) int32 and a float32 mask.
    """
    ids = np.asarray(ids)
    n = len(ids)
    if not 1 <= context < seq_len:
        raise validate.error("context", f"lie in [1, seq_len) = [1, {seq_len})", context)
    if n < seq_len + 1:
        raise validate.error("ids", f"hold at least one window of {seq_len + 1} ids",
                             received=f"{n} held-out ids, fewer than one window")
    # The window starting at s predicts characters s+1 .. s+seq_len; it counts those from
    # s+context on, so the next window starts where the counted targets stop, minus context.
    starts = list(range(0, n - seq_len, seq_len + 1 - context))
    if starts[-1] != n - seq_len - 1:
        starts.append(n - seq_len - 1)  # a last window flush with the end of the text
    x = np.stack([ids[s:s + seq_len] for s in starts]).astype(np.int32)
    y = np.stack([ids[s + 1:s + seq_len + 1] for s in starts]).astype(np.int32)
    target_pos = np.array(starts)[:, None] + 1 + np.arange(seq_len)[None, :]
    mask = np.zeros(y.shape, np.float32)
    covered = context - 1  # the last position counted so far
    for i, s in enumerate(starts):
        first = max(s + context, covered + 1)
        mask[i] = target_pos[i] >= first
        covered = s + seq_len
    return HeldOut(x, y, mask)


@dataclass(frozen=True)
class CharData:
    """Training windows and held-out targets of a text, for the sequence-to-sequence recipe.

    Attributes:
        vocab: the vocabulary (sorted characters of the whole text).
        x_train, y_train: (windows, seq_len) int32 ids; ``y`` is ``x`` shifted by one.
        held_out: the validation targets (see :func:`held_out_windows`).
        seq_len: characters per window.
        train_text, val_text: the two parts of the text.
    """

    vocab: Vocabulary
    x_train: np.ndarray
    y_train: np.ndarray
    held_out: HeldOut
    seq_len: int
    train_text: str = field(repr=False)
    val_text: str = field(repr=False)


def prepare_char_data(
    text: str,
    seq_len: int = 100,
    val_fraction: float = 0.1,
    vocab: Vocabulary | None = None,
    lower: bool = True,
    context: int | None = None,
) -> CharData:
    """Split a text, cut the training part into windows and the held-out part into targets.

    Args:
        text: the corpus.
        seq_len: characters per window (the number of steps back-propagated through).
        val_fraction: the last fraction of the text held out for validation.
        vocab: the vocabulary to use (default: built from the whole, possibly lower-cased,
            text, so that both parts share it).
        lower: lower-case the text first (as the tutorial does).
        context: held-out characters count once they have this many before them (default
            :data:`CONTEXT`, the tutorial's 40, or ``seq_len - 1`` if that is shorter).

    Returns:
        A :class:`CharData`. Training windows do not overlap; none straddles the split.
    """
    if lower:
        text = text.lower()
    vocab = vocab or Vocabulary.from_text(text)
    train_text, val_text = train_val_split(text, val_fraction)
    x_train, y_train = seq2seq_windows(vocab.encode(train_text), seq_len)
    context = min(CONTEXT, seq_len - 1) if context is None else context
    held_out = held_out_windows(vocab.encode(val_text), seq_len, context)
    return CharData(vocab, x_train, y_train, held_out, seq_len, train_text, val_text)


def sonnets_vocabulary() -> Vocabulary:
    """The vocabulary of every sonnet model of the course: the lower-cased sonnets' characters."""
    return Vocabulary.from_text(load_corpus("sonnets").lower())


def sonnets_and_dev(vocab: Vocabulary, seq_len: int) -> tuple[CharData, CharData]:
    """The sonnets (training windows, the test targets) and the split of their training text.

    The second, *dev*, holds windows of the first 90% of the sonnets' training text and its
    last 10% as held-out targets: the text every choice of a sonnet model is made on, so that
    the sonnets' own held-out targets stay a test.
    """
    sonnets = prepare_char_data(load_corpus("sonnets"), seq_len, vocab=vocab)
    return sonnets, prepare_char_data(sonnets.train_text, seq_len, vocab=vocab, lower=False)
