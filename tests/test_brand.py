"""Brand colours: WCAG contrast, and text colours that stay readable."""

from __future__ import annotations

from reportlab.lib.colors import HexColor, white

from handouts.brand import Palette, contrast_ratio, qr_drawing
from handouts.layout import CALL_COLOUR


def test_contrast_ratio_matches_wcag_examples():
    assert round(contrast_ratio(HexColor("#000000"), white), 1) == 21.0
    assert round(contrast_ratio(HexColor("#777777"), white), 2) == 4.48


def test_heading_colour_is_darkened_until_it_reads():
    palette = Palette.from_hex("#7FB3E6", "#FFB000")  # pale brand colours
    assert contrast_ratio(palette.heading, white) >= 4.5
    assert palette.on_primary != white  # dark text on a pale band


def test_tier_colours_carry_white_text():
    palette = Palette.from_hex("#1F4E79", "#B3261E")
    for colour in (palette.heading, CALL_COLOUR, palette.alert):
        assert contrast_ratio(colour, white) >= 4.5
    pale = Palette.from_hex("#A8D8FF", "#FFC0CB")
    assert contrast_ratio(pale.alert, white) >= 4.5 and contrast_ratio(pale.heading, white) >= 4.5


def test_qr_drawing_is_cached():
    assert qr_drawing("https://a.example", 60) is qr_drawing("https://a.example", 60)
