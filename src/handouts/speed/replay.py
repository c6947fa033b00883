"""Paragraphs drawn once per process and replayed in the handouts after that.

A batch draws the same paragraphs in handout after handout, and drawing them (encoding
the text into font subsets, writing the text operators) was over a quarter of a build.
The operators can be kept because every document's fonts are seeded
(:func:`handouts.fonts.seed`): two handouts with the same seed encode every seeded
character alike, so a paragraph's operators recorded in one are the bytes drawing it
would write in the other.

What keeps this safe:

- a recording is kept only if, while it was drawn, no character was entered into any
  subset after seeding, and it used only seeded faces;
- it is keyed on the seed (faces and characters), the width and the height, and
  replayed only into a document with an equal seed;
- fonts are numbered (``/F2``) in the order the pages first use them, as without replay:
  a replay numbers the faces its operators name, in their order, and renames them in
  the operators if this document numbered them differently.

Recordings live on the shared paragraphs (:mod:`.paragraphs`), a few per paragraph, and
go with them. Paragraphs holding personal text are never shared, so never recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from reportlab.pdfbase.pdfmetrics import getFont

from .. import internals
from ..fonts import canvas_seed, sizes
from ..platypus import Flowable
from . import enabled

_MAX_RECORDINGS = 8  # per paragraph: a few widths or seeds (a batch of one language uses one)
_FONT_OPERATOR = re.compile(r"/(F\d+)\+(\d+ [\d.]+ Tf)")


def draw(flowable: Flowable, draw_now: Callable[[], None], faces: frozenset[str | None]) -> None:
    """Draw ``flowable`` (already placed on its canvas), replaying a recording when one
    is valid here, and recording one when that is safe."""
    canv = flowable.canv
    seeded = canvas_seed(canv) if enabled() else None
    if seeded is None or not faces.issubset(seeded.faces):
        draw_now()
        return
    doc = internals.document(canv)
    recordings = flowable.__dict__.setdefault("_recordings", {})
    key = (seeded.digest, flowable.width, flowable.height)
    recorded = recordings.get(key)
    if recorded is not None:
        code, names = recorded
        renames = {}
        known = canv.__dict__.setdefault("_handouts_font_names", {})  # this document's, face -> name
        for face, name in names:  # number the faces as drawing them here would
            here = known.get(face) or known.setdefault(face, _internal_name(face, doc))
            if here != name:
                renames[name] = here
        if renames:
            code = [_FONT_OPERATOR.sub(lambda m: f"/{renames.get(m.group(1), m.group(1))}+{m.group(2)}", c) for c in code]
        internals.replay(canv, code)
        return
    ops = internals.operators(canv)
    start = len(ops)
    draw_now()
    if len(recordings) < _MAX_RECORDINGS and sizes(doc, seeded.faces) == seeded.sizes:
        code = tuple(internals.operators(canv)[start:])
        by_name = internals.font_names(doc)
        used = dict.fromkeys(m.group(1) for c in code for m in _FONT_OPERATOR.finditer(c))
        recordings[key] = (code, tuple((by_name[n], n) for n in used if n in by_name))


def _internal_name(face: str, doc: object) -> str:
    """The name (``F3``) a face has in this document, numbering it now if it has none."""
    font = getFont(face)
    font.splitString("", doc)  # the document's state for the face, as drawing makes it
    return font.getSubsetInternalName(0, doc)[1:].split("+")[0]
