"""Held-out targets counted once after context, and the recipe's windows."""

import math

import numpy as np
import pytest

from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import (
    CONTEXT,
    HeldOut,
    held_out_windows,
    next_char_windows,
    one_hot,
    prepare_char_data,
    seq2seq_windows,
    train_val_split,
)

TEXT = ("From fairest creatures we desire increase,\nThat thereby beauty's rose might never die,\n"
        "But as the riper should by time decease,\nHis tender heir might bear his memory:\n") * 8


@pytest.mark.parametrize("n, seq_len, context", [(300, 20, 5), (101, 50, 40), (1000, 100, 40),
                                                 (257, 30, 29), (64, 10, 1)])
def test_held_out_windows_count_every_target_once_after_context(n, seq_len, context):
    ids = np.arange(n) % 50
    held = held_out_windows(ids, seq_len, context)
    assert held.x.shape == held.y.shape == held.mask.shape and held.x.shape[1] == seq_len
    # Rebuild which text position each counted target is, from the windows themselves.
    position = np.arange(n)
    pos = held_out_windows(position, seq_len, context)
    counted = pos.y[held.mask.astype(bool)]
    assert sorted(counted.tolist()) == list(range(context, n))
    assert (pos.y == pos.x + 1).all()  # targets are the inputs shifted by one
    # Each counted target has at least `context` characters before it inside its window.
    first = pos.x[:, :1]
    assert ((pos.y - first)[held.mask.astype(bool)] >= context).all()
    assert held.targets == n - context


def test_held_out_windows_rejects_bad_sizes():
    with pytest.raises(ValueError, match="Argument `context` .* Received: context=20"):
        held_out_windows(np.arange(100), 20, 20)
    with pytest.raises(ValueError, match="Argument `ids` .* Received: 20 held-out ids"):
        held_out_windows(np.arange(20), 20, 5)


def test_held_out_loss_is_the_mean_over_counted_targets():
    class Uniform:
        def predict(self, x, batch_size=None, verbose=0):
            probs = np.full((*x.shape, 4), 0.1)
            probs[..., 0] = 0.7
            return probs

    y = np.array([[0, 1], [2, 0]])
    held = HeldOut(np.zeros((2, 2)), y, np.array([[1, 0], [1, 1]], np.float32))
    expected = -(math.log(0.7) + math.log(0.1) + math.log(0.7)) / 3
    assert held.loss(Uniform()) == pytest.approx(expected)
    assert HeldOut(np.zeros((2, 2)), y).loss(Uniform()) == pytest.approx(
        -(2 * math.log(0.7) + 2 * math.log(0.1)) / 4)


def test_prepare_char_data_splits_and_shifts():
    data = prepare_char_data(TEXT, seq_len=50)
    assert data.train_text + data.val_text == TEXT.lower()
    assert (data.y_train[:, :-1] == data.x_train[:, 1:]).all()
    assert data.vocab == Vocabulary.from_text(TEXT.lower())
    assert data.held_out.targets == len(data.val_text) - CONTEXT


# ---------------------------------------------------------------- cutting windows


def test_next_char_windows_match_a_naive_loop():
    ids = np.arange(23, dtype=np.int32) * 3 % 7
    for seq_len, step in [(5, 1), (4, 3), (22, 1)]:
        x, y = next_char_windows(ids, seq_len, step)
        starts = range(0, len(ids) - seq_len, step)
        assert x.tolist() == [ids[s:s + seq_len].tolist() for s in starts]
        assert y.tolist() == [int(ids[s + seq_len]) for s in starts]


def test_seq2seq_windows_match_a_naive_loop():
    ids = np.arange(50, dtype=np.int32) % 11
    for seq_len, step in [(10, None), (7, 2)]:
        x, y = seq2seq_windows(ids, seq_len, step)
        starts = range(0, len(ids) - seq_len, seq_len if step is None else step)
        assert x.tolist() == [ids[s:s + seq_len].tolist() for s in starts]
        assert y.tolist() == [ids[s + 1:s + seq_len + 1].tolist() for s in starts]


def test_windows_reject_bad_input():
    with pytest.raises(ValueError, match="Argument `ids` .* Received: a text of 5 ids"):
        next_char_windows(np.arange(5), seq_len=5)
    with pytest.raises(ValueError, match="Argument `seq_len` must be a positive integer. "
                                         "Received: seq_len=0"):
        seq2seq_windows(np.arange(50), seq_len=0)
    with pytest.raises(ValueError, match=r"Argument `ids` must be one-dimensional. "
                                         r"Received: ids.shape=\(3, 50\)"):
        next_char_windows(np.zeros((3, 50), int))


def test_split_is_contiguous_and_disjoint():
    text = "".join(chr(ord("a") + i % 26) for i in range(1000))
    train, val = train_val_split(text)
    assert train + val == text and len(val) == 100
    # Windows built on each part never share a position of the text.
    x_train, _ = next_char_windows(np.arange(len(train)), 40)
    x_val, _ = next_char_windows(np.arange(len(train), len(text)), 40)
    assert np.intersect1d(x_train, x_val).size == 0
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="val_fraction"):
            train_val_split(text, bad)


def test_one_hot():
    encoded = one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert encoded.shape == (2, 2, 3) and encoded.dtype == bool
    assert encoded.sum() == 4 and encoded[0, 1, 2] and encoded[1, 0, 1]
    with pytest.raises(ValueError):
        one_hot(np.array([3]), 3)
