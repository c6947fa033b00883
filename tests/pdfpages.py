"""Reading page geometry back from a handout's PDF (pdfplumber): where the text frame
is, how much of it a page uses, and where body lines start. Shared by the layout tests
and by the measurements in the README."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

RULE_GAP = 0.12 * 72  # the header and footer rules sit this far outside the frame
BAND_GAP = 0.1 * 72  # page 1's frame starts this far under the header band


def _rules(page: Any) -> list[float]:
    """Tops of the full-measure rules: the running head's (later pages) and the footer's."""
    width = page.width
    return sorted(line["top"] for line in page.lines if line["x1"] - line["x0"] > width * 0.8 and abs(line["top"] - line["bottom"]) < 0.1)


def frame(page: Any) -> tuple[float, float]:
    """(top, bottom) of the page's text frame, in pdfplumber's top-down coordinates."""
    rules = _rules(page)
    bottom = rules[-1] - RULE_GAP
    band = [r["bottom"] for r in page.rects if r["top"] < 1 and r["x1"] - r["x0"] >= page.width - 1]
    if band and max(band) > 20:  # page 1: the branded band
        top = max(band) + BAND_GAP
    else:
        top = rules[0] + RULE_GAP
    return top, bottom


def _objects(page: Any) -> Iterable[dict]:
    yield from page.chars
    yield from page.rects
    yield from page.lines
    yield from page.curves
    yield from page.images


def fill(page: Any) -> float:
    """How much of the frame's height the page uses: from the frame's top to the lowest
    thing drawn in it (text, rules, boxes, the QR code), as a fraction of the frame."""
    top, bottom = frame(page)
    inside = [o["bottom"] for o in _objects(page) if o["top"] >= top - 2 and o["bottom"] <= bottom + 2 and (o.get("text", "x").strip())]
    return (max(inside, default=top) - top) / (bottom - top)


def words(page: Any) -> list[dict]:
    """The words inside the page's frame."""
    top, bottom = frame(page)
    return [w for w in page.extract_words() if w["top"] >= top - 2 and w["bottom"] <= bottom + 2]


def columns(page: Any) -> list[list[dict]]:
    """The text lines inside the page's frame, column by column (the page cut down its
    middle; a full-width block's lines come back cut in two), each column's lines top
    down. Each line is pdfplumber's text line (text, x0, x1, top, bottom, chars)."""
    top, bottom = frame(page)
    middle = page.width / 2
    out = []
    for x0, x1 in ((0, middle), (middle, page.width)):
        half = page.crop((x0, top - 2, x1, bottom + 2), strict=False)
        out.append(sorted(half.extract_text_lines(layout=False, strip=True), key=lambda line: line["top"]))
    return out


def markers(page: Any) -> list[dict]:
    """The small drawings a list item or a tier heading starts with: tick boxes,
    bullets, icons (anything drawn under 14 points wide that is not a rule)."""
    return [o for o in (*page.rects, *page.curves) if o["width"] < 14 and o["height"] > 1]


def _baseline_lines(page: Any) -> list[tuple[float, float, float, str]]:
    """(baseline from the top, x0, size, text) of each line as :func:`visual_lines` reads it."""
    rows: dict[float, list[dict]] = {}
    for char in page.chars:
        if char["upright"]:
            rows.setdefault(round(char["matrix"][5], 1), []).append(char)
    lines: list[tuple[float, float, float, str]] = []
    for baseline, chars in rows.items():
        chars.sort(key=lambda c: c["x0"])
        start, text = chars[0], [chars[0]["text"]]
        for before, char in zip(chars, chars[1:]):
            if char["x0"] - before["x1"] > char["size"]:
                lines.append((-baseline, start["x0"], start["size"], "".join(text)))
                start, text = char, []
            text.append(char["text"])
        lines.append((-baseline, start["x0"], start["size"], "".join(text)))
    return lines


def paragraph_lines(page: Any) -> list[tuple[str, str]]:
    """Pairs of lines that follow each other inside one paragraph (read by baseline, as
    :func:`visual_lines`): the next line in the same column starts where the line does
    and sits one line space lower (at most 1.6 times the type size: large print's 1.5)."""
    lines = sorted(_baseline_lines(page), key=lambda line: (line[1] >= page.width / 2 - 5, line[0], line[1]))
    return [
        (a[3], b[3]) for a, b in zip(lines, lines[1:])
        if abs(a[1] - b[1]) < 1 and abs(a[2] - b[2]) < 0.5 and 0 < b[0] - a[0] <= a[2] * 1.6 + 0.5
    ]


def visual_lines(page: Any) -> list[str]:
    """The page's lines as a reader sees them: characters on one baseline, left to right,
    a line ending where a gap wider than an em (a column gutter, a table cell's edge)
    opens. Grouping by baseline, not by the top of each character's box as pdfplumber's
    own line extraction does: that top comes from the font's /Descent, and Atkinson
    Hyperlegible's (-0.29 em) is 0.17 em deeper than IPAGothic's, so at 18 pt a Latin
    run in a Japanese line sat 3 pt lower than its neighbours and was read as a line of
    its own ("1-800-FDA-1088" / "。")."""
    rows: dict[float, list[dict]] = {}
    for char in page.chars:
        if char["upright"]:
            rows.setdefault(round(char["matrix"][5], 1), []).append(char)
    lines: list[tuple[float, float, str]] = []
    for baseline, chars in rows.items():
        chars.sort(key=lambda c: c["x0"])
        start, text = chars[0]["x0"], [chars[0]["text"]]
        for before, char in zip(chars, chars[1:]):
            if char["x0"] - before["x1"] > char["size"]:
                lines.append((-baseline, start, "".join(text)))
                start, text = char["x0"], []
            text.append(char["text"])
        lines.append((-baseline, start, "".join(text)))
    return [text for _, _, text in sorted(lines)]


TIER_PAD = 7.0  # a tier box's padding over its first item (Builder.tier)


def tier_boxes(page: Any) -> list[dict]:
    """The side-effect tiers' boxes on the page, in reading order: each a stroked frame
    with a filled header band along its top at its full width (the key points' action
    panel has its band inset). Each dict: the frame's x0, top, bottom, height, its
    colour (``colour``, which tells the tiers apart, in grey too), the header band's
    height (``band``) and the page's number."""
    bands = [c for c in (*page.curves, *page.rects) if c["fill"] and not c["stroke"]]
    out = []
    for r in page.rects:
        if not r["stroke"] or r["fill"] or r["height"] < 20:
            continue
        band = [b for b in bands if abs(b["x0"] - r["x0"]) < 0.5 and abs(b["width"] - r["width"]) < 0.5 and abs(b["top"] - r["top"]) < 0.5
                and b["height"] < r["height"] - 1]  # a tinted panel's fill is its whole frame
        if band:
            colour = tuple(round(v, 3) for v in r["stroking_color"]) if isinstance(r["stroking_color"], (tuple, list)) else r["stroking_color"]
            out.append({"x0": r["x0"], "x1": r["x1"], "top": r["top"], "bottom": r["bottom"], "height": r["height"],
                        "colour": colour, "band": band[0]["height"], "page": page.page_number})
    return out


def tier_splits(pages: Iterable[Any], rtl: bool = False) -> list[dict]:
    """Every tier that goes on in another column, read from the boxes: a box at a
    column's top straight after (in reading order) a box of the same colour is the
    continuation of that box's tier. Each dict: ``page`` (the continuation's), ``whole``
    (the tier's height in one box: both parts less the continuation's heading, its
    padding, and the point a part's last item adds), ``column`` (the height of the column
    the continuation starts: from its top down to the frame's bottom) and ``above`` (how
    much of its frame the page the tier starts on holds above the tier's first part)."""
    ordered = []
    for page in pages:
        middle = page.width / 2
        boxes = tier_boxes(page)
        # Columns in reading order (right to left: the right one first), each top down.
        first = [b for b in boxes if (b["x0"] >= middle - 1) == rtl]
        second = [b for b in boxes if (b["x0"] >= middle - 1) != rtl]
        top, bottom = frame(page)
        for column in (first, second):
            ordered += [(b, top, bottom) for b in sorted(column, key=lambda b: b["top"])]
    out = []
    for (before, top, end), (box, _, bottom) in zip(ordered, ordered[1:]):
        if box["colour"] == before["colour"]:
            whole = before["height"] + box["height"] - box["band"] - TIER_PAD - 1
            out.append({"page": box["page"], "whole": whole, "column": bottom - box["top"], "above": (before["top"] - top) / (end - top)})
    return out
