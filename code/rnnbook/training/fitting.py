"""The course's recipe for a character model: compile, then fit with the course's callbacks.

- :func:`compile_char_model`: Adam with gradient clipping, sparse cross-entropy;
- :func:`fit_char_model`: the held-out loss in nats and bits per character after every epoch,
  the learning rate lowered when it stops improving, the best weights kept, every epoch timed,
  a checkpoint after every epoch that a second call resumes from
  (:mod:`rnnbook.training.callbacks`);
  it returns a :class:`TrainingLog`.

The recipe's sizes per profile (window, batch, learning rate, dropout) are
:attr:`rnnbook.config.Profile.recipe`; the windows come from :mod:`rnnbook.text.windows`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from rnnbook import validate
from rnnbook.metrics import nats_to_bits
from rnnbook.text.streams import StreamData
from rnnbook.text.windows import CharData
from rnnbook.training.callbacks import (
    EpochLog,
    KeepBest,
    Progress,
    ResumableCheckpoint,
    SampleCallback,
    restore_checkpoint,
)


def compile_char_model(
    model: keras.Model, learning_rate: float = 1e-2, clipnorm: float | None = 1.0, *,
    decay_steps: int | None = None, weight_decay: float | None = None,
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
        decay_steps: lower the step size along a cosine to a tenth of ``learning_rate`` over
            this many steps (a run of known length; then fit with ``lr_drop=None``).
        weight_decay: AdamW's decoupled weight decay (``None``: plain Adam).
    """
    validate.number("learning_rate", learning_rate, 0, low_open=True)
    validate.number("clipnorm", clipnorm, 0, low_open=True, none=True)
    validate.integer("decay_steps", decay_steps, 1, none=True)
    validate.number("weight_decay", weight_decay, 0, none=True)
    rate = learning_rate
    if decay_steps is not None:
        rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps, alpha=0.1)
    if weight_decay:
        optimizer = keras.optimizers.AdamW(rate, weight_decay=weight_decay,
                                           global_clipnorm=clipnorm)
    else:
        optimizer = keras.optimizers.Adam(rate, global_clipnorm=clipnorm)
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy())
    return model


def steps_per_epoch(data: CharData | StreamData, batch_size: int) -> int:
    """Gradient steps in one epoch over ``data``'s training windows."""
    if isinstance(data, StreamData):
        return len(data.stream)  # the stream's own batch size
    return math.ceil(len(data.x_train) / batch_size)



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
    data: CharData | StreamData,
    epochs: int,
    batch_size: int = 64,
    checkpoint_dir: str | os.PathLike | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    lr_drop: float | None = 0.3,
    verbose: int = 0,
    progress: Callable[[str], Any] | None = print,
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
        data: from :func:`prepare_char_data`, or a :class:`~rnnbook.text.streams.StreamData`
            (windows cut on the fly from a long text; ``batch_size`` is then the stream's).
        epochs: total number of epochs, counting those a checkpoint says are done.
        batch_size: windows per gradient step.
        checkpoint_dir: a folder for the checkpoint (created), or ``None`` for none.
        callbacks: more callbacks (e.g. a :class:`SampleCallback`).
        lr_drop: multiply the learning rate by this factor after an epoch that did not improve
            the validation loss (``None``: never). The rate is part of the optimizer's saved
            state, so a resumed run keeps it.
        verbose: passed to ``fit`` (0: no progress bars).
        progress: called with one line per epoch (:class:`~rnnbook.training.callbacks.Progress`:
            losses, seconds, the time left), ``print`` by default; ``None``: silent.

    Returns:
        A :class:`TrainingLog`.
    """
    validate.positive_int("epochs", epochs)
    validate.positive_int("batch_size", batch_size)
    validate.number("lr_drop", lr_drop, 0, 1, low_open=True, high_open=True, none=True)
    if getattr(model, "optimizer", None) is None:
        raise validate.error_for("model", "be compiled", received="a model without an optimizer",
                                 hint="compile the model first (compile_char_model).")
    epoch_log, keep_best = EpochLog(data.held_out), KeepBest()
    initial_epoch = 0
    if checkpoint_dir is not None and ResumableCheckpoint.read(checkpoint_dir) is not None:
        initial_epoch, epoch_log.records, keep_best = restore_checkpoint(model, checkpoint_dir)
    all_callbacks = [epoch_log, keep_best]
    if progress is not None:
        all_callbacks.append(Progress(progress))
    if lr_drop is not None:
        all_callbacks.append(keras.callbacks.ReduceLROnPlateau(
            "val_loss", factor=lr_drop, patience=1, min_lr=1e-4, verbose=0))
    if checkpoint_dir is not None:
        all_callbacks.append(ResumableCheckpoint(checkpoint_dir, epoch_log, keep_best))
    all_callbacks += list(callbacks)
    if initial_epoch < epochs:
        if progress is not None:
            progress(f"training epochs {initial_epoch + 1} to {epochs} of "
                     f"{steps_per_epoch(data, batch_size)} steps each"
                     + (f" (resuming: {initial_epoch} done)" if initial_epoch else "")
                     + "; the time left is estimated after the first epoch")
        if isinstance(data, StreamData):  # batches cut on the fly, in the stream's order
            model.fit(data.stream, epochs=int(epochs), initial_epoch=initial_epoch,
                      callbacks=all_callbacks, verbose=verbose)
        else:
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

