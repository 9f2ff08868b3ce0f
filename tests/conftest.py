"""Fixtures shared by several test modules."""

import pytest

from rnnbook.data import Vocabulary

# Two lines of sonnet 18: enough characters for a small vocabulary and short seeds.
SONNET_LINES = "shall i compare thee to a summer's day?\nthou art more lovely and more temperate:\n"


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    """The vocabulary of :data:`SONNET_LINES`."""
    return Vocabulary.from_text(SONNET_LINES)
