"""The character vocabulary: stable ids for characters, and a user's text cleaned for it.

:class:`Vocabulary` sorts its characters, so every process on every machine gives them the same
ids; :meth:`Vocabulary.clean` maps what a person types onto it (:class:`CleanedText` says what
changed). :func:`sonnets_vocabulary` is the vocabulary of every sonnet model of the course.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from rnnbook import validate
from rnnbook.text.corpora import load_corpus


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
            raise validate.error_for("chars", "be distinct characters",
                                     received=f"{len(self.chars)} characters, "
                                          f"{len(set(self.chars))} distinct")
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(self.chars)})

    @classmethod
    def from_text(cls, text: str) -> Vocabulary:
        """Every distinct character of ``text``, in sorted order."""
        if not text:
            raise validate.error_for("text", "be non-empty (a vocabulary needs characters)", text)
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
            raise validate.error_for("text", "hold only characters of the vocabulary",
                                     received=f"characters not in it: {_quote(unknown)}",
                                     hint="Clean free text first with Vocabulary.clean().")
        return np.fromiter((self._index[c] for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """The text of a sequence of ids (any integer array or iterable)."""
        ids = np.asarray(ids).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise validate.error_for("ids", f"lie in [0, {len(self)})",
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


def sonnets_vocabulary() -> Vocabulary:
    """The vocabulary of every sonnet model of the course: the lower-cased sonnets' characters."""
    return Vocabulary.from_text(load_corpus("sonnets").lower())
