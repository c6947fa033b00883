"""Font subsets cut and compressed once per process.

ReportLab cuts and compresses a subset of each font for every document it goes into; a
batch puts the same subsets into handout after handout (the characters of one
language's text, numbered by seeding), and for a CJK font that was a fifth of a build.
A subset is keyed on the face and its exact list of characters, and kept only when
every character in it was seeded (template text): a subset holding a character first
drawn for personal text (a patient's name) is cut for its handout only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import internals
from ..fonts import seed_of
from . import Memo

#: Compressed subsets: a few megabytes at most, even for CJK.
SUBSETS: Memo[tuple[str, str, tuple[int, ...]], tuple[int, bytes]] = Memo("font-subsets", 64)


def cut(face: str, source: str, doc: Any, subset: tuple[int, ...], make: Callable[[], bytes]) -> tuple[int, bytes]:
    """(length, compressed bytes) of a face's subset in a document; ``source`` names
    the font file (and the font's index in a collection) the face was read from."""

    def fresh() -> tuple[int, bytes]:
        raw = make()
        return len(raw), internals.compress(raw)

    seeded = seed_of(doc)
    # ASCII has fixed places in every subset (whatever was drawn); anything else must
    # have been entered by seeding, from template text.
    held = seeded.codes.get(face, frozenset()) if seeded is not None else None
    if held is None or not all(code < 128 or code in held for code in subset):
        return fresh()
    return SUBSETS.get((face, source, subset), fresh)
