"""Callbacks of the course's recipe, and the checkpoint a run resumes from.

- :class:`EpochLog`: times every epoch's training and measures the held-out loss after it;
- :class:`KeepBest`: keeps the weights of the best epoch and restores them at the end;
- :class:`SampleCallback`: a sample after each epoch, with the fast generator;
- :class:`Progress`: one line per epoch (losses, seconds, the time left), so a long run talks;
- :class:`StopAfter`: ends a run cleanly after a given epoch (a disconnect, simulated);
- :class:`ResumableCheckpoint` and :func:`restore_checkpoint`: a checkpoint after every epoch,
  written so that an interruption at any moment leaves a consistent one, and read back by
  :func:`rnnbook.training.fitting.fit_char_model` to resume where a run stopped.
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np

from rnnbook import validate
from rnnbook.generation.sampling import generate
from rnnbook.metrics import duration, nats_to_bits
from rnnbook.text.corpora import write_atomically
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import HeldOut


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

    It uses :func:`rnnbook.generation.sampling.generate` (the correct sampler on the fast stateful
    generator), so a 200-character sample costs milliseconds, not a ``predict`` per character.

    Attributes:
        samples: ``(epoch, text)`` for each sample drawn.
    """

    def __init__(self, vocab: Vocabulary, seed_text: str = "shall i compare thee",
                 length: int = 200, temperature: float = 0.8, every: int = 1,
                 rng: np.random.Generator | None = None,
                 printer: Callable[[str], Any] | None = print) -> None:
        super().__init__()
        validate.positive_int("every", every)
        self.vocab, self.seed_text, self.length = vocab, seed_text, length
        self.temperature, self.every, self.printer = temperature, every, printer
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.samples: list[tuple[int, str]] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        text = generate(self.model, self.vocab, self.seed_text, self.length,
                        temperature=self.temperature, rng=self.rng)
        self.samples.append((epoch + 1, text))
        if self.printer is not None:
            val = (logs or {}).get("val_loss")
            head = f"epoch {epoch + 1}" + (f" (val {val:.3f} nats/char)" if val else "")
            self.printer(f"--- {head}: {self.seed_text}{text}")


class Progress(keras.callbacks.Callback):
    """One line per epoch: training loss, held-out loss, seconds, and the time left.

    ``epoch 3/20: loss 2.104, held-out 2.010 nats = 2.900 bits/char, 12.3 s, about 3 min 30 s
    left``. The time left is the mean wall-clock time of the epochs this run has done (held-out
    scoring included) times the epochs still to do, so it is known after the first epoch.
    Put it after :class:`EpochLog`, which adds the held-out loss to the epoch's logs.

    Args:
        printer: called with each line (``print`` by default).
        label: a prefix for each line (e.g. the run's name).
        unit: ``"nats"`` (cross-entropy: shown in nats and in bits per character) or another
            name for the loss (``"MSE"``), shown as it is.
        val_key: the key of the held-out loss in the epoch's logs.
    """

    def __init__(self, printer: Callable[[str], Any] = print, label: str = "",
                 unit: str = "nats", val_key: str = "val_loss") -> None:
        super().__init__()
        self.printer, self.label, self.unit, self.val_key = printer, label, unit, val_key
        self.lines: list[str] = []
        self.epoch_seconds: list[float] = []  # of every epoch so far: the time left's basis
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def line(self, epoch: int, epochs: int, logs: dict, seconds: float) -> str:
        """The line for a finished ``epoch`` (1-based) of ``epochs``."""
        parts = [f"loss {logs['loss']:.4g}" if "loss" in logs else "no loss"]
        val = logs.get(self.val_key)
        if val is not None:
            held = (f"held-out {val:.3f} nats = {nats_to_bits(val):.3f} bits/char"
                    if self.unit == "nats" else f"held-out {val:.4g} {self.unit}")
            parts.append(held)
        parts.append(f"{seconds:.1f} s")
        left = epochs - epoch
        mean = sum(self.epoch_seconds) / len(self.epoch_seconds)
        parts.append(f"about {duration(left * mean)} left" if left else "done")
        head = f"{self.label}: " if self.label else ""
        return f"{head}epoch {epoch}/{epochs}: " + ", ".join(parts)

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._start
        self.epoch_seconds.append(seconds)
        epochs = int((self.params or {}).get("epochs") or epoch + 1)
        text = self.line(epoch + 1, epochs, dict(logs or {}), seconds)
        self.lines.append(text)
        if self.printer is not None:
            self.printer(text)


class StopAfter(keras.callbacks.Callback):
    """Ends a run cleanly at the end of epoch ``epoch`` (1-based), or of any later one.

    A simulated disconnect: the epoch's callbacks all run (its checkpoint is written), ``fit``
    returns normally, and calling it again with the same checkpoint folder resumes. A real
    interruption (the notebook's Stop button, a ``KeyboardInterrupt``) is not caught anywhere
    and stops the cell.
    """

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = validate.positive_int("epoch", epoch)
        self.stopped_after: int | None = None

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 >= self.epoch:
            self.model.stop_training = True
            self.stopped_after = epoch + 1


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

