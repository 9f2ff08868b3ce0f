"""Units of the losses the course reports: nats (what Keras computes), bits per character and
perplexity."""

from __future__ import annotations

import math

LN2 = math.log(2.0)


def nats_to_bits(nats: float) -> float:
    """A cross-entropy in nats (natural log, what Keras reports) in bits per character."""
    return float(nats) / LN2


def perplexity(nats: float) -> float:
    """A cross-entropy of ``nats`` per character as a perplexity, ``e ** nats``.

    The number of equally likely characters a model would be choosing among at every step to be
    as uncertain as it is: 39 for the uniform distribution over the sonnets' 39 characters.
    """
    return math.exp(float(nats))
