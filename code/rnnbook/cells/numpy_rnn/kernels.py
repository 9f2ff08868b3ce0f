"""Keras's kernels of a gated cell, checked against each other once, for every kind.

A layer of ``blocks`` dense blocks (the LSTM's four, the GRU's three) holds a kernel of shape
(features, blocks * units) and a recurrent kernel of shape (units, blocks * units).
"""

from __future__ import annotations

import numpy as np

from rnnbook import validate


def block_units(kernel: np.ndarray, recurrent_kernel: np.ndarray, blocks: int) -> int:
    """The units of a layer whose kernels hold ``blocks`` blocks; a ``ValueError`` naming
    ``weights`` when the two kernels do not have those shapes."""
    rows = recurrent_kernel.shape[0] if recurrent_kernel.ndim else 0
    if recurrent_kernel.ndim != 2 or recurrent_kernel.shape[1] != blocks * rows:
        raise validate.error_for("weights", "have a recurrent_kernel (weights[1]) of shape "
                                 f"(units, {blocks} * units)",
                                 received=f"weights[1].shape={recurrent_kernel.shape}")
    units = recurrent_kernel.shape[0]
    if kernel.ndim != 2 or kernel.shape[1] != blocks * units:
        raise validate.error_for("weights", f"have a kernel (weights[0]) of shape (features, "
                                 f"{blocks * units})", received=f"weights[0].shape={kernel.shape}")
    return units
