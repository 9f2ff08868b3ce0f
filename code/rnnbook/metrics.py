"""Units the course reports in: nats (what Keras computes), bits per character and perplexity,
and seconds as a person reads them."""

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


def against(nats: float, other: float) -> str:
    """How a loss compares with another, for a sentence: ``"0.052 nats below"`` (or above)."""
    return f"{abs(nats - other):.3f} nats {'below' if nats < other else 'above'}"


def duration(seconds: float) -> str:
    """``"42 s"``, ``"3 min 05 s"`` or ``"1 h 02 min"``: a time for a person to read."""
    seconds = max(0, round(seconds))
    if seconds >= 3600:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes:02d} min"
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
