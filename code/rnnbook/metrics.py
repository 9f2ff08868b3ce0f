"""Units of the losses the course reports: nats (what Keras computes) and bits per character."""

from __future__ import annotations

import math

LN2 = math.log(2.0)


def nats_to_bits(nats: float) -> float:
    """A cross-entropy in nats (natural log, what Keras reports) in bits per character."""
    return float(nats) / LN2
