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
