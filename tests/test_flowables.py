"""The custom flowables' geometry: rows of cells and side-effect tiers that split."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from reportlab.lib.colors import HexColor
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Spacer

from handouts.flowables import Cell, Row, TierBox

RED = HexColor("#B3261E")


def _draw(flowable, width: float = 400) -> bytes:
    """The page content stream after drawing a flowable at (0, 0)."""
    buffer = BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=0)
    flowable.wrapOn(canvas, width, 700)
    flowable.drawOn(canvas, 0, 0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_row_is_as_tall_as_its_tallest_cell_and_every_fill_runs_full_height():
    short = Cell((Spacer(10, 20),), 150, (5, 5, 4, 6), fill=HexColor("#EEEEEE"))
    tall = Cell((Spacer(10, 30), Spacer(10, 40)), 250, (5, 5, 4, 6), fill=HexColor("#DDDDDD"), frame=(2, RED))
    row = Row([short, tall])
    assert row.wrap(400, 700) == (400, 30 + 40 + 4 + 6)
    stream = _draw(row)
    fills = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re f\b", stream)
    assert [(float(x), float(w), float(h)) for x, _, w, h in fills] == [(0, 150, 80), (150, 250, 80)]
    assert b"2 w" in stream  # the frame


def test_bottom_aligned_cells_share_a_baseline():
    row = Row([Cell((Spacer(10, 10),), 100, (0, 0, 3, 3)), Cell((Spacer(10, 25),), 100, (0, 0, 3, 3))], valign="BOTTOM")
    assert row.wrap(200, 100)[1] == 31


def _tier(items: int) -> TierBox:
    return TierBox(Spacer(300, 20), [Spacer(280, 15) for _ in range(items)], 300, 7, (1.2, RED), 4)


def test_tier_splits_between_items_and_repeats_its_header():
    tier = _tier(6)
    assert tier.wrap(300, 1000)[1] == 20 + 7 + 6 * 15 + 5 * 2 + 3
    first, rest = tier.split(300, 20 + 7 + 2 * 15 + 2 + 3)  # room for two items
    assert len(first.items) == 2 and len(rest.items) == 4
    assert first.header is rest.header  # the continuation is never without its heading
    assert first.wrap(300, 1000)[1] <= 20 + 7 + 2 * 15 + 2 + 3


def test_tier_moves_whole_when_not_even_one_item_fits():
    assert _tier(3).split(300, 30) == []
    assert _tier(3).split(300, 1000) != []


def test_a_write_in_label_that_wraps_stays_inside_its_block():
    # "Votre prochain rendez-vous :" wrapped in a narrow column and reached up into the
    # timeline above it.
    import pdfplumber
    from reportlab.lib.colors import black
    from reportlab.lib.styles import ParagraphStyle

    from handouts.flowables import Rules
    from handouts.platypus import Paragraph

    style = ParagraphStyle("l", fontName="Helvetica-Bold", fontSize=12, leading=15)
    rules = Rules(Paragraph("Votre prochain rendez-vous :", style), 1, 18.0, black)
    _, height = rules.wrap(150, 1000)
    with pdfplumber.open(BytesIO(_draw(rules, 150))) as pdf:
        page = pdf.pages[0]
        tops = [page.height - c["y1"] for c in page.chars]  # drawn at y = 0: the block is [0, height]
        lines = {round(c["top"]) for c in page.chars}
    assert len(lines) == 2  # the label wraps
    assert max(page.height - t for t in tops) <= height + 0.5  # and stays inside the block


def _text_tier(items: int) -> TierBox:
    """A tier whose header and items are words, so its parts can be read back."""
    from reportlab.lib.styles import ParagraphStyle

    from handouts.platypus import Paragraph

    style = ParagraphStyle("t", fontName="Helvetica", fontSize=10, leading=12)
    header = Paragraph("Call the clinic", style)
    continued = Paragraph("Call the clinic (continued)", style)
    return TierBox(header, [Paragraph(f"Item {i + 1}", style) for i in range(items)], 300, 7, (1.2, RED), 4, continued=continued)


def _words(flowable) -> str:
    import pdfplumber

    with pdfplumber.open(BytesIO(_draw(flowable, 300))) as pdf:
        return " ".join(line["text"] for line in pdf.pages[0].extract_text_lines())


def test_a_split_tier_leaves_two_items_on_each_side():
    # Room for all but the last item: the break goes one item earlier, so the part in the
    # next column is never a lone item under a "(continued)" heading.
    tier = _text_tier(5)
    full = tier.wrap(300, 1000)[1]
    first, rest = tier.split(300, full - 5)
    assert _words(first) == "Call the clinic Item 1 Item 2 Item 3"
    assert _words(rest) == "Call the clinic (continued) Item 4 Item 5"
    # Three items with room for two: a split would leave one on a side, so it moves whole;
    # with room for one, too.
    three = _text_tier(3)
    height = three.wrap(300, 1000)[1]
    assert three.split(300, height - 5) == []
    assert three.split(300, height / 2) == []


def test_a_tier_that_fits_the_next_column_moves_there_whole():
    # Issue 14, item 2: half the tier fits under what the column holds, and the whole tier
    # fits the next column: it ends this column and goes on whole.
    from handouts.flowables import TwoColumns

    tier = _text_tier(6)
    height = tier.wrap(300, 1000)[1]
    column = height + 40
    content = [Spacer(300, column - height / 2), tier]
    placed, rest, _ = TwoColumns._fill(300, column, content, column)
    assert [f for f, _, _ in placed] == [content[0]] and rest == [tier]
    # Taller than the column it would go on in, or as the last-resort refit (column 0),
    # it splits: its first part fills this column, the rest goes on "(continued)".
    for next_column in (height - 1, 0.0):
        placed, rest, _ = TwoColumns._fill(300, column, content, next_column)
        assert len(placed) == 2 and isinstance(rest[0], TierBox) and rest[0].repeated


@pytest.mark.parametrize(("before", "after", "split"), [(0.6, 0.2, False), (0.4, 0.5, True)])
def test_large_print_splits_a_tier_only_to_save_a_page_or_a_short_page(before, after, split):
    # One column a page: a tier moved whole to the next page leaves the rest of this one
    # empty. After 60% of a page it moves whole (two pages either way, none short); after
    # 40% it splits: whole, this page would be under half full and the handout a page longer.
    from handouts.flowables import LastPage, TwoColumns

    tier = _text_tier(8)
    page = tier.wrap(300, 1000)[1] * 1.5
    content = [Spacer(300, before * page), tier, Spacer(300, after * page)]
    columns = TwoColumns(content, 10, last=LastPage(page, 1 / 3), count=1)
    placed, _ = columns.split(300, page)
    on_page = [f for f, _, _ in placed.columns[0]]
    if split:
        assert len(on_page) == 2 and isinstance(on_page[1], TierBox) and on_page[1] is not tier
    else:
        assert on_page == [content[0]]


def test_a_lead_in_is_not_one_of_the_two_items_a_split_tier_keeps():
    # "Call us if you have:" and one bullet before "(continued)" read as a stub (Korean
    # migraine): the lead-in goes with two items at least, else the tier moves whole.
    from reportlab.lib.styles import ParagraphStyle

    from handouts.flowables import Marked
    from handouts.platypus import Paragraph

    style = ParagraphStyle("t", fontName="Helvetica", fontSize=10, leading=12)
    items = [Paragraph("Call us if you have:", style)] + [Marked(Paragraph(f"Item {i + 1}", style), "bullet", 12, RED) for i in range(5)]
    tier = TierBox(Paragraph("Call the clinic", style), items, 300, 7, (1.2, RED), 4, continued=Paragraph("Call the clinic (continued)", style))
    full = tier.wrap(300, 1000)[1]
    lead_and_one = full - 4 * (12 + 2) - 1  # room for the lead-in and one item
    assert tier.split(300, lead_and_one) == []
    first, rest = tier.split(300, full - 3 * (12 + 2))  # room for the lead-in and two items
    assert "Item 2" in _words(first) and "Item 3" in _words(rest)
