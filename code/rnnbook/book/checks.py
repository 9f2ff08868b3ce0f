"""One-line checks of the claims a chapter makes, out of the reader's way.

A chapter states a claim in prose and checks it in a cell tagged ``check`` and ``remove-cell``
(hidden in the HTML book, one line in a notebook)::

    check_close(h_numpy, h_keras, atol=1e-5, claim="the NumPy LSTM matches keras.layers.LSTM")
    check(gap.separated, "both gated cells beat the vanilla RNN beyond the seed spread",
          profiles=("cpu",))

A failed claim raises :class:`ClaimError` with the claim in words and the numbers that broke it;
a claim that holds prints one line (the checks return nothing, so nothing else shows). ``profiles``
limits a claim to the profiles whose budget supports it (the ``smoke`` profile trains too little
to judge quality); elsewhere the claim is reported as not checked. A condition may be a callable,
evaluated only where the claim is checked. Only claims that hold on any machine under the
profile belong here: never wall-clock races.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from rnnbook.config import active_profile


class ClaimError(AssertionError):
    """A claim the chapter makes does not hold in this run."""


def _applies(claim: str, profiles: Iterable[str] | None) -> bool:
    """Whether the active profile checks this claim; says so when it does not."""
    if profiles is None:
        return True
    profiles = (profiles,) if isinstance(profiles, str) else tuple(profiles)
    name = active_profile().name
    if name in profiles:
        return True
    print(f"not checked under the {name} profile (checked under {', '.join(profiles)}): {claim}")
    return False


def check(condition: bool | Callable[[], bool], claim: str, *, detail: str = "",
          profiles: Iterable[str] | None = None) -> None:
    """Check that ``condition`` holds; raise :class:`ClaimError` naming ``claim`` if not."""
    if not _applies(claim, profiles):
        return
    holds = condition() if callable(condition) else condition
    if not holds:
        raise ClaimError(f"claim does not hold: {claim}" + (f" ({detail})" if detail else ""))
    print(f"checked: {claim}" + (f" ({detail})" if detail else ""))


def check_close(actual, expected, *, atol: float, claim: str,
                profiles: Iterable[str] | None = None) -> None:
    """Check that two arrays (or numbers) agree within ``atol``, element by element."""
    if not _applies(claim, profiles):
        return
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    if actual.shape != expected.shape:
        raise ClaimError(f"claim does not hold: {claim} (shapes {actual.shape} and "
                         f"{expected.shape} differ)")
    worst = float(np.max(np.abs(actual - expected))) if actual.size else 0.0
    check(bool(worst <= atol), claim, detail=f"max |difference| {worst:.2g}, allowed {atol:.2g}")


def check_between(value: float, low: float, high: float, *, claim: str,
                  profiles: Iterable[str] | None = None) -> None:
    """Check that ``low <= value <= high``."""
    if not _applies(claim, profiles):
        return
    check(bool(low <= value <= high), claim,
          detail=f"{value:.4g}, expected between {low:.4g} and {high:.4g}")


def check_less(smaller: float, larger: float, *, claim: str, margin: float = 0.0,
               profiles: Iterable[str] | None = None) -> None:
    """Check that ``smaller + margin < larger``."""
    if not _applies(claim, profiles):
        return
    detail = f"{smaller:.4g} against {larger:.4g}" + (f", margin {margin:.2g}" if margin else "")
    check(bool(smaller + margin < larger), claim, detail=detail)


def check_shape(array, shape: tuple, *, name: str) -> None:
    """Check an array's shape; ``None`` in ``shape`` matches any size."""
    got = tuple(np.shape(array))
    fits = len(got) == len(shape) and all(
        s is None or s == g for s, g in zip(shape, got, strict=True))
    check(fits, f"{name} has shape {shape}", detail=f"got {got}")
