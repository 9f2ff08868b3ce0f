"""Windows streamed from integer ids: shapes, shift by one, coverage, fresh offsets per epoch."""

import numpy as np
import pytest

from rnnbook.text.streams import WindowStream


def test_batches_are_windows_of_the_text_shifted_by_one():
    ids = np.arange(1000)  # distinct ids: a window's first id tells where it starts
    stream = WindowStream(ids, seq_len=10, batch_size=4, seed=0)
    x, y = stream[0]
    assert x.shape == y.shape == (4, 10) and x.dtype == np.int32
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])
    for row_x, row_y in zip(x, y, strict=True):
        start = int(row_x[0])
        np.testing.assert_array_equal(row_x, ids[start:start + 10])
        assert row_y[-1] == ids[start + 10]


def test_an_epoch_visits_distinct_windows_and_the_next_starts_elsewhere():
    ids = np.arange(5000)
    stream = WindowStream(ids, seq_len=10, batch_size=8, seed=1)
    starts = np.concatenate([stream[i][0][:, 0] for i in range(len(stream))])
    assert len(set(starts.tolist())) == len(starts) == len(stream) * 8
    assert len({s % 10 for s in starts.tolist()}) == 1  # one offset per epoch
    assert stream.characters_per_epoch == len(stream) * 8 * 10
    offsets = set()
    for _ in range(6):
        stream.on_epoch_end()
        offsets.add(int(stream[0][0][0, 0]) % 10)
    assert len(offsets) > 1


def test_without_shuffle_the_stream_is_the_text_in_order():
    ids = np.arange(300)
    x, _ = WindowStream(ids, seq_len=10, batch_size=3, shuffle=False)[1]
    np.testing.assert_array_equal(x[:, 0], [30, 40, 50])


def test_the_text_is_kept_once_as_bytes():
    stream = WindowStream(np.arange(3000) % 39, seq_len=10, batch_size=4)
    assert stream.ids.dtype == np.uint8 and stream.ids.nbytes == 3000


@pytest.mark.parametrize("kwargs, match", [
    ({"seq_len": 0}, "Argument `seq_len` must be a positive integer"),
    ({"batch_size": 1000}, "Argument `ids` must hold at least one batch"),
])
def test_bad_arguments_say_what_was_expected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        WindowStream(np.arange(500), **{"seq_len": 10, "batch_size": 4, **kwargs})


def test_an_index_past_the_end_raises_index_error():
    stream = WindowStream(np.arange(500), seq_len=10, batch_size=4)
    with pytest.raises(IndexError):
        stream[len(stream)]
