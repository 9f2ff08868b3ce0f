"""The plays: markdown converted to plain text, whole plays held out, the vocabulary mapping."""

import json

import pytest

from rnnbook.text import plays
from rnnbook.text.vocabulary import Vocabulary

SAMPLE = """# Hamlet

## ACT I

### SCENE I. Elsinore. A platform before the castle.

_FRANCISCO at his post. Enter to him BERNARDO_

**BERNARDO**|
Who's there?

**FRANCISCO**|
Nay, answer me: stand, and unfold yourself.|
_\\[Aside]_ Long live the king!

_Enter HORATIO and MARCELLUS, with
torches_

**FIRST CLOWN**|
__\\[Sings]_ In youth, when I did love,|
Methought it was very sweet,

_Exit_

To contract, O, the time, for-a my behove,

**HORATIO**|
_Exeunt_
""".replace("|\n", "  \n")  # a hard line break in markdown: two trailing spaces

EXPECTED = """BERNARDO:
Who's there?

FRANCISCO:
Nay, answer me: stand, and unfold yourself.
Long live the king!

FIRST CLOWN:
In youth, when I did love,
Methought it was very sweet,
To contract, O, the time, for-a my behove,

"""


def test_to_plain_text_keeps_speakers_and_verse_and_drops_the_editors_words():
    assert plays.to_plain_text(SAMPLE) == EXPECTED


def test_to_plain_text_of_nothing_but_headings_is_empty():
    assert plays.to_plain_text("# Title\n\n## ACT I\n\n_Enter all_\n") == ""


def test_split_holds_out_whole_plays_in_the_given_order():
    corpus = {"b": SAMPLE, "a": SAMPLE.replace("Who's", "Who is"), "c": SAMPLE}
    split = plays.split_plays(corpus, held_out=("c",))
    assert split.train_plays == ("a", "b") and split.held_out_plays == ("c",)
    assert split.train == plays.to_plain_text(corpus["a"]) + EXPECTED
    assert split.held_out == EXPECTED


def test_split_rejects_an_unknown_play():
    with pytest.raises(ValueError, match="Argument `held_out` must name plays"):
        plays.split_plays({"a": SAMPLE}, held_out=("hamlet",))


def test_for_vocabulary_lowercases_replaces_and_drops_with_counts():
    vocab = Vocabulary.from_text("abc '\n")
    mapped = plays.for_vocabulary('Ab "C" & 12\n', vocab)
    assert mapped.text == "ab 'c'  \n"
    assert mapped.replaced == {'"': 2}
    assert mapped.dropped == {"&": 1, "1": 1, "2": 1}


def test_members_hash_depends_on_names_and_texts():
    one = plays.members_sha256({"a": "x", "b": "y"})
    assert one == plays.members_sha256({"b": "y", "a": "x"})  # order of the dict is irrelevant
    assert one != plays.members_sha256({"a": "xy", "b": ""})  # the separator counts
    assert one != plays.members_sha256({"a": "x", "c": "y"})


def test_load_plays_rejects_a_damaged_cache_and_fetches_again(tmp_path, monkeypatch):
    monkeypatch.setattr(plays.config, "data_dir", lambda: tmp_path)
    fetched = {"hamlet": SAMPLE}
    monkeypatch.setattr(plays, "_fetch", lambda: fetched)
    monkeypatch.setattr(plays, "SOURCE", plays.SOURCE.__class__(
        **{**plays.SOURCE.__dict__, "sha256": plays.members_sha256(fetched)}))
    (tmp_path / "plays.json").write_text(json.dumps({"hamlet": "damaged"}))
    assert plays.load_plays() == fetched
    assert json.loads((tmp_path / "plays.json").read_text()) == fetched
    monkeypatch.setattr(plays, "_fetch", lambda: pytest.fail("the cache is valid now"))
    assert plays.load_plays() == fetched


def test_load_plays_refuses_text_that_does_not_match_the_hash(tmp_path, monkeypatch):
    monkeypatch.setattr(plays.config, "data_dir", lambda: tmp_path)
    monkeypatch.setattr(plays, "_fetch", lambda: {"hamlet": "not the registered text"})
    with pytest.raises(RuntimeError, match="refusing to use them"):
        plays.load_plays()
    assert not (tmp_path / "plays.json").exists()
