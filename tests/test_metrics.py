"""The units of the losses: nats, bits and perplexity agree."""

import math

import pytest

from rnnbook.metrics import LN2, nats_to_bits, perplexity


def test_bits_and_perplexity_of_a_uniform_choice():
    nats = math.log(39)  # the uniform distribution over the sonnets' 39 characters
    assert perplexity(nats) == pytest.approx(39)
    assert nats_to_bits(nats) == pytest.approx(math.log2(39))
    assert 2 ** nats_to_bits(1.7) == pytest.approx(perplexity(1.7))  # one number, two bases
    assert perplexity(0.0) == 1.0 and nats_to_bits(LN2) == pytest.approx(1.0)
