"""The activations the NumPy code shares: the cells' sigmoid (tanh is NumPy's) and the softmax
that turns a character model's logits into probabilities."""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic sigmoid ``1 / (1 + exp(-z))``, element-wise, in [0, 1].

    Written as ``0.5 * (1 + tanh(z / 2))``, the same function: ``exp(-z)`` overflows for large
    negative ``z`` (a warning, or an error under ``np.errstate(over="raise")``), tanh never
    does, and the result keeps the input's dtype (float32 stays float32). Its error is the
    dtype's rounding in absolute terms (not relative to the value far in the negative tail,
    where ``1 + tanh`` cancels; it rounds to exactly 0 or 1 far out).

    Args:
        z: pre-activations, any shape.

    Returns:
        An array of ``z``'s shape.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Probabilities from logits along ``axis``, without overflow; keeps the input's dtype.

    The largest logit is subtracted before ``exp`` (the softmax does not change), so logits of
    1000 give probabilities, not ``inf / inf``.
    """
    z = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)
