"""Numerical gradients by central differences, to check hand-written backward passes.

The check is done in float64: with a step of 1e-6 the central difference is accurate to about
1e-10 relative, so a relative error above 1e-6 means a wrong backward pass, not rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from rnnbook import validate


def numerical_gradient(f: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to ``array``, in place.

    ``f`` reads ``array`` (it closes over it); each entry is nudged by +-``eps`` and restored.

    Returns:
        An array of ``array``'s shape: (f(a + eps e_i) - f(a - eps e_i)) / (2 eps) for each i.
    """
    grad = np.zeros_like(array, dtype=np.float64)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = f()
        array[index] = saved - eps
        minus = f()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||a - n|| / (||a|| + ||n||): 0 for a perfect match, 1 for gradients pointing apart.

    Measured over the whole array rather than entry by entry: a tiny gradient entry, where the
    central difference's own rounding (about 1e-10) is comparable to the entry, should not make
    a correct backward pass look wrong.
    """
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    scale = np.linalg.norm(a) + np.linalg.norm(n)
    return float(np.linalg.norm(a - n) / scale) if scale > 0 else 0.0


def check_gradients(
    loss: Callable[[], float],
    params: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    eps: float = 1e-6,
) -> dict[str, float]:
    """Compare hand-written gradients with central differences, one parameter at a time.

    Args:
        loss: computes the scalar loss from the current contents of ``params``' arrays.
        params: name -> float64 array that ``loss`` reads (nudged in place, then restored).
        analytic: name -> the backward pass's gradient for that array (same shape).

    Returns:
        name -> relative error (see :func:`relative_error`).
    """
    errors = {}
    for name, array in params.items():
        if array.dtype != np.float64:
            raise TypeError(validate.message(
                f"params[{name!r}]", "be a float64 array (gradient checks need float64)",
                f"params[{name!r}].dtype={array.dtype}"))
        if analytic[name].shape != array.shape:
            raise validate.error_for(f"analytic[{name!r}]", f"have the shape {array.shape} of "
                                     f"params[{name!r}]", received=f"shape {analytic[name].shape}")
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, array, eps))
    return errors
