"""tools/prose_words.py: a chapter's prose counted, and no chapter longer than one sitting."""

import pytest

from rnnbook.config import REPO_ROOT
from tests.conftest import load_script

prose_words = load_script("tools/prose_words.py")
LIMIT = 3000  # words of prose a chapter may hold (about 2,500 is the aim)


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "source": [text]}


def test_prose_leaves_out_code_exercises_and_what_follows_them():
    cells = [markdown("# Title\n\nOne two three."),
             {"cell_type": "code", "source": ["x = 1  # not prose"]},
             markdown("Four five.\n\n```text\nprinted output\n```"),
             markdown(":::{exercise} Six\n:label: x-ex-six\nseven\n:::"),
             markdown("Eight.\n\n## Exercises\n\nNine ten.")]
    assert prose_words.prose(cells).split() == ["Title", "One", "two", "three.", "Four", "five.",
                                                 "Eight."]


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "chapters").glob("*.ipynb")),
                         ids=lambda p: p.stem)
def test_no_chapter_is_longer_than_one_sitting(path):
    words = prose_words.prose_words(path)
    assert 0 < words <= LIMIT, f"{path.stem}: {words:,} words of prose"
