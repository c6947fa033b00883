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
