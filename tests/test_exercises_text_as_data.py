"""The checkers of the chapter "Text as data": the reference passes, typical mistakes are named."""

import numpy as np
import pytest

from rnnbook.exercises import core
from rnnbook.exercises import text_as_data as check
from tests.conftest import stub

# ---------------------------------------------------------------- one-hot windows


def windows(ids, seq_len, step, depth):
    starts = np.arange(0, len(ids) - seq_len, step)
    eye = np.eye(depth, dtype=bool)
    return eye[ids[starts[:, None] + np.arange(seq_len)]], eye[ids[starts + seq_len]]


def test_one_hot_windows_reference_passes(capsys):
    assert check.one_hot_windows(windows).passed is True
    assert check.one_hot_windows(check.reference_one_hot_windows).passed is True
    assert "correct" in capsys.readouterr().out


def test_one_hot_windows_stub_is_not_attempted(capsys):
    assert check.one_hot_windows(stub).passed is False
    assert "not attempted yet" in capsys.readouterr().out


def test_one_hot_windows_target_off_by_one_is_named():
    def last_of_window(ids, seq_len, step, depth):
        x, _ = windows(ids, seq_len, step, depth)
        starts = np.arange(0, len(ids) - seq_len, step)
        return x, np.eye(depth, dtype=bool)[ids[starts + seq_len - 1]]

    with pytest.raises(core.ExerciseError, match="(?s)y differs.*off by one.*last character"):
        check.one_hot_windows(last_of_window)


def test_one_hot_windows_wrong_axis_is_named():
    def transposed(ids, seq_len, step, depth):
        x, y = windows(ids, seq_len, step, depth)
        return x.transpose(0, 2, 1), y

    with pytest.raises(core.ExerciseError, match="(?s)x has shape.*wrong place"):
        check.one_hot_windows(transposed)


def test_one_hot_windows_wrong_stride_is_named():
    def every_char(ids, seq_len, step, depth):
        return windows(ids, seq_len, 1, depth)

    def every_window(ids, seq_len, step, depth):
        return windows(ids, seq_len, seq_len, depth)

    with pytest.raises(core.ExerciseError, match="(?s)step=3.*start every character"):
        check.one_hot_windows(every_char)
    with pytest.raises(core.ExerciseError, match="(?s)every seq_len characters"):
        check.one_hot_windows(every_window)


# ---------------------------------------------------------------- encode and decode


def sorted_chars(text):
    return sorted(set(text))


def encode(text, chars):
    index = {c: i for i, c in enumerate(chars)}
    return [index[c] for c in text]


def decode(ids, chars):
    return "".join(chars[i] for i in ids)


def test_codec_reference_passes_and_stub_is_not_attempted(capsys):
    assert check.codec(sorted_chars, encode, decode).passed is True
    assert check.codec(stub, encode, decode).passed is False
    assert check.codec(sorted_chars, stub, decode).passed is False
    out = capsys.readouterr().out
    assert "correct" in out and out.count("not attempted yet") == 2


def test_codec_unsorted_vocabulary_is_named():
    with pytest.raises(core.ExerciseError, match="(?s)another order.*sort"):
        check.codec(lambda text: sorted(set(text), reverse=True), encode, decode)


def test_codec_ids_from_one_is_named():
    def from_one(text, chars):
        return [i + 1 for i in encode(text, chars)]

    with pytest.raises(core.ExerciseError, match="(?s)encode's ids differ.*start at 1"):
        check.codec(sorted_chars, from_one, decode)


def test_codec_decode_returning_a_list_is_named():
    with pytest.raises(core.ExerciseError, match="(?s)return a string.*join"):
        check.codec(sorted_chars, encode, lambda ids, chars: [chars[i] for i in ids])


def test_codec_repeated_characters_are_named():
    with pytest.raises(core.ExerciseError, match="repeats"):
        check.codec(lambda text: sorted(text), encode, decode)


# ---------------------------------------------------------------- how many windows


def test_window_count_reference_passes_and_stub_is_not_attempted(capsys):
    assert check.window_count(check.reference_window_count).passed is True
    assert check.window_count(stub).passed is False
    out = capsys.readouterr().out
    assert "correct" in out and "not attempted yet" in out


def test_window_count_forgetting_the_target_is_named():
    with pytest.raises(core.ExerciseError, match="(?s)seq_len \\+ 1 characters"):
        check.window_count(lambda n, seq_len, step: (n - seq_len) // step + 1)


def test_window_count_true_division_is_named():
    with pytest.raises(core.ExerciseError, match="floor division"):
        check.window_count(lambda n, seq_len, step: (n - seq_len - 1) / step + 1)


def test_window_count_forgetting_the_first_window_is_named():
    with pytest.raises(core.ExerciseError, match="first window"):
        check.window_count(lambda n, seq_len, step: (n - seq_len - 1) // step)


# --- wrong answers outside the named mistakes, and other right answers -----------------------

def windows_by_loop(ids, seq_len, step, depth):
    """Another right answer: a Python loop, np.zeros(bool) filled in, lists of windows."""
    starts = range(0, len(ids) - seq_len, step)
    x = np.zeros((len(starts), seq_len, depth), dtype=bool)
    y = np.zeros((len(starts), depth), dtype=bool)
    for w, s in enumerate(starts):
        x[w, np.arange(seq_len), ids[s:s + seq_len]] = True
        y[w, ids[s + seq_len]] = True
    return [x, y]


def test_a_loop_with_booleans_passes():
    assert check.one_hot_windows(windows_by_loop).passed is True


def _float_windows(*args):
    x, y = windows(*args)
    return x.astype(np.float64), y.astype(np.float64)


def _depth_from_text(ids, seq_len, step, depth):
    return windows(ids, seq_len, step, int(ids.max()) + 1)


def _shuffling(ids, seq_len, step, depth):
    out = windows(ids.copy(), seq_len, step, depth)
    ids.sort()  # sorts the caller's text in place
    return out


@pytest.mark.parametrize(("answer", "named"), [
    (_float_windows, "x has dtype float64, expected bool"),
    (_depth_from_text, "of which the text uses 5"),
    (_shuffling, "changed its input `ids` in place"),
    (lambda *a: windows(*a)[0], "should return (x, y)"),
])
def test_wrong_windows_outside_the_list_are_rejected(answer, named):
    with pytest.raises(core.ExerciseError) as error:
        check.one_hot_windows(answer)
    assert named in str(error.value)


def test_a_codec_that_assumes_ascii_is_rejected_on_accented_text():
    def ascii_encode(text, chars):
        return [chars.index(c) if ord(c) < 128 else 0 for c in text]

    def ascii_chars(text):
        return sorted({c for c in text if ord(c) < 128})

    with pytest.raises(core.ExerciseError, match="naïve café"):
        check.codec(sorted_chars, ascii_encode, decode)
    with pytest.raises(core.ExerciseError, match="naïve café"):
        check.codec(ascii_chars, encode, decode)


def test_a_codec_of_numpy_ids_passes():
    def np_encode(text, chars):
        return np.searchsorted(np.array(chars), np.array(list(text)))

    assert check.codec(sorted_chars, np_encode, decode).passed is True


def test_the_window_count_accepts_whole_floats_and_numpy_integers():
    assert check.window_count(lambda n, s, k: float((n - s - 1) // k + 1)).passed is True
    assert check.window_count(lambda n, s, k: np.int32((n - s - 1) // k + 1)).passed is True


@pytest.mark.parametrize(("answer", "named"), [
    (lambda n, s, k: str((n - s - 1) // k + 1), "should be a number, got a str"),
    (lambda n, s, k: [(n - s - 1) // k + 1], "should be one number"),
    (lambda n, s, k: (n - s - 1) // k + 1 + (n < 100), "n=41, seq_len=40, step=1; "),  # short
])
def test_wrong_window_counts_outside_the_list_are_rejected(answer, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.window_count(answer)


def test_a_count_wrong_on_short_texts_only_is_not_blamed_on_a_formula():
    with pytest.raises(core.ExerciseError) as error:
        check.window_count(lambda n, s, k: (n - s - 1) // k + 1 + (n < 100))
    assert "Likely mistake" not in str(error.value)


def test_an_encode_returning_a_string_of_digits_is_rejected():
    def digits(text, chars):
        return "".join(str(chars.index(c) % 10) for c in text)

    with pytest.raises(core.ExerciseError, match="one integer id per character"):
        check.codec(sorted_chars, digits, decode)
