"""Checking arguments: one message form for every bad argument, as Keras writes it.

Every check raises ``ValueError`` with the argument's name, what was expected and what was
received::

    Argument `units` must be a positive integer. Received: units=0

Use :func:`error_for` for a check of your own (``raise error_for("x", "be (batch, time,
features)", received=f"x.shape={x.shape}")``) and the helpers below for the usual ones. The
helpers named ``*_for`` (:func:`error_for`, :func:`shape_error_for`) *return* the error, to
``raise``; the others raise it themselves and return the value, converted, so that a check
reads as an assignment. Where ``None`` is allowed, the requirement says so first: ``must be
None or a positive integer``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

_NOTHING = object()


def message(name: str, requirement: str, received: str) -> str:
    """``Argument `name` must <requirement>. Received: <received>``."""
    return f"Argument `{name}` must {requirement}. Received: {received}"


def error_for(name: str, requirement: str, value: Any = _NOTHING, *,
              received: str | None = None, hint: str = "") -> ValueError:
    """The ``ValueError`` for a bad argument (to ``raise``).

    Args:
        name: the argument's name, as the caller wrote it.
        requirement: what it must do, starting with the verb: ``"be a positive integer"``,
            ``"lie in (0, 1]"``.
        value: the value received, shown as ``name=repr(value)``.
        received: what to show instead of ``name=repr(value)`` (e.g. ``"x.shape=(2, 3)"``).
        hint: a sentence on how to fix it, added at the end.
    """
    if received is None:
        received = f"{name}={value!r}" if value is not _NOTHING else name
    text = message(name, requirement, received)
    return ValueError(f"{text}. {hint}" if hint else text)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, numbers.Real) and float(value).is_integer()


def integer(name: str, value: Any, minimum: int = 1, *, none: bool = False) -> int | None:
    """``value`` as an int, at least ``minimum`` (1: a positive integer); ``None`` if allowed."""
    if none and value is None:
        return None
    if not _is_integer(value) or value < minimum:
        what = {1: "a positive integer", 0: "a non-negative integer"}.get(
            minimum, f"an integer >= {minimum}")
        raise error_for(name, f"be {'None or ' if none else ''}{what}", value)
    return int(value)


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int >= 1."""
    return integer(name, value, 1)


def one_of(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise error_for(name, f"be one of {', '.join(map(repr, choices))}", value)
    return value


def number(name: str, value: Any, low: float = -math.inf, high: float = math.inf, *,
           low_open: bool = False, high_open: bool = False, none: bool = False) -> float | None:
    """``value`` as a finite float in the interval from ``low`` to ``high``.

    ``low_open``/``high_open`` exclude the bound. The interval is written as in mathematics,
    ``(0, 1]``; a one-sided one as ``> 0`` or ``>= 0``.
    """
    if none and value is None:
        return None
    if low > -math.inf and high < math.inf:
        what = f"lie in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    elif low > -math.inf:
        what = f"be a number {'>' if low_open else '>='} {low:g}"
    elif high < math.inf:
        what = f"be a number {'<' if high_open else '<='} {high:g}"
    else:
        what = "be a finite number"
    if none:
        what = "be None or " + (what[3:] if what.startswith("be ") else what)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise error_for(name, what, value)
    v = float(value)
    ok = (math.isfinite(v) and (v > low if low_open else v >= low)
          and (v < high if high_open else v <= high))
    if not ok:  # also rejects NaN
        raise error_for(name, what, value)
    return v


def shape_error_for(name: str, array: Any, requirement: str) -> ValueError:
    """The error for an array of the wrong shape: ``Received: x.shape=(2, 3)``."""
    return error_for(name, requirement, received=f"{name}.shape={tuple(np.shape(array))}")


def probabilities(name: str, probs: Any, tolerance: float = 1e-3) -> np.ndarray:
    """``probs`` as a float64 vector that sums to exactly 1 (it must, within ``tolerance``).

    A (1, n) array (a model's output for a batch of one) is taken as its row.
    """
    try:
        p = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise error_for(name, "be a vector of probabilities", probs) from exc
    if p.ndim == 2 and p.shape[0] == 1:  # a model's output for a batch of one
        p = p[0]
    if p.ndim != 1 or p.size == 0:
        raise shape_error_for(name, p, "be a non-empty vector (vocab,)")
    if not np.all(np.isfinite(p)):
        raise error_for(name, "hold finite values", received="NaN or infinite values")
    if np.any(p < 0):
        raise error_for(name, "hold no negative value", received=f"smallest value {p.min():.3g}")
    total = p.sum()
    if abs(total - 1.0) > tolerance:
        raise error_for(name, f"sum to 1 (within {tolerance})", received=f"sum({name})={total:.6g}",
                        hint="Pass the softmax output itself, not logits and not a softmax of it.")
    return p / total
