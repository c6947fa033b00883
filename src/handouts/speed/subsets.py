"""Font subsets cut and compressed once per process.

ReportLab cuts and compresses a subset of each font for every document it goes into; a
batch puts the same subsets into handout after handout (the characters of one
language's text, numbered by seeding), and for a CJK font that was a fifth of a build.
A subset is keyed on the font file and its exact list of characters (or shaped glyphs):
all that cutting it depends on. Subsets of a document that draws personal text (a
patient's name, visit dates) are cut for that handout only and never kept: their
characters could be the name's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import internals
from ..fonts import seed_of
from . import Memo, enabled

#: Compressed subsets: a few megabytes at most, even for CJK.
SUBSETS: Memo[tuple[str, str, tuple[int, ...]], tuple[int, bytes]] = Memo("font-subsets", 64)
#: A subset's /Widths array as written: its glyphs' widths are all it depends on (and
#: ReportLab's one-number-per-line setting).
WIDTHS: Memo[tuple[bool, tuple[float, ...]], bytes] = Memo("font-widths", 64)
#: A subset's ToUnicode map, as text and compressed, by its font's base name and
#: characters: all ``makeToUnicodeCMap`` reads. Eight for a Chinese handout.
TO_UNICODE: Memo[tuple[str, tuple[int, ...]], tuple[str, bytes]] = Memo("to-unicode-maps", 64)


def _shared(doc: Any) -> bool:
    """Whether a document's subsets may come from, and go into, these memos: not when it
    draws personal text (its subsets' characters could be a name's)."""
    seeded = seed_of(doc)
    return seeded is not None and not seeded.personal


def cut(face: str, source: str, doc: Any, subset: tuple[int, ...], make: Callable[[], bytes]) -> tuple[int, bytes]:
    """(length, compressed bytes) of a face's subset in a document; ``source`` names
    the font file (and the font's index in a collection) the face was read from."""

    def fresh() -> tuple[int, bytes]:
        raw = make()
        return len(raw), internals.compress(raw)

    return SUBSETS.get((face, source, subset), fresh) if _shared(doc) else fresh()


def widths(doc: Any, values: tuple[float, ...], make: Callable[[], bytes]) -> bytes:
    """A subset's /Widths array in a document, as PDF bytes. A document that draws
    personal text formats its own: the widths of characters a name added to a subset,
    in the order the name has them, would say something of the name."""
    from reportlab import rl_config

    return WIDTHS.get((bool(rl_config.pdfMultiLine), values), make) if _shared(doc) else make()


def to_unicode(doc: Any) -> internals.ToUnicode | None:
    """The memo a document's ToUnicode maps are made through, if it may share them (with
    caches on, and no personal text)."""
    return TO_UNICODE.get if _shared(doc) and enabled() else None
