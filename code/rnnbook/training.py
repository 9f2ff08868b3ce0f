"""Training character models: the course's recipe, its callbacks, and the tutorial's program.

The course's recipe (:func:`prepare_char_data`, :func:`compile_char_model`,
:func:`fit_char_model`):

- sequence-to-sequence windows of integer ids, a target at every position, sparse targets;
- the last 10% of the text held out, the validation loss reported in nats and bits per
  character after every epoch;
- Adam with gradient clipping (the global norm of the gradient is capped);
- the best weights kept (restored at the end) and every epoch timed;
- a checkpoint after every epoch, so that a run interrupted (a Colab disconnect) resumes where
  it stopped, with no epoch lost or repeated (:class:`ResumableCheckpoint`);
- a sample after each epoch, with the correct sampler and the fast generator
  (:class:`SampleCallback`).

The tutorial's program (the ``tutorial_*`` functions) is kept here, labelled as the tutorial's,
because the chapter and the benchmark both run it: one-hot next-character windows, its model,
its sampler (which applies a softmax to probabilities, a bug) and its generation loop (one
``model.predict`` call per character).
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from rnnbook.data import (
    Vocabulary,
    next_char_windows,
    one_hot,
    seq2seq_windows,
    train_val_split,
    write_atomically,
)

LN2 = math.log(2.0)


def nats_to_bits(nats: float) -> float:
    """A cross-entropy in nats (natural log, what Keras reports) in bits per character."""
    return float(nats) / LN2


# ---------------------------------------------------------------- data


CONTEXT = 40  # the tutorial's window: every held-out character is predicted from >= 40 before it


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
        probs = model.predict(self.x, batch_size=batch_size, verbose=0)
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
        raise ValueError(f"context must lie in [1, seq_len); got {context} (seq_len {seq_len})")
    if n < seq_len + 1:
        raise ValueError(f"{n} held-out ids are fewer than one window of {seq_len + 1}")
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


# ---------------------------------------------------------------- compile and callbacks


def compile_char_model(
    model: keras.Model, learning_rate: float = 1e-2, clipnorm: float | None = 1.0
) -> keras.Model:
    """Compile a :func:`~rnnbook.models.build_char_model` model with the course's recipe.

    Adam, sparse categorical cross-entropy on the softmax output (integer targets, no one-hot),
    and gradient clipping: when the global norm of the gradient exceeds ``clipnorm`` the whole
    gradient is scaled down to that norm (its direction kept).

    Args:
        model: the model (compiled in place and returned).
        learning_rate: Adam's step size at the start (:func:`fit_char_model` lowers it when
            the validation loss stops improving).
        clipnorm: the largest global gradient norm, or ``None`` for no clipping.
    """
    if learning_rate <= 0:
        raise ValueError(f"learning_rate must be positive; got {learning_rate!r}")
    if clipnorm is not None and clipnorm <= 0:
        raise ValueError(f"clipnorm must be positive or None; got {clipnorm!r}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(),
    )
    return model


def steps_per_epoch(data: CharData, batch_size: int) -> int:
    """Gradient steps in one epoch over ``data``'s training windows."""
    return math.ceil(len(data.x_train) / batch_size)


# The course's recipe per profile. On a CPU the cost of a step grows with its sequential
# length, so shorter windows (more, cheaper gradient steps) reach a given loss sooner; on a GPU
# a step costs about the same whatever the batch, so longer windows and bigger batches do.
RECIPES: dict[str, dict[str, Any]] = {
    "cpu": {"seq_len": 50, "batch_size": 32, "learning_rate": 1e-2, "dropout": 0.3},
    "gpu": {"seq_len": 100, "batch_size": 64, "learning_rate": 1e-2, "dropout": 0.3},
}
RECIPES["smoke"] = RECIPES["cpu"]


def recipe(profile: str) -> dict[str, Any]:
    """The recipe's settings for a profile name (``smoke``, ``cpu``, ``gpu``): a copy."""
    if profile not in RECIPES:
        raise ValueError(f"profile must be one of {', '.join(sorted(RECIPES))}; got {profile!r}")
    return dict(RECIPES[profile])


class EpochLog(keras.callbacks.Callback):
    """Times every epoch, measures the held-out loss, records both.

    The time of an epoch is its training only: measuring the validation loss (done here, at
    the end of the epoch, with :meth:`HeldOut.loss`) is not charged to the recipe measured.
    ``elapsed`` accumulates these times, continuing across a resumed run. The validation loss
    is also put into the epoch's ``logs`` as ``val_loss`` for the callbacks after this one.

    Attributes:
        records: one dict per epoch: ``epoch`` (1-based), ``loss`` (training, nats),
            ``val_loss`` (nats, with a held-out set), ``val_bits``, ``seconds``, ``elapsed``.
    """

    def __init__(self, held_out: HeldOut | None = None, records: list[dict] | None = None) -> None:
        super().__init__()
        self.held_out = held_out
        self.records = list(records or [])
        self._start = None

    @property
    def elapsed(self) -> float:
        return self.records[-1]["elapsed"] if self.records else 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._start
        logs = logs if logs is not None else {}
        record = {"epoch": epoch + 1, "loss": float(logs["loss"]), "seconds": seconds,
                  "elapsed": self.elapsed + seconds}
        if self.held_out is not None:
            val = self.held_out.loss(self.model)
            logs["val_loss"] = val
            record["val_loss"], record["val_bits"] = val, nats_to_bits(val)
        self.records.append(record)


class KeepBest(keras.callbacks.Callback):
    """Remember the weights of the epoch with the lowest ``monitor``; restore them at the end."""

    def __init__(self, monitor: str = "val_loss", best: float = math.inf,
                 best_epoch: int | None = None, best_weights: list | None = None) -> None:
        super().__init__()
        self.monitor, self.best, self.best_epoch = monitor, best, best_epoch
        self.best_weights = best_weights

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is not None and value < self.best:
            self.best, self.best_epoch = float(value), epoch + 1
            self.best_weights = [np.array(w) for w in self.model.get_weights()]

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class SampleCallback(keras.callbacks.Callback):
    """The tutorial's idea, kept: a sample after each epoch, so the reader watches it learn.

    It uses :func:`rnnbook.sampling.generate` (the correct sampler on the fast stateful
    generator), so a 200-character sample costs milliseconds, not a ``predict`` per character.

    Attributes:
        samples: ``(epoch, text)`` for each sample drawn.
    """

    def __init__(self, vocab: Vocabulary, seed_text: str = "shall i compare thee",
                 length: int = 200, temperature: float = 0.8, every: int = 1,
                 rng: np.random.Generator | None = None,
                 printer: Callable[[str], Any] | None = print) -> None:
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be a positive integer; got {every!r}")
        self.vocab, self.seed_text, self.length = vocab, seed_text, length
        self.temperature, self.every, self.printer = temperature, every, printer
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.samples: list[tuple[int, str]] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        from rnnbook.sampling import generate

        text = generate(self.model, self.vocab, self.seed_text, self.length,
                        temperature=self.temperature, rng=self.rng)
        self.samples.append((epoch + 1, text))
        if self.printer is not None:
            val = (logs or {}).get("val_loss")
            head = f"epoch {epoch + 1}" + (f" (val {val:.3f} nats/char)" if val else "")
            self.printer(f"--- {head}: {self.seed_text}{text}")


class ResumableCheckpoint(keras.callbacks.Callback):
    """A checkpoint after every epoch, from which :func:`fit_char_model` resumes.

    The folder holds ``progress.json`` (epochs done, the per-epoch records, the best epoch)
    and the files it names: ``epoch-<n>.weights.h5`` (the model's and the optimizer's state
    after epoch n) and ``best-<n>.npz`` (the layers' weights of the best epoch so far). These
    are written first, under new names, and ``progress.json`` is replaced atomically last, so
    an interruption at any moment leaves a consistent checkpoint (the previous or the new
    one); older files are removed only after that. Point it at Google Drive in Colab and a
    dropped session loses nothing.
    """

    PROGRESS = "progress.json"

    def __init__(self, directory: str | os.PathLike, epoch_log: EpochLog, keep_best: KeepBest):
        super().__init__()
        self.directory = Path(directory)
        self.epoch_log, self.keep_best = epoch_log, keep_best

    @classmethod
    def read(cls, directory: str | os.PathLike) -> dict | None:
        """The progress stored in ``directory``, or ``None`` if there is none."""
        path = Path(directory) / cls.PROGRESS
        if not path.is_file():
            return None
        try:
            progress = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is damaged ({exc}); delete it to start afresh") from exc
        for key in ("epochs_done", "state", "records"):
            if key not in progress:
                raise ValueError(f"{path} lacks {key!r}: not a checkpoint of fit_char_model")
        return progress

    def on_epoch_end(self, epoch, logs=None):
        self.directory.mkdir(parents=True, exist_ok=True)
        old = self.read(self.directory) or {}
        done = epoch + 1
        state = f"epoch-{done}.weights.h5"
        self.model.save_weights(str(self.directory / state))
        best = old.get("best")
        if self.keep_best.best_epoch == done:  # this epoch is the new best
            best = f"best-{done}.npz"
            buffer = io.BytesIO()
            np.savez(buffer, *self.keep_best.best_weights)
            write_atomically(self.directory / best, buffer.getvalue())
        progress = {
            "epochs_done": done, "state": state, "best": best,
            "best_epoch": self.keep_best.best_epoch,
            "best_val_loss": None if math.isinf(self.keep_best.best) else self.keep_best.best,
            "records": self.epoch_log.records,
        }
        write_atomically(self.directory / self.PROGRESS, json.dumps(progress, indent=1).encode())
        for name in (old.get("state"), old.get("best")):
            if name and name not in (state, best):
                (self.directory / name).unlink(missing_ok=True)


def restore_checkpoint(
    model: keras.Model, directory: str | os.PathLike
) -> tuple[int, list[dict], KeepBest]:
    """Load the state a :class:`ResumableCheckpoint` saved into a compiled model.

    Returns:
        ``(epochs_done, records, keep_best)``: where to start ``fit`` again, the per-epoch
        records so far, and the best epoch's weights and loss.

    Raises:
        ValueError: there is no checkpoint in ``directory``, it is damaged, or it was made for
            another architecture.
    """
    folder = Path(directory)
    progress = ResumableCheckpoint.read(folder)
    if progress is None:
        raise ValueError(f"no checkpoint in {folder}")
    if not model.optimizer.built:  # its slots must exist before they can be loaded
        model.optimizer.build(model.trainable_variables)
    try:
        model.load_weights(str(folder / progress["state"]))  # the model's and Adam's state
    except Exception as exc:  # Keras raises ValueError or KeyError, depending on the version
        raise ValueError(
            f"the checkpoint in {folder} does not fit this model (was it made with other "
            f"settings?): {exc}; delete the folder to start afresh"
        ) from exc
    keep_best = KeepBest()
    if progress.get("best"):
        with np.load(folder / progress["best"]) as saved:
            best_weights = [saved[f"arr_{i}"] for i in range(len(saved.files))]
        keep_best = KeepBest(best=progress["best_val_loss"], best_epoch=progress["best_epoch"],
                             best_weights=best_weights)
    return int(progress["epochs_done"]), list(progress["records"]), keep_best


@dataclass
class TrainingLog:
    """What :func:`fit_char_model` did: one record per epoch, and the best epoch.

    Attributes:
        records: per epoch: ``epoch``, ``loss``, ``val_loss``, ``val_bits``, ``seconds``,
            ``elapsed`` (see :class:`EpochLog`).
        best_epoch, best_val_loss: the epoch whose weights the model holds at the end, and its
            validation loss in nats per character.
        resumed_from: epochs already done when this call started (0 for a fresh run).
        samples: ``(epoch, text)`` from a :class:`SampleCallback`, if one was given.
    """

    records: list[dict]
    best_epoch: int | None
    best_val_loss: float | None
    resumed_from: int = 0
    samples: list[tuple[int, str]] = field(default_factory=list)

    @property
    def best_val_bits(self) -> float | None:
        return None if self.best_val_loss is None else nats_to_bits(self.best_val_loss)

    def column(self, key: str) -> np.ndarray:
        """One value per epoch, e.g. ``log.column("val_loss")``."""
        return np.array([r[key] for r in self.records], dtype=float)

    def time_to(self, val_loss: float) -> float | None:
        """Training seconds until the validation loss first reached ``val_loss`` (or None)."""
        for r in self.records:
            if r.get("val_loss", math.inf) <= val_loss:
                return r["elapsed"]
        return None

    def summary(self) -> str:
        last = self.records[-1] if self.records else None
        if last is None:
            return "no epoch run"
        return (f"{len(self.records)} epochs in {last['elapsed']:.1f} s "
                f"({last['elapsed'] / len(self.records):.2f} s/epoch); best validation loss "
                f"{self.best_val_loss:.3f} nats = {self.best_val_bits:.3f} bits per character "
                f"at epoch {self.best_epoch}")


def fit_char_model(
    model: keras.Model,
    data: CharData,
    epochs: int,
    batch_size: int = 64,
    checkpoint_dir: str | os.PathLike | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    lr_drop: float | None = 0.3,
    verbose: int = 0,
) -> TrainingLog:
    """Train a compiled character model on ``data``, keeping the best weights.

    Validates after every epoch on the held-out windows, lowers the learning rate when that
    stops improving (``lr_drop``), times each epoch's training, restores
    the weights of the epoch with the lowest validation loss at the end, and, with
    ``checkpoint_dir``, writes a checkpoint after every epoch and *resumes* from one found
    there: a second call after an interruption runs only the epochs not yet done (the model
    and the optimizer continue from the last completed epoch; the records of the earlier
    epochs are kept).

    Args:
        model: compiled (see :func:`compile_char_model`).
        data: from :func:`prepare_char_data`.
        epochs: total number of epochs, counting those a checkpoint says are done.
        batch_size: windows per gradient step.
        checkpoint_dir: a folder for the checkpoint (created), or ``None`` for none.
        callbacks: more callbacks (e.g. a :class:`SampleCallback`).
        lr_drop: multiply the learning rate by this factor after an epoch that did not improve
            the validation loss (``None``: never). The rate is part of the optimizer's saved
            state, so a resumed run keeps it.
        verbose: passed to ``fit`` (0: no progress bars).

    Returns:
        A :class:`TrainingLog`.
    """
    if int(epochs) != epochs or epochs < 1:
        raise ValueError(f"epochs must be a positive integer; got {epochs!r}")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    if lr_drop is not None and not 0 < lr_drop < 1:
        raise ValueError(f"lr_drop must lie in (0, 1) or be None; got {lr_drop!r}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError("compile the model first (compile_char_model)")
    epoch_log, keep_best = EpochLog(data.held_out), KeepBest()
    initial_epoch = 0
    if checkpoint_dir is not None and ResumableCheckpoint.read(checkpoint_dir) is not None:
        initial_epoch, epoch_log.records, keep_best = restore_checkpoint(model, checkpoint_dir)
    all_callbacks = [epoch_log, keep_best]
    if lr_drop is not None:
        all_callbacks.append(keras.callbacks.ReduceLROnPlateau(
            "val_loss", factor=lr_drop, patience=1, min_lr=1e-4, verbose=0))
    if checkpoint_dir is not None:
        all_callbacks.append(ResumableCheckpoint(checkpoint_dir, epoch_log, keep_best))
    all_callbacks += list(callbacks)
    if initial_epoch < epochs:
        model.fit(
            data.x_train, data.y_train, batch_size=batch_size, epochs=int(epochs),
            initial_epoch=initial_epoch,
            shuffle=True, callbacks=all_callbacks, verbose=verbose,
        )
    elif keep_best.best_weights is not None:
        model.set_weights(keep_best.best_weights)
    samples = [s for cb in callbacks if isinstance(cb, SampleCallback) for s in cb.samples]
    return TrainingLog(epoch_log.records, keep_best.best_epoch,
                       None if math.isinf(keep_best.best) else keep_best.best,
                       resumed_from=initial_epoch, samples=samples)


# ---------------------------------------------------------------- the tutorial's program
# Kept as the tutorial wrote it (ported to Keras 3, `np.bool` -> `bool`), flaws included:
# the chapter shows each flaw with evidence, and the benchmark times it.


@dataclass
class TutorialData:
    """The tutorial's tensors: one-hot windows of ``maxlen`` characters and the next character.

    Attributes:
        chars: the tutorial's vocabulary, ``list(set(text))`` (its order changes with the
            process's hash seed).
        char_indices: character -> id in that order.
        x: (windows, maxlen, len(chars)) bool one-hot inputs.
        y: (windows, len(chars)) bool one-hot targets.
        text: the lower-cased text the windows come from.
    """

    chars: list[str]
    char_indices: dict[str, int]
    x: np.ndarray
    y: np.ndarray
    text: str = field(repr=False)


def tutorial_prepare(text: str, maxlen: int = 40, step: int = 1,
                     chars: Sequence[str] | None = None) -> TutorialData:
    """The tutorial's data: lower-cased text, ``chars = list(set(text))``, one-hot windows.

    ``chars`` may be passed to reuse the vocabulary of an earlier call (e.g. to encode the
    held-out text with the training text's ids); by default it is ``list(set(text))``.
    """
    text = text.lower()
    chars = list(set(text)) if chars is None else list(chars)
    char_indices = {c: i for i, c in enumerate(chars)}
    ids = np.array([char_indices[c] for c in text], dtype=np.int32)
    x_ids, y_ids = next_char_windows(ids, seq_len=maxlen, step=step)
    return TutorialData(chars, char_indices, one_hot(x_ids, len(chars), bool),
                        one_hot(y_ids, len(chars), bool), text)


def tutorial_model(maxlen: int, vocab_size: int, units: int = 128) -> keras.Model:
    """The tutorial's model: ``LSTM(128)`` on one-hot windows, ``Dense(vocab, softmax)``.

    Compiled as the tutorial compiles it: categorical cross-entropy, Adam (default settings).
    """
    model = keras.Sequential([
        keras.Input((maxlen, vocab_size)),
        keras.layers.LSTM(units),
        keras.layers.Dense(vocab_size, activation="softmax"),
    ], name="tutorial_lstm")
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def tutorial_sample(preds: np.ndarray, rng: np.random.Generator | None = None) -> int:
    """The tutorial's sampler, bug included: a softmax applied to probabilities.

    ``preds`` already sums to one; ``exp(p) / sum(exp(p))`` squeezes every probability towards
    ``1 / vocab`` (exp is nearly linear on [0, 1]), so it samples from an almost uniform
    distribution. ``rng`` (not in the tutorial, which calls ``np.random.choice``) makes the
    draw reproducible.
    """
    p = np.exp(preds) / np.sum(np.exp(preds))
    choice = (rng or np.random).choice
    return int(choice(range(len(p.ravel())), p=p.ravel()))


def tutorial_generate(
    model: keras.Model,
    seed: str,
    chars: Sequence[str],
    length: int = 200,
    sampler: Callable[[np.ndarray], int] | None = None,
    rng: np.random.Generator | None = None,
) -> str:
    """The tutorial's generation loop: re-encode the window, ``model.predict``, sample, slide.

    Each character re-runs the LSTM over the whole window (40 steps) in a fresh ``predict``
    call. ``sampler`` (default: :func:`tutorial_sample`) maps the (vocab,) probabilities to an
    id.

    Returns:
        The ``length`` generated characters.
    """
    char_indices = {c: i for i, c in enumerate(chars)}
    maxlen = model.input_shape[1]
    if len(seed) != maxlen:
        raise ValueError(f"seed must be exactly {maxlen} characters; got {len(seed)}")
    if sampler is None:
        sampler = lambda p: tutorial_sample(p, rng)  # noqa: E731
    window, out = seed, []
    for _ in range(length):
        x = np.zeros((1, maxlen, len(chars)), dtype=bool)
        for t, char in enumerate(window):
            x[0, t, char_indices[char]] = True
        preds = model.predict(x, verbose=0)[0]
        next_char = chars[sampler(preds)]
        out.append(next_char)
        window = window[1:] + next_char
    return "".join(out)


def tutorial_held_out(val_text: str, chars: Sequence[str], maxlen: int = 40) -> HeldOut:
    """The held-out text as the tutorial's model reads it: one-hot windows, the next character.

    Not part of the tutorial (it holds nothing out): the course adds it to measure the
    tutorial's recipe on the same targets as its own (positions ``maxlen`` .. end of the
    held-out text; see :func:`held_out_windows`).
    """
    val = tutorial_prepare(val_text, maxlen, 1, chars=chars)
    return HeldOut(val.x, val.y.argmax(axis=-1).astype(np.int32))


def fit_tutorial(
    model: keras.Model,
    data: TutorialData,
    epochs: int,
    held_out: HeldOut | None = None,
    batch_size: int = 256,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> TrainingLog:
    """``model.fit(x, y, batch_size=256, epochs=...)`` as the tutorial calls it, timed.

    With ``held_out`` (the course's addition) the validation loss is measured after every
    epoch, outside the timed training. Nothing is kept or restored: the model ends with its
    last epoch's weights, as in the tutorial.
    """
    epoch_log = EpochLog(held_out)
    model.fit(data.x, data.y, batch_size=batch_size, epochs=int(epochs),
              callbacks=[epoch_log, *callbacks], verbose=0)
    vals = [r["val_loss"] for r in epoch_log.records if "val_loss" in r]
    best = int(np.argmin(vals)) if vals else None
    return TrainingLog(epoch_log.records, None if best is None else best + 1,
                       None if best is None else vals[best])


class TutorialSampleCallback(keras.callbacks.Callback):
    """The tutorial's per-epoch callback: a random 40-character seed, then its generation loop.

    Attributes:
        samples: ``(epoch, seed, text)`` for each sample; ``seconds``: time of each.
    """

    def __init__(self, data: TutorialData, length: int = 200, every: int = 1,
                 rng: np.random.Generator | None = None,
                 printer: Callable[[str], Any] | None = print) -> None:
        super().__init__()
        self.data, self.length, self.every, self.printer = data, length, every, printer
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.samples: list[tuple[int, str, str]] = []
        self.seconds: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every or self.length < 1:
            return
        maxlen = self.model.input_shape[1]
        start = int(self.rng.integers(0, len(self.data.text) - maxlen - 1))
        seed = self.data.text[start:start + maxlen]
        t0 = time.perf_counter()
        text = tutorial_generate(self.model, seed, self.data.chars, self.length, rng=self.rng)
        self.seconds.append(time.perf_counter() - t0)
        self.samples.append((epoch + 1, seed, text))
        if self.printer is not None:
            self.printer(f"--- epoch {epoch + 1}, seed {seed!r}:\n{text}")


def tutorial_to_char_model(model: keras.Model, chars: Sequence[str],
                           vocab: Vocabulary | None = None) -> tuple[keras.Model, Vocabulary]:
    """The tutorial's trained weights in a :func:`~rnnbook.models.build_char_model` model.

    The tutorial's LSTM reads one-hot vectors, so its arithmetic is the one-hot
    ``build_char_model`` LSTM's; only the character order differs (``list(set(text))`` versus
    sorted). The rows of the input kernel and the columns of the output layer are permuted to
    the sorted :class:`~rnnbook.data.Vocabulary`. The result gives, at every position, the
    probabilities the tutorial's model gives for the window ending there, and runs on the fast
    generator.

    Returns:
        ``(char_model, vocab)``.
    """
    from rnnbook.models import build_char_model

    lstm = next(layer for layer in model.layers if isinstance(layer, keras.layers.LSTM))
    dense = model.layers[-1]
    vocab = vocab or Vocabulary.from_text("".join(chars))
    if sorted(vocab.chars) != sorted(chars):
        raise ValueError("vocab must hold exactly the tutorial's characters")
    # perm[i] = the tutorial's id of the i-th character of the sorted vocabulary
    perm = np.array([list(chars).index(c) for c in vocab.chars])
    kernel, recurrent, bias = lstm.get_weights()
    dense_kernel, dense_bias = dense.get_weights()
    char_model = build_char_model(len(vocab), "lstm", lstm.units, name="tutorial_as_char_model")
    char_model.get_layer("lstm_0").set_weights([kernel[perm], recurrent, bias])
    char_model.get_layer("next_char").set_weights([dense_kernel[:, perm], dense_bias[perm]])
    return char_model, vocab
