"""Fixtures shared by several test modules."""

import pytest

from rnnbook.data import Vocabulary

# Two lines of sonnet 18: enough characters for a small vocabulary and short seeds.
SONNET_LINES = "shall i compare thee to a summer's day?\nthou art more lovely and more temperate:\n"


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    """The vocabulary of :data:`SONNET_LINES`."""
    return Vocabulary.from_text(SONNET_LINES)


@pytest.fixture(autouse=True)
def _no_user_checkpoint_dir(monkeypatch):
    """A reader's CHECKPOINT_DIR (a Drive folder) must not leak into the tests' runs."""
    monkeypatch.delenv("CHECKPOINT_DIR", raising=False)
