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
    An error raised in the learner's own code is marked as theirs: the checker lets it through
    with its traceback (it points into their code), while an error of the checker reading a
    malformed answer becomes a one-line hint (see :func:`checker`).
    """
    if not callable(fn):
        raise ExerciseError(f"expected a function, got {_kind(fn)}: pass the function itself, "
                            "without calling it (no parentheses)")
    try:
        out = fn(*args, **kwargs)
    except NotImplementedError as error:
        raise NotAttempted from error
    except Exception as error:
        error._rnnbook_learner = True  # the learner's own bug: shown with its traceback
        raise
    if out is None or out is Ellipsis:
        raise NotAttempted
    return out


def _kind(value) -> str:
    """A value's type and, for arrays, shape and dtype, in a few words."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def copies(*arrays):
    """Copies of the inputs to pass to the learner (arrays, and lists or dicts of arrays)."""
    return tuple(_copy(a) for a in arrays)


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _leaves(value, name: str):
    """(name, array) for every array in an input (nested lists and dicts included)."""
    if isinstance(value, np.ndarray):
        yield name, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{name}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for k, v in enumerate(value):
            yield from _leaves(v, f"{name}[{k}]")


def unchanged(exercise: str, names: Sequence[str], given, originals) -> None:
    """Raise unless the learner left every input as it was given (nothing updated in place)."""
    for name, g, o in zip(names, given, originals, strict=True):
        for (where, a), (_, b) in zip(_leaves(g, name), _leaves(o, name), strict=True):
            same = a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
            expect(exercise, same, f"your function changed its input `{where}` in place",
                   "work on new arrays (`a = a + x`, not `a += x`; `np.copy` before changing "
                   "one): in a loop, an update in place silently rewrites what the caller kept")


def not_alias(exercise: str, output: str, value, names: Sequence[str], inputs) -> None:
    """Raise if an output array shares memory with an input where the task asks for a new one."""
    for name, given in zip(names, inputs, strict=True):
        for where, array in _leaves(given, name):
            for _, out in _leaves(value, output):
                expect(exercise, not np.shares_memory(out, array),
                       f"{output} is (a view of) your input `{where}`, not a new array",
                       "return a new array (e.g. `x.copy()`, or the result of an arithmetic "
                       "expression): the caller's array would change with yours")


def as_array(exercise: str, output: str, value, *, shape: tuple | None = None,
             dtype=float) -> np.ndarray:
    """The learner's output as an array of ``dtype``, or a one-line hint naming what came."""
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ExerciseError(f"{exercise}: {output} should be an array of numbers, got "
                            f"{_kind(value)}") from None
    if shape is not None and array.shape != tuple(shape):
        raise ExerciseError(f"{exercise}: {output} has shape {array.shape}, expected "
                            f"{tuple(shape)}")
    return array


def as_number(exercise: str, what: str, value, *, whole: bool = False) -> float | int:
    """A number the learner gave: a Python or NumPy scalar, a 0-d array, ``91047.0`` for a
    whole number; a one-line hint for anything else (a string, a list, an array of many)."""
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (str, bytes)):
        raise ExerciseError(f"{exercise}: {what} should be a number, got {_kind(value)} "
                            f"{value!r}")
    if isinstance(value, np.ndarray) and value.size != 1 or isinstance(value, (list, tuple,
                                                                                 dict)):
        raise ExerciseError(f"{exercise}: {what} should be one number, got {_kind(value)}")
    try:
        number = float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        raise ExerciseError(f"{exercise}: {what} should be a number, got {_kind(value)}") from None
    if not np.isfinite(number):
        raise ExerciseError(f"{exercise}: {what} should be a finite number, got {number}")
    if whole:
        if not number.is_integer():
            raise ExerciseError(f"{exercise}: {what} should be a whole number, got {number:g}")
        return int(number)
    return number


def pair(exercise: str, value, names: Sequence[str]) -> tuple:
    """The learner's tuple of ``len(names)`` outputs, or a hint saying what to return."""
    wanted = ", ".join(names)
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        got = (f"{len(value)} values" if isinstance(value, (tuple, list)) else _kind(value))
        raise ExerciseError(f"{exercise}: should return ({wanted}), got {got}\nLikely mistake: "
                            f"end the function with `return {wanted}`")
    return tuple(value)


RTOL = 1e-5  # float32 arithmetic and an epsilon of 1e-8 in a denominator agree to this


def first_difference(got, expected, *, atol: float, axes: Sequence[str] = (),
                     rtol: float = RTOL) -> str | None:
    """Where two arrays first differ by more than ``atol + rtol * max|expected|``, in words;
    None if they agree (the relative part is of the values' size, so that a float32 answer's
    rounding on a small entry of a large array is accepted).

    ``axes`` names the dimensions (e.g. ``("example", "unit")``) for the message. A value that
    is close but not within the tolerance is said to be so, with how closely it agrees.
    """
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"should be an array of numbers, got {_kind(got)}"
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return f"has shape {got.shape}, expected {expected.shape}"
    if np.isnan(got).any() and not np.isnan(expected).any():
        return "contains NaN"
    finite = np.abs(expected[np.isfinite(expected)])
    scale = max(float(finite.max()) if finite.size else 0.0, atol)  # the values' size
    bad = np.argwhere(~np.isclose(got, expected, atol=atol + rtol * scale, rtol=0))
    if not len(bad):
        return None
    relative = float(np.nanmax(np.abs(got - expected))) / scale
    close = (f"; close but not equal: it agrees to {relative:.0e} of the values' size, where "
             f"a float32 or an epsilon agrees to {rtol:.0e}" if relative < 1e-2 else "")
    index = tuple(int(i) for i in bad[0])
    names = list(axes) + [f"axis {k}" for k in range(len(axes), len(index))]
    where = ", ".join(f"{n} {i}" for n, i in zip(names, index, strict=False))
    worst = float(np.max(np.abs(got - expected)))
    return (f"differs at {where or 'the value'}: {got[index]:.8g} instead of "
            f"{expected[index]:.8g} ({len(bad)} of {got.size} entries differ, the largest "
            f"difference is {worst:.3g}{close})")


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
    result is an :class:`Outcome` (a bare True or False would print under the cell).

    An error the checker itself hits while reading a malformed answer (an answer of another
    type or shape than asked) becomes a one-line :class:`ExerciseError`, never a traceback
    from inside the checker; an error raised in the learner's own code keeps its traceback.
    """
    def wrap(run: Callable[..., bool]) -> Callable[..., Outcome]:
        def checked(*args, **kwargs) -> Outcome:
            try:
                result = run(*args, **kwargs)
                return result if isinstance(result, Outcome) else Outcome(result)
            except NotAttempted:
                return not_attempted(exercise)
            except ExerciseError as error:
                text = str(error)
                if not text.startswith(exercise):
                    raise ExerciseError(f"{exercise}: {text}") from None
                raise
            except (TypeError, ValueError, IndexError, KeyError, AttributeError) as error:
                if getattr(error, "_rnnbook_learner", False):
                    raise
                raise ExerciseError(
                    f"{exercise}: your answer has an unexpected form ({type(error).__name__}: "
                    f"{error}); see the exercise for what to return") from None
        checked.__name__, checked.__doc__ = run.__name__, run.__doc__
        checked.__wrapped__ = run
        return checked
    return wrap
