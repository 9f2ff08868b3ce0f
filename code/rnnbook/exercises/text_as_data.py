"""Checkers for the exercises of the chapter "Text as data".

In a notebook::

    from rnnbook.exercises import text_as_data as check
    check.one_hot_windows(one_hot_windows)
    check.codec(sorted_chars, encode, decode)
    check.window_count(n_windows)

Each checker compares the learner's function with :mod:`rnnbook.text.corpora` (the course's
reference)
on several cases, and names the typical mistake when the answer matches one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnbook.exercises import core
from rnnbook.text import vocabulary, windows

# ---------------------------------------------------------------- one-hot windows

WINDOWS = "one-hot windows"
# (text length, window length, stride, vocabulary size): the tutorial's stride of 1, a stride
# that does not divide the text, and a stride longer than the window.
WINDOW_CASES = ((30, 5, 1, 7), (47, 6, 3, 11), (40, 4, 7, 5), (25, 3, 2, 9))
UNUSED = 9  # the last case's vocabulary: 9 characters, of which the text uses only 5


def reference_one_hot_windows(ids: np.ndarray, seq_len: int, step: int,
                              depth: int) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's windows, one-hot: x (windows, seq_len, depth), y (windows, depth), bool."""
    x, y = windows.next_char_windows(ids, seq_len=seq_len, step=step)
    return windows.one_hot(x, depth), windows.one_hot(y, depth)


def _window_mistakes(ids: np.ndarray, seq_len: int, step: int, depth: int) -> dict:
    """The (x, y) each typical mistake gives on this case."""
    n = len(ids)
    starts = np.arange(0, n - seq_len, step)
    eye = np.eye(depth, dtype=bool)
    x_ok = eye[ids[starts[:, None] + np.arange(seq_len)]]
    last_in_window = eye[ids[starts + seq_len - 1]]
    two_ahead = eye[ids[np.minimum(starts + seq_len + 1, n - 1)]]
    stride_one = reference_one_hot_windows(ids, seq_len, 1, depth)
    stride_len = reference_one_hot_windows(ids, seq_len, seq_len, depth)
    return {
        "x": {
            "the one-hot axis is in the wrong place: x should be (windows, seq_len, vocabulary), "
            "with the vocabulary last": x_ok.transpose(0, 2, 1),
            "the windows start every character: use the stride (step) between window starts":
                stride_one[0],
            "the windows start every seq_len characters: the stride is `step`, not the window "
            "length": stride_len[0],
        },
        "y": {
            "the target is off by one: it is the last character *of* the window, not the one "
            "after it": last_in_window,
            "the target is off by one: it is two characters after the window, not the next one":
                two_ahead,
            "the windows start every character: use the stride (step) between window starts":
                stride_one[1],
            "the windows start every seq_len characters: the stride is `step`, not the window "
            "length": stride_len[1],
        },
    }


@core.checker(WINDOWS)
def one_hot_windows(fn: Callable) -> bool:
    """Check ``fn(ids, seq_len, step, depth) -> (x, y)`` against the tutorial's windows."""
    rng = np.random.default_rng(0)
    for n, seq_len, step, depth in WINDOW_CASES:
        ids = rng.integers(0, depth, size=n)
        ids[:depth] = np.arange(depth)  # every character occurs
        if depth == UNUSED:  # a vocabulary larger than the text: the depth is not ids.max() + 1
            ids = rng.integers(0, 5, size=n)
        given = ids.copy()
        got = core.pair(WINDOWS, core.call(fn, given, seq_len, step, depth), ("x", "y"))
        core.unchanged(WINDOWS, ("ids",), (given,), (ids,))
        for name, part in zip(("x", "y"), got, strict=True):
            dtype = getattr(part, "dtype", None)
            core.expect(WINDOWS, dtype is not None and dtype == np.bool_,
                        f"{name} has dtype {dtype or type(part).__name__}, expected bool",
                        "a one-hot entry is True or False: build it as booleans (np.eye(depth, "
                        "dtype=bool)[ids], or data.one_hot); float64 takes 8 times the memory")
        x_ref, y_ref = reference_one_hot_windows(ids, seq_len, step, depth)
        mistakes = _window_mistakes(ids, seq_len, step, depth)
        case = f"text of {n} ids, seq_len={seq_len}, step={step}, {depth} characters" + (
            " of which the text uses 5" if depth == UNUSED else "")
        for name, got_part, ref, axes in (("x", got[0], x_ref, ("window", "position", "char")),
                                          ("y", got[1], y_ref, ("window", "char"))):
            core.compare(WINDOWS, name, np.asarray(got_part, dtype=float), ref, atol=0.5,
                         axes=axes, mistakes=mistakes[name], case=case)
    return core.passed(WINDOWS, "x and y match rnnbook.text.windows' windows on "
                       f"{len(WINDOW_CASES)} cases (strides 1, 2, 3 and 7, a vocabulary larger "
                       "than the text), as booleans.")


# ---------------------------------------------------------------- encode and decode

CODEC = "encode and decode"
CODEC_TEXTS = ("to be or not to be", "shall i compare thee to a summer's day?\nthou art more",
               "abcabcxyz", "naïve café — ’tis Æsop’s fable", "ZZzz  aA1!")


@core.checker(CODEC)
def codec(sorted_chars: Callable, encode: Callable, decode: Callable) -> bool:
    """Check ``sorted_chars(text)``, ``encode(text, chars)`` and ``decode(ids, chars)``."""
    for text in CODEC_TEXTS:
        vocab = vocabulary.Vocabulary.from_text(text)
        chars = core.call(sorted_chars, text)
        chars = list(chars)
        case = f"text {text[:24]!r}"
        core.expect(CODEC, len(chars) == len(set(chars)),
                    f"sorted_chars gives {len(chars)} characters with repeats ({case})",
                    "keep each distinct character once: sorted(set(text))")
        core.expect(CODEC, set(chars) == set(text),
                    f"sorted_chars gives {len(chars)} characters; the text has "
                    f"{len(set(text))} distinct ones ({case})")
        core.expect(CODEC, chars == list(vocab.chars),
                    f"sorted_chars gives the right characters in another order ({case})",
                    "the order of a set is not stable between processes: sort it, "
                    "sorted(set(text)), so that the ids are the same everywhere")
        ids = core.call(encode, text, chars)
        expected = vocab.encode(text)
        core.expect(CODEC, not isinstance(ids, str) and len(ids) == len(text),
                    f"encode should give one integer id per character ({case})")
        core.expect(CODEC, all(isinstance(i, (int, np.integer)) for i in list(ids)),
                    f"encode should give integer ids, got {type(list(ids)[0]).__name__} ({case})",
                    "look each character up in a dict {char: position}")
        core.compare(CODEC, "encode's ids", np.asarray(ids), expected, atol=0.5,
                     axes=("character",), case=case,
                     mistakes={"the ids start at 1: a character's id is its position in the "
                               "sorted list, starting at 0": expected + 1})
        back = core.call(decode, list(expected), chars)
        core.expect(CODEC, isinstance(back, str),
                    f"decode should return a string, got {type(back).__name__} ({case})",
                    "join the characters: ''.join(...)")
        core.expect(CODEC, back == text,
                    f"decode(encode(text)) gives {back[:24]!r} instead of {text[:24]!r} ({case})",
                    "an id is a position in chars: chars[i]")
    return core.passed(CODEC, f"the vocabulary is sorted and decode inverts encode on "
                       f"{len(CODEC_TEXTS)} texts.")


# ---------------------------------------------------------------- how many windows

COUNT = "window count"
COUNT_CASES = ((93_718, 40, 1), (93_718, 40, 3), (84_346, 50, 50), (1000, 100, 7), (41, 40, 1),
               (45, 40, 2), (101, 100, 100), (250, 10, 11))


def reference_window_count(n: int, seq_len: int, step: int) -> int:
    """Windows of ``seq_len`` inputs plus one target that a text of ``n`` characters gives."""
    return (n - seq_len - 1) // step + 1


@core.checker(COUNT)
def window_count(fn: Callable) -> bool:
    """Check ``fn(n, seq_len, step)`` against the windows rnnbook.text.corpora actually builds."""
    got = {case: core.as_number(COUNT, f"n_windows{case}", core.call(fn, *case))
           for case in COUNT_CASES}

    def mistakes(n: int, seq_len: int, step: int) -> tuple:
        return (
            ((n - seq_len) // step + 1, "a window needs seq_len + 1 characters (its inputs and "
             "the target after them): start from n - seq_len - 1"),
            ((n - seq_len - 1) / step + 1, "the count is a whole number: use floor division //"),
            ((n - seq_len - 1) // step, "count the first window too: + 1"),
            (n // step, "a window cannot start in the last seq_len characters"),
            ((n - seq_len) // step, "a window needs seq_len + 1 characters, and the first "
             "window counts too"),
        )

    for (n, seq_len, step), value in got.items():
        measured = len(windows.next_char_windows(np.zeros(n, dtype=np.int32), seq_len, step)[1])
        if value == measured:
            continue
        # a hint only for the mistake whose formula gives every one of the answers
        hint = next((h for k, (_, h) in enumerate(mistakes(n, seq_len, step))
                     if all(mistakes(*case)[k][0] == v for case, v in got.items())), "")
        core.expect(COUNT, False, f"your formula gives {value:g} windows for n={n:,}, "
                    f"seq_len={seq_len}, step={step}; "
                    f"rnnbook.text.windows.next_char_windows builds {measured:,}", hint)
    return core.passed(COUNT, f"your formula matches the windows built for {len(COUNT_CASES)} "
                       "(n, seq_len, step) cases.")
