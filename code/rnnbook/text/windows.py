"""Every window the course cuts from a text, and held-out targets scored once each.

- :func:`train_val_split`, :func:`next_char_windows` (the tutorial's), :func:`seq2seq_windows`
  (a target at every position), :func:`cut_windows` (at given starts, for
  :class:`rnnbook.text.streams.WindowStream`) and :func:`one_hot`;
- :func:`prepare_char_data`: split a text, cut the training part into sequence-to-sequence
  windows of integer ids (a target at every position) and the held-out part into targets
  (:class:`CharData`);
- :func:`held_out_windows` and :class:`HeldOut`: windows that count every held-out character
  exactly once, after at least :data:`CONTEXT` characters of context, and the mean
  cross-entropy of a model on them (:meth:`HeldOut.loss`);
- :func:`sonnet_split`, :func:`sonnets_test` and :func:`sonnets_and_dev`: the sonnets' test
  split (the one definition of it), its targets as every sonnet model is scored on them, and
  the slice of the training text that choices are made on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rnnbook import validate
from rnnbook.text.corpora import load_corpus
from rnnbook.text.vocabulary import Vocabulary

if TYPE_CHECKING:  # for the annotations only: scoring calls model.predict, whatever the model
    import keras

CONTEXT = 40  # the tutorial's window: every held-out character is predicted from >= 40 before it
# Every sonnet model is scored in windows of this many characters: each target is predicted from
# 40 to 99 characters before it, whatever windows the model was trained on.
SCORING_WINDOW = 100


# ---------------------------------------------------------------- cutting windows


def train_val_split(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """Split ``text`` into a contiguous training part and the last ``val_fraction`` for validation.

    Contiguous, not shuffled: windows built on each part never share a character, so the
    validation loss measures text the model has not seen.
    """
    validate.number("val_fraction", val_fraction, 0, 1, low_open=True, high_open=True)
    cut = int(round(len(text) * (1.0 - val_fraction)))
    if cut < 1 or cut >= len(text):
        raise validate.error_for("text", "be long enough to split",
                                 received=f"{len(text)} characters")
    return text[:cut], text[cut:]


def _sliding(ids: np.ndarray, width: int, step: int) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise validate.shape_error_for("ids", ids, "be one-dimensional")
    if len(ids) < width:
        raise validate.error_for("ids", f"hold at least one window of {width} ids",
                                 received=f"a text of {len(ids)} ids, shorter than one window")
    return np.lib.stride_tricks.sliding_window_view(ids, width)[::step]


def next_char_windows(
    ids: np.ndarray, seq_len: int = 40, step: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's windows: ``seq_len`` characters in, the next character out.

    Args:
        ids: (n,) integer ids of a text.
        seq_len: characters per input window.
        step: distance between the starts of consecutive windows.

    Returns:
        ``x`` of shape (windows, seq_len) and ``y`` of shape (windows,), where
        ``x[i] = ids[i*step : i*step + seq_len]`` and ``y[i] = ids[i*step + seq_len]``;
        windows = (n - seq_len - 1) // step + 1.
    """
    seq_len, step = validate.positive_int("seq_len", seq_len), validate.positive_int("step", step)
    both = _sliding(ids, seq_len + 1, step)
    return both[:, :-1].copy(), both[:, -1].copy()


def seq2seq_windows(
    ids: np.ndarray, seq_len: int = 100, step: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Windows with a target at every position: ``y`` is ``x`` shifted one character left.

    Args:
        ids: (n,) integer ids of a text.
        seq_len: characters per window.
        step: distance between window starts; default ``seq_len`` (non-overlapping windows).

    Returns:
        ``x`` and ``y``, each (windows, seq_len), with ``y[i, t] = x[i, t + 1]`` inside a window
        and ``y[i, -1]`` the character that follows it.
    """
    seq_len = validate.positive_int("seq_len", seq_len)
    step = seq_len if step is None else validate.positive_int("step", step)
    both = _sliding(ids, seq_len + 1, step)
    return both[:, :-1].copy(), both[:, 1:].copy()


def one_hot(ids: np.ndarray, depth: int, dtype: type = bool) -> np.ndarray:
    """One-hot encode integer ids: shape ``ids.shape + (depth,)``."""
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        raise validate.error_for("ids", f"lie in [0, {depth})",
                             received=f"ids from {ids.min()} to {ids.max()}")
    return np.eye(depth, dtype=dtype)[ids]


def cut_windows(ids: np.ndarray, starts: np.ndarray,
                seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """The windows of ``ids`` starting at ``starts``: x (len(starts), seq_len) int32 ids, and y,
    x shifted one character left (``y[i, t]`` is the character after ``x[i, t]``)."""
    rows = np.asarray(starts)[:, None] + np.arange(seq_len + 1)[None, :]  # (n, seq_len + 1)
    both = np.asarray(ids)[rows].astype(np.int32)
    return both[:, :-1], both[:, 1:]  # (n, seq_len) each


# ---------------------------------------------------------------- the recipe's data


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
        raise validate.error_for("context", f"lie in [1, seq_len) = [1, {seq_len})", context)
    if n < seq_len + 1:
        raise validate.error_for("ids", f"hold at least one window of {seq_len + 1} ids",
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
    return _char_data(train_text, val_text, vocab, seq_len, context)


def _char_data(train_text: str, val_text: str, vocab: Vocabulary, seq_len: int,
               context: int | None = None) -> CharData:
    """The training part cut into windows, the held-out part into targets."""
    x_train, y_train = seq2seq_windows(vocab.encode(train_text), seq_len)
    context = min(CONTEXT, seq_len - 1) if context is None else context
    held_out = held_out_windows(vocab.encode(val_text), seq_len, context)
    return CharData(vocab, x_train, y_train, held_out, seq_len, train_text, val_text)


def sonnet_split(text: str | None = None) -> tuple[str, str, Vocabulary]:
    """The course's test split: (training 90%, held-out 10%, vocabulary) of the lower-cased
    sonnets (or of ``text``, lower-cased).

    Every sonnet model and baseline is scored on the held-out part, from its character
    :data:`CONTEXT` on. The vocabulary is that of the whole lower-cased text (for the sonnets,
    :func:`rnnbook.text.vocabulary.sonnets_vocabulary`), the one the committed models use.
    """
    text = (load_corpus("sonnets") if text is None else text).lower()
    train, held = train_val_split(text, 0.1)
    return train, held, Vocabulary.from_text(text)


def sonnets_and_dev(vocab: Vocabulary, seq_len: int) -> tuple[CharData, CharData]:
    """The sonnets (training windows, the test targets) and the split of their training text.

    The second, *dev*, holds windows of the first 90% of the sonnets' training text and its
    last 10% as held-out targets: the text every choice of a sonnet model is made on, so that
    the sonnets' own held-out targets stay a test.
    """
    train, held, _ = sonnet_split()
    sonnets = _char_data(train, held, vocab, seq_len)
    return sonnets, prepare_char_data(train, seq_len, vocab=vocab, lower=False)


def sonnets_test(vocab: Vocabulary) -> HeldOut:
    """The sonnets' test targets in :data:`SCORING_WINDOW` windows: what every sonnet model of
    the course is scored on, once."""
    train, held, _ = sonnet_split()
    return _char_data(train, held, vocab, SCORING_WINDOW).held_out
