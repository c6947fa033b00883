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
from . import Memo

#: Compressed subsets: a few megabytes at most, even for CJK.
SUBSETS: Memo[tuple[str, str, tuple[int, ...]], tuple[int, bytes]] = Memo("font-subsets", 64)
#: A subset's /Widths array as written: its glyphs' widths are all it depends on (and
#: ReportLab's one-number-per-line setting).
WIDTHS: Memo[tuple[bool, tuple[float, ...]], bytes] = Memo("font-widths", 64)
#: A subset's ToUnicode map, as text and compressed, by its font's base name and
#: characters: all ``makeToUnicodeCMap`` reads. Eight for a Chinese handout.
TO_UNICODE: Memo[tuple[str, tuple[int, ...]], tuple[str, bytes]] = Memo("to-unicode-maps", 64)


def cut(face: str, source: str, doc: Any, subset: tuple[int, ...], make: Callable[[], bytes]) -> tuple[int, bytes]:
    """(length, compressed bytes) of a face's subset in a document; ``source`` names
    the font file (and the font's index in a collection) the face was read from."""

    def fresh() -> tuple[int, bytes]:
        raw = make()
        return len(raw), internals.compress(raw)

    seeded = seed_of(doc)
    if seeded is None or seeded.personal:
        return fresh()
    return SUBSETS.get((face, source, subset), fresh)


def widths(doc: Any, values: tuple[float, ...], make: Callable[[], bytes]) -> bytes:
    """A subset's /Widths array in a document, as PDF bytes. A document that draws
    personal text formats its own: the widths of characters a name added to a subset,
    in the order the name has them, would say something of the name."""
    from reportlab import rl_config

    seeded = seed_of(doc)
    if seeded is None or seeded.personal:
        return make()
    return WIDTHS.get((bool(rl_config.pdfMultiLine), values), make)


def to_unicode(doc: Any) -> Callable[[tuple[str, tuple[int, ...]], Callable[[], tuple[str, bytes]]], tuple[str, bytes]] | None:
    """The memo a document's ToUnicode maps are made through, if it may share them: not
    for a document that draws personal text (its subsets' characters could be a name's)."""
    from . import enabled

    seeded = seed_of(doc)
    if seeded is None or seeded.personal or not enabled():
        return None
    return TO_UNICODE.get
