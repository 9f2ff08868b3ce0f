"""Units: nats and bits, how one loss stands against another, a time for a person to read."""

import math

import pytest

from rnnbook.metrics import against, duration, nats_to_bits


def test_a_nat_is_one_over_ln_2_bits():
    assert nats_to_bits(math.log(2)) == pytest.approx(1.0)
    assert nats_to_bits(math.log(256)) == pytest.approx(8.0)  # 256 equally likely characters


def test_against_says_how_far_and_which_way():
    assert against(1.349, 1.648) == "0.299 nats below"
    assert against(1.711, 1.648) == "0.063 nats above"


def test_durations_read_as_seconds_minutes_or_hours():
    assert [duration(s) for s in (-1, 4.4, 65, 3725)] == [
        "0 s", "4 s", "1 min 05 s", "1 h 02 min"]
