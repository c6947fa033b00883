"""Large print as a designed layout (issue 14, item 7), read back from the PDFs of both
procedures in every shipped language: no page before the last under half full, a last
page at least a third full, no more pages than before issue 14 (save where the content
grew past what the narrower measure can hold), and one measure on every page.

The footer on one line and the QR code beside the care team are checked in
tests/test_page_fill.py; here, the running head on one line."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
import pytest

from handouts.api import build_handout

from .pdfpages import fill, frame, words
from .test_languages import SHIPPED

VISIT = dt.date(2026, 12, 28)
PROCEDURES = ("botox-neck", "botox-migraine")

# The handout's own pages in large print before issue 14 (commit 2988282; letter,
# dr-rivera, visit 2026-12-28), measured with that code. It set large print across the
# full 7.5-inch frame and let the emergency tier split.
BEFORE = {
    "botox-neck": {
        "en": 7, "es": 9, "zh_Hans": 6, "zh_Hant": 7, "vi": 7, "ar": 7, "hi": 7, "ko": 7,
        "ja": 7, "ht": 7, "ru": 9, "fil": 9, "fr": 8, "pt_BR": 9, "pl": 8,
    },
    "botox-migraine": {
        "en": 7, "es": 8, "zh_Hans": 6, "zh_Hant": 7, "vi": 7, "ar": 7, "hi": 7, "ko": 7,
        "ja": 7, "ht": 7, "ru": 9, "fil": 8, "fr": 8, "pt_BR": 9, "pl": 8,
    },
}
# A page more than before, at most, where the content grew since (5 to 13 per cent more
# text: the FDA wording of issue 14) beyond what one 6-inch measure, an emergency tier that
# never splits and the 18 pt / 1.5 type can hold in as many pages.
GREW = {
    "botox-neck": {"zh_Hans", "vi", "ht", "ru", "fr"},
    "botox-migraine": {"es", "zh_Hans", "vi", "ko", "ja", "ht", "ru", "fil", "fr", "pl"},
}
# A page more again where a tick-box item that split across a page turn now moves whole
# (issue 14, item 2: a checklist item is read whole; each of these costs exactly a page).
WHOLE_CHECKLIST = {
    "botox-neck": {"pl"},
    "botox-migraine": {"es", "fil", "pt_BR", "fr"},
}


def _panels(page) -> list[tuple[float, float]]:  # noqa: ANN001 (a pdfplumber page)
    """(left, right) of the boxes drawn in the text frame wider than half the measure
    (not the band or bars that run across the paper)."""
    top, bottom = frame(page)
    return [
        (r["x0"], r["x1"]) for r in page.rects
        if 3 * 72 < r["width"] < page.width - 1 and r["top"] >= top - 2 and r["bottom"] <= bottom + 2
    ]


def _head_lines(page) -> int:  # noqa: ANN001 (a pdfplumber page)
    """How many lines the running head above the text frame takes."""
    top, _ = frame(page)
    bottoms = sorted(c["bottom"] for c in page.chars if c["top"] < top - 2 and c["text"].strip())
    return sum(1 for a, b in zip([-99.0, *bottoms], bottoms) if b - a > 4)


@pytest.fixture(scope="module")
def handouts() -> dict[tuple[str, str], tuple[int, list[float], list, list[int]]]:
    """Per (procedure, language): own pages, each page's fill, each page's words, panels
    and width, and the lines of each later page's running head."""
    out = {}
    for procedure in PROCEDURES:
        for lang in SHIPPED:
            handout = build_handout(procedure, lang=lang, provider="dr-rivera", visit_date=VISIT, paper="letter", large_print=True)
            with pdfplumber.open(io.BytesIO(handout.pdf)) as doc:
                fills = [fill(page) for page in doc.pages]
                page_words = [(words(page), _panels(page), page.width) for page in doc.pages]
                heads = [_head_lines(page) for page in doc.pages[1:]]
            out[procedure, lang] = (handout.own_pages, fills, page_words, heads)
    return out


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_no_page_before_the_last_is_under_half_full(handouts, procedure):
    # The handout's own pages and the diary's: a page turns early only to leave the next
    # one fuller, never to leave this one half empty.
    short = []
    for lang in SHIPPED:
        own, fills, *_ = handouts[procedure, lang]
        for part in (fills[:own], fills[own:]):
            short += [(lang, number, round(f, 2)) for number, f in enumerate(part[:-1], 1) if f < 0.5]
    assert not short, short


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_the_last_own_page_is_at_least_a_third_full(handouts, procedure):
    stubs = []
    for lang in SHIPPED:
        own, fills, *_ = handouts[procedure, lang]
        if fills[own - 1] < 1 / 3:
            stubs.append((lang, round(fills[own - 1], 2)))
    assert not stubs, stubs


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_no_more_pages_than_before_issue_14(handouts, procedure):
    over = []
    for lang in SHIPPED:
        own = handouts[procedure, lang][0]
        allowed = BEFORE[procedure][lang] + (lang in GREW[procedure]) + (lang in WHOLE_CHECKLIST[procedure])
        if own > allowed:
            over.append((lang, own, BEFORE[procedure][lang]))
    assert not over, over


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_every_page_keeps_one_measure(handouts, procedure):
    # One 6-inch measure, centred, on every page: each line of text lies inside it and
    # starts at its edge or a list's or a tier's indent from it (ends, in Arabic); every
    # panel (tier frames, the emergency panel, the Medication Guide box) spans exactly it.
    measure = 6 * 72
    for lang in SHIPPED:
        own, _, pages, _ = handouts[procedure, lang]
        rtl = lang == "ar"
        for number, (found, boxes, width) in enumerate(pages[:own], 1):
            x0 = (width - measure) / 2
            x1 = x0 + measure
            for box in boxes:
                assert abs(box[0] - x0) < 2 and abs(box[1] - x1) < 2, (lang, number, box, x0, x1)
            lines: list[list[dict]] = []
            for w in sorted(found, key=lambda w: w["bottom"]):
                if lines and w["bottom"] - lines[-1][-1]["bottom"] < 6:
                    lines[-1].append(w)
                else:
                    lines.append([w])
            assert all(x0 - 1 <= w["x0"] and w["x1"] <= x1 + 1 for w in found), (lang, number)
            # How far each line starts from the measure's leading edge.
            indents = sorted(x1 - max(w["x1"] for w in line) if rtl else min(w["x0"] for w in line) - x0 for line in lines)
            # Most lines start at the edge, a list's gutter or a tier's padding from it.
            near = [x for x in indents if x < 1.5 * 18 + 8]
            assert len(near) >= 0.8 * len(indents), (lang, number, indents)


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_the_running_head_is_one_line(handouts, procedure):
    # A long title and clinic name would wrap into the rule under the running head; the
    # head then carries the title alone.
    wrapped = [(lang, heads) for lang in SHIPPED for heads in [handouts[procedure, lang][3]] if any(n != 1 for n in heads)]
    assert not wrapped, wrapped
