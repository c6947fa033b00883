"""Vector marks (list bullets, tick boxes) drawn once per process and replayed.

A handout draws forty-odd bullets and tick boxes; each circle is four Bézier curves whose
numbers ReportLab formats afresh every time. A mark's operators depend only on what is
drawn, in the flowable's own coordinates (its position is set by the transformation
matrix ``drawOn`` applies), so they are kept per key, the key holding every value the
drawing uses. A recording is kept only if it uses no page resources (fonts, images,
transparency); its state changes are inside ``q``/``Q``, so replaying leaves the canvas
as drawing would.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from .. import internals
from . import Memo, enabled

MARKS: Memo[Hashable, tuple[str, ...]] = Memo("marks", 256)
# Operators that name the page's resources (fonts, images, graphics states, patterns,
# shadings, colour spaces): a recording that uses one cannot be replayed on another page.
_RESOURCES = (" Tf", " Do", " gs", "/Pattern", " sh", " cs", " CS")


def replayable(ops: tuple[str, ...] | list[str]) -> bool:
    """Whether recorded operators use none of the page's resources."""
    return not any(marker in op for op in ops for marker in _RESOURCES)


def draw(canv: Any, key: Hashable, draw_now: Callable[[], None]) -> None:
    """Draw a mark, replaying its operators when they were recorded for ``key``."""
    if not enabled():
        draw_now()
        return
    recorded = MARKS.find(key)
    if recorded is not None:
        internals.replay(canv, recorded)
        return
    ops = internals.operators(canv)
    start = len(ops)
    draw_now()
    code = tuple(ops[start:])
    if code and code[0] == "q" and code[-1] == "Q" and replayable(code):
        MARKS.keep(key, code)
