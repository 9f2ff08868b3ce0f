"""What every exercise checker shares: calling the learner's code, comparing, naming mistakes.

A checker computes the reference answer and, for each typical mistake, the answer that mistake
produces. When the learner's output differs from the reference, :func:`compare` looks for the
mistake whose answer it equals and names it, so the message says *why*, not only *where*.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np


class ExerciseError(AssertionError):
    """The learner's answer (or a solution) differs from the course's reference."""


class Outcome:
    """What a checker concluded: ``passed`` is True when the answer is right, False when it was
    not attempted yet or a prediction missed. It is truthy when passed, and shows nothing in a
    notebook: the checker has already said it in words."""

    def __init__(self, passed: bool) -> None:
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Outcome(passed={self.passed})"

    def _ipython_display_(self) -> None:
        """Display nothing: the message above the result says it all."""


class NotAttempted(Exception):
    """The learner's function is still the stub: raised inside a checker, reported, not shown."""


def call(fn: Callable, *args, **kwargs):
    """Run the learner's function; raise :class:`NotAttempted` if it is still a stub.

    A stub raises ``NotImplementedError`` or returns ``...`` or nothing (a body of ``...``).
    """
    try:
        out = fn(*args, **kwargs)
    except NotImplementedError as error:
        raise NotAttempted from error
    if out is None or out is Ellipsis:
        raise NotAttempted
    return out


def first_difference(got, expected, *, atol: float, axes: Sequence[str] = ()) -> str | None:
    """Where two arrays first differ by more than ``atol``, in words; None if they agree.

    ``axes`` names the dimensions (e.g. ``("example", "unit")``) for the message.
    """
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return f"has shape {got.shape}, expected {expected.shape}"
    if np.isnan(got).any() and not np.isnan(expected).any():
        return "contains NaN"
    bad = np.argwhere(~np.isclose(got, expected, atol=atol, rtol=0))
    if not len(bad):
        return None
    index = tuple(int(i) for i in bad[0])
    names = list(axes) + [f"axis {k}" for k in range(len(axes), len(index))]
    where = ", ".join(f"{n} {i}" for n, i in zip(names, index, strict=False))
    worst = float(np.max(np.abs(got - expected)))
    return (f"differs at {where or 'the value'}: {got[index]:.6g} instead of "
            f"{expected[index]:.6g} ({len(bad)} of {got.size} entries differ, the largest "
            f"difference is {worst:.3g})")


def compare(exercise: str, output: str, got, expected, *, atol: float = 1e-6,
            axes: Sequence[str] = (), mistakes: Mapping[str, object] | None = None,
            case: str = "") -> None:
    """Raise :class:`ExerciseError` if ``got`` differs from ``expected``, naming the mistake.

    ``mistakes`` maps a hint (the likely mistake, in words) to the output that mistake gives
    on the same input; the first one that ``got`` equals is named in the message.
    """
    where = first_difference(got, expected, atol=atol, axes=axes)
    if where is None:
        return
    message = f"{exercise}: {output} {where}" + (f" ({case})" if case else "") + "."
    for hint, wrong in (mistakes or {}).items():
        if first_difference(got, wrong, atol=atol) is None:
            message += f"\nLikely mistake: {hint}"
            break
    raise ExerciseError(message)


def expect(exercise: str, condition: bool, what: str, hint: str = "") -> None:
    """Raise :class:`ExerciseError` with ``what`` (and ``hint``) unless ``condition`` holds."""
    if not condition:
        raise ExerciseError(f"{exercise}: {what}" + (f"\nLikely mistake: {hint}" if hint else ""))


def passed(exercise: str, what: str) -> Outcome:
    """Say that an exercise passed, and what was checked."""
    print(f"{exercise}: correct. {what}")
    return Outcome(True)


def not_attempted(exercise: str, how: str = "Replace the `raise NotImplementedError` with your "
                  "code") -> Outcome:
    """Say that the exercise has not been attempted yet (the stub is untouched), and how to."""
    print(f"{exercise}: not attempted yet. {how} and run the cell again; the solution is folded "
          "below.")
    return Outcome(False)


def is_stub(value) -> bool:
    """A prediction still left as the stub's ``...`` (or None)."""
    return value is None or value is Ellipsis


def checker(exercise: str) -> Callable[[Callable[..., bool]], Callable[..., Outcome]]:
    """Decorate a checker: a stub is reported as not attempted instead of raising, and the
    result is an :class:`Outcome` (a bare True or False would print under the cell)."""
    def wrap(run: Callable[..., bool]) -> Callable[..., Outcome]:
        def checked(*args, **kwargs) -> Outcome:
            try:
                return Outcome(run(*args, **kwargs))
            except NotAttempted:
                return not_attempted(exercise)
        checked.__name__, checked.__doc__ = run.__name__, run.__doc__
        checked.__wrapped__ = run
        return checked
    return wrap
