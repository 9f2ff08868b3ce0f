"""Training windows for megabytes of text, cut on the fly from integer ids.

:class:`WindowStream` is a ``keras.utils.PyDataset``: it keeps the text as one array of
``uint8`` ids (a byte per character) and cuts each batch's windows when Keras asks for it, so
memory holds the text once, never a tensor of windows or of one-hot vectors. Every epoch starts
the windows at a fresh random offset and visits them in a fresh order, so a model sees each
character at a different place in its window from one epoch to the next.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from rnnbook import config, validate
from rnnbook.text.windows import HeldOut, cut_windows


class WindowStream(keras.utils.PyDataset):
    """Batches of sequence-to-sequence windows of ``ids``: ``y`` is ``x`` shifted by one.

    Args:
        ids: (n,) integer ids of the text (kept as ``uint8`` when they fit, else ``int32``).
        seq_len: characters per window.
        batch_size: windows per batch; the last, partial batch of an epoch is dropped.
        shuffle: a random offset and order every epoch (``False``: offset 0, in order, for
            a deterministic pass).
        seed: the generator of offsets and orders.
    """

    def __init__(self, ids: np.ndarray, seq_len: int = 100, batch_size: int = 128,
                 shuffle: bool = True, seed: int = config.SEED, **kwargs) -> None:
        super().__init__(**kwargs)
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise validate.shape_error_for("ids", ids, "be one-dimensional")
        self.seq_len = validate.positive_int("seq_len", seq_len)
        self.batch_size = validate.positive_int("batch_size", batch_size)
        if len(ids) < seq_len * batch_size + 1 + seq_len:
            raise validate.error_for(
                "ids", f"hold at least one batch of {batch_size} windows of {seq_len} ids",
                received=f"{len(ids)} ids")
        self.ids = ids.astype(np.uint8 if ids.max() < 256 else np.int32)
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._windows = self.windows_for(len(ids), seq_len)
        self._new_epoch()

    def _new_epoch(self) -> None:
        self.offset = int(self._rng.integers(self.seq_len)) if self.shuffle else 0
        order = np.arange(self._windows)
        self._order = self._rng.permutation(order) if self.shuffle else order

    @staticmethod
    def windows_for(characters: int, seq_len: int) -> int:
        """The windows an epoch cuts from a text of ``characters``: room is left for any
        offset (and for the target after the last window)."""
        return (characters - 1 - seq_len) // seq_len

    def __len__(self) -> int:
        return self._windows // self.batch_size

    @property
    def characters_per_epoch(self) -> int:
        """Targets one epoch trains on."""
        return len(self) * self.batch_size * self.seq_len

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        picked = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        return cut_windows(self.ids, self.offset + picked * self.seq_len, self.seq_len)

    def on_epoch_end(self) -> None:
        self._new_epoch()


@dataclass(frozen=True)
class StreamData:
    """What :func:`rnnbook.training.fitting.fit_char_model` trains on when the text is long.

    Attributes:
        stream: the training windows, cut batch by batch.
        held_out: the validation targets (:func:`rnnbook.text.windows.held_out_windows`).
    """

    stream: WindowStream
    held_out: HeldOut
