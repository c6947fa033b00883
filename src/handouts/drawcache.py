"""Paragraphs drawn once per process and replayed in the handouts after that.

A batch draws the same paragraphs in handout after handout, and drawing them (encoding
the text into font subsets, writing the text operators) was over a quarter of a build.
The operators cannot simply be kept: ReportLab numbers a font's characters in the order
a document first meets them, so one paragraph gives other bytes in another handout.

:func:`seed` takes that order out of the picture. Before anything is drawn, every
character the handout will show is entered into the subsets of the family that will draw
it, in code point order. Two handouts with the same characters (most of a batch: the same
language, providers whose names add no new letters) then encode every character alike,
and a paragraph's operators recorded in one can be replayed in the other. Fonts are
still numbered (``/F2``) in the order the pages first use them, as without replay: a
replay numbers the faces its operators name, in their order, and renames them in the
operators if this document numbered them differently.

What keeps this safe:

- a recording is kept only if, while it was drawn, no character was entered into any
  subset after seeding, and it used only seeded faces;
- it is replayed only into a document seeded with the same faces and characters, at the
  same width and height.

Anything else (a character the seed missed, text shaped by HarfBuzz into private glyph
codes) is simply drawn as usual.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from .fonts import FontStack, memo_unless_personal, typeset
from .platypus import Flowable

_SEED_IDS: dict[tuple, int] = {}  # seed contents -> a number, for cheap keys
_NEXT_ID = itertools.count()
_MAX_RECORDINGS = 8  # per paragraph: a few widths or seeds (a batch of one language uses one)


@dataclass(frozen=True)
class Seed:
    """How a document's fonts were seeded."""

    id: int  # equal ids: the same faces seeded with the same characters
    order: tuple[str, ...]  # the seeded faces, in seeding order
    sizes: tuple[int, ...]  # characters entered per face, right after seeding


def seed(canv: Canvas, stack: FontStack, texts: Iterable[str], shape: Callable[[str], str] | None = None) -> Seed:
    """Enter every character of ``texts`` into the faces (regular and bold) of the
    family that will draw it, in code point order. ``shape`` turns text into the
    characters actually drawn (Arabic presentation forms)."""
    doc = canv._doc  # noqa: SLF001 (the canvas' document: where fonts are numbered)
    chars: set[str] = set()
    for text in texts:
        chars.update(_characters(text, shape))
    by_family: dict[str, list[str]] = {}
    for char in sorted(chars):
        if ord(char) < 128 or char == "\u00a0":  # ASCII has fixed codes in every subset
            continue
        family = stack.family_for(char) or stack.base
        by_family.setdefault(family.key, []).append(char)
    faces: list[str] = []
    parts: list[str] = []
    for family in dict.fromkeys((stack.base, *stack.families)):
        text = "".join(by_family.get(family.key, ()))
        for face in dict.fromkeys((family.face(), family.face(bold=True))):
            # Sets up the face's subsets as drawing would; the face is only numbered (and
            # embedded) when a page uses it.
            pdfmetrics.getFont(face).splitString(text, doc)
            faces.append(face)
            parts.append(text)
    contents = (tuple(faces), tuple(parts))
    seed_id = _SEED_IDS.get(contents)
    if seed_id is None:
        if len(_SEED_IDS) >= 256:
            _SEED_IDS.clear()  # ids are never reused, so old recordings just stop matching
        seed_id = _SEED_IDS[contents] = next(_NEXT_ID)
    result = Seed(seed_id, tuple(faces), _sizes(doc, faces))
    canv._handouts_seed = result  # noqa: SLF001
    return result


@memo_unless_personal(maxsize=1024)
def _characters(text: str, shape: Callable[[str], str] | None) -> frozenset[str]:
    """The characters a text is drawn with (memoised: shaping Arabic is slow)."""
    text = typeset(text)
    return frozenset(shape(text) if shape else text)


def _sizes(doc, faces: Iterable[str]) -> tuple[int, ...]:  # noqa: ANN001
    return tuple(len(pdfmetrics.getFont(face).state[doc].assignments) for face in faces)


_FONT_OPERATOR = re.compile(r"/(F\d+)\+(\d+ [\d.]+ Tf)")


def draw(flowable: Flowable, draw_now: Callable[[], None], faces: frozenset[str]) -> None:
    """Draw ``flowable`` (already placed on its canvas), replaying a recording when one
    is valid here, and recording one when that is safe."""
    canv = flowable.canv
    seeded: Seed | None = getattr(canv, "_handouts_seed", None)
    if seeded is None or not faces.issubset(seeded.order):
        draw_now()
        return
    doc = canv._doc  # noqa: SLF001
    recordings = flowable.__dict__.setdefault("_recordings", {})
    key = (seeded.id, flowable.width, flowable.height)
    recorded = recordings.get(key)
    if recorded is not None:
        code, names = recorded
        renames = {}
        for face, name in names:  # number the faces as drawing them here would
            font = pdfmetrics.getFont(face)
            font.splitString("", doc)
            here = font.getSubsetInternalName(0, doc)[1:].split("+")[0]
            if here != name:
                renames[name] = here
        if renames:
            code = [_FONT_OPERATOR.sub(lambda m: f"/{renames.get(m.group(1), m.group(1))}+{m.group(2)}", c) for c in code]
        canv._code.extend(code)  # noqa: SLF001 (the page's operators)
        return
    start = len(canv._code)  # noqa: SLF001
    draw_now()
    if len(recordings) < _MAX_RECORDINGS and _sizes(doc, seeded.order) == seeded.sizes:
        code = tuple(canv._code[start:])  # noqa: SLF001
        by_name = {mapped.lstrip("/"): face for face, mapped in doc.fontMapping.items()}
        names = [(by_name[n], n) for n in dict.fromkeys(m.group(1) for c in code for m in _FONT_OPERATOR.finditer(c)) if n in by_name]
        recordings[key] = (code, tuple(names))
