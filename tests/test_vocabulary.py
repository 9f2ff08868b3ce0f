"""The character vocabulary: sorted, stable ids, a user's text cleaned for it."""

import os
import subprocess
import sys

import numpy as np
import pytest

from rnnbook.text.vocabulary import Vocabulary


def test_vocabulary_is_sorted_and_round_trips():
    text = "the quick brown fox, jumps!\n"
    vocab = Vocabulary.from_text(text)
    assert list(vocab.chars) == sorted(set(text))
    ids = vocab.encode(text)
    assert ids.dtype == np.int32 and ids.shape == (len(text),)
    assert vocab.decode(ids) == text
    assert len(vocab) == len(set(text)) and "q" in vocab and "z" not in vocab
    assert Vocabulary.from_list(vocab.to_list()) == vocab


def test_vocabulary_ids_are_the_same_in_every_process():
    code = ("from rnnbook.text.vocabulary import Vocabulary; "
            "print(Vocabulary.from_text('sonnet: shall i compare thee?').to_list())")
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
        for seed in (1, 2, 3)
    }
    assert len(outputs) == 1


def test_unknown_characters_raise_naming_them():
    vocab = Vocabulary.from_text("abc ")
    with pytest.raises(ValueError, match=r"'X', 'z'"):
        vocab.encode("a zX b")
    with pytest.raises(ValueError, match="Argument `ids` must lie in .* Received: ids from 0 to 7"):
        vocab.decode([0, 7])
    with pytest.raises(ValueError):
        Vocabulary.from_text("")


def test_clean_lowercases_replaces_and_drops_and_says_so():
    vocab = Vocabulary.from_text("shall i compare thee to a summer's day?\n—")
    cleaned = vocab.clean("Shall I compare thee\u2019s day? \U0001F600 -")
    assert cleaned.text == "shall i compare thee's day?  —"
    assert cleaned.lowered
    assert cleaned.replaced == ("-", "\u2019")
    assert cleaned.dropped == ("\U0001F600",)
    assert "lower-cased" in cleaned.message and "dropped" in cleaned.message
    vocab.encode(cleaned.text)  # always encodable
    assert vocab.clean("day").message == ""  # nothing to say when nothing changed
    assert vocab.clean("caf\u00e9").text == "cae"  # é -> e (in vocabulary), f dropped


def test_clean_keeps_case_when_the_vocabulary_has_capitals():
    vocab = Vocabulary.from_text("Ab")
    assert vocab.clean("Ab").text == "Ab" and not vocab.clean("Ab").lowered


# --- windows and split ------------------------------------------------------------------------
