"""Units: nats, bits and perplexity agree; how one loss stands against another; a time for a
person to read."""

import math

import pytest

from rnnbook.metrics import LN2, against, duration, nats_to_bits, perplexity


def test_a_nat_is_one_over_ln_2_bits():
    assert nats_to_bits(math.log(2)) == pytest.approx(1.0)
    assert nats_to_bits(math.log(256)) == pytest.approx(8.0)  # 256 equally likely characters


def test_against_says_how_far_and_which_way():
    assert against(1.349, 1.648) == "0.299 nats below"
    assert against(1.711, 1.648) == "0.063 nats above"


def test_durations_read_as_seconds_minutes_or_hours():
    assert [duration(s) for s in (-1, 4.4, 65, 3725)] == [
        "0 s", "4 s", "1 min 05 s", "1 h 02 min"]


def test_bits_and_perplexity_of_a_uniform_choice():
    nats = math.log(39)  # the uniform distribution over the sonnets' 39 characters
    assert perplexity(nats) == pytest.approx(39)
    assert nats_to_bits(nats) == pytest.approx(math.log2(39))
    assert 2 ** nats_to_bits(1.7) == pytest.approx(perplexity(1.7))  # one number, two bases
    assert perplexity(0.0) == 1.0 and nats_to_bits(LN2) == pytest.approx(1.0)
