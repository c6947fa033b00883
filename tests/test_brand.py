"""Brand colours: WCAG contrast, and text colours that stay readable."""

from __future__ import annotations

import pytest
from reportlab.lib.colors import HexColor, white

from handouts.brand import Palette, contrast_ratio
from handouts.styles import CALL_COLOUR


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


@pytest.mark.usefixtures("caches_on")
def test_qr_code_is_recorded_once(monkeypatch, tmp_path):
    from handouts.brand import recorded_qr

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert recorded_qr("https://a.example", 60) is recorded_qr("https://a.example", 60)
    assert list((tmp_path / "handouts" / "drawings").glob("*.json"))  # and on disk


def test_an_svg_logo_with_text_is_drawn_not_replayed(tmp_path):
    """Text in a recording would lose its font selection (a page poppler rejects)."""
    from handouts.brand import recorded_svg

    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40"><rect width="100" height="40" fill="#123"/>'
                   '<text x="5" y="25" font-size="14">Clinic</text></svg>')
    assert recorded_svg(svg) is None


def _png(path, size, colour=(200, 30, 30)):
    from PIL import Image

    Image.new("RGB", size, colour).save(path)
    return path


def test_a_large_logo_is_embedded_at_300_dpi_for_its_box(cli, make_clinic, tmp_path):
    from pypdf import PdfReader

    path = make_clinic()
    _png(path.parent / "logo.png", (3000, 1500))
    assert cli("generate", "botox-neck", "--clinic", str(path), "-o", "big.pdf").exit_code == 0
    images = [img for page in PdfReader(str(tmp_path / "big.pdf")).pages for img in page.images]
    assert images and all(max(img.image.size) <= 186 for img in images)
    assert (tmp_path / "big.pdf").stat().st_size < 80_000


def test_a_huge_or_truncated_logo_is_one_line(cli, make_clinic, tmp_path):
    import struct
    import zlib

    path = make_clinic()
    logo = path.parent / "logo.png"
    data = bytearray(_png(logo, (1, 1)).read_bytes())
    data[16:24] = struct.pack(">II", 12_000, 12_000)  # the header claims 144 megapixels
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    logo.write_bytes(bytes(data))
    result = cli("generate", "botox-neck", "--clinic", str(path), "-o", "huge.pdf")
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "clinic.logo" in result.stderr and "12,000 × 12,000 pixels is too large" in result.stderr
    whole = _png(logo, (400, 300)).read_bytes()
    logo.write_bytes(whole[: len(whole) // 2])
    result = cli("generate", "botox-neck", "--clinic", str(path), "-o", "cut.pdf")
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "clinic.logo" in result.stderr and "not a readable image" in result.stderr
    assert not list(tmp_path.glob("*.pdf"))


SVG_TEXT = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80"><rect width="200" height="80" fill="#1f4e79"/>'
    '<text x="10" y="40" font-family="Arial" font-size="24" fill="#fff">{top}</text>'
    '<text x="10" y="70" font-family="Georgia, serif" font-weight="bold" font-size="12" fill="#fff">{bottom}</text></svg>'
)


def _svg_clinic(make_clinic, top: str, bottom: str = "Spine &amp; Pain"):
    path = make_clinic()
    (path.parent / "logo.svg").write_text(SVG_TEXT.format(top=top, bottom=bottom), encoding="utf-8")
    path.write_text(path.read_text().replace('logo = "logo.png"', 'logo = "logo.svg"'))
    return path


def test_an_svg_logos_text_is_drawn_in_embedded_shipped_fonts(cli, make_clinic, tmp_path):
    import subprocess

    path = _svg_clinic(make_clinic, "Riverside")
    assert 'logo = "logo.svg"' in path.read_text()
    result = cli("generate", "botox-neck", "--clinic", str(path), "-o", "x.pdf")
    assert result.exit_code == 0, result.stderr
    pdf = tmp_path / "x.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    # Every font embedded and subset (no Helvetica or Times, no font fontconfig found).
    assert fonts and all(line.split()[-5:-3] == ["yes", "yes"] for line in fonts), fonts
    assert all("AtkinsonHyperlegible" in line or "Fira" in line for line in fonts), fonts
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Riverside" in text and "Spine & Pain" in text


def test_an_svg_logo_in_greek_gets_a_face_that_has_its_letters(cli, make_clinic, tmp_path):
    import subprocess

    path = _svg_clinic(make_clinic, "Ιατρείο Αθηνών")
    result = cli("generate", "botox-neck", "--clinic", str(path), "-o", "x.pdf")
    assert result.exit_code == 0, result.stderr
    text = subprocess.run(["pdftotext", "-l", "1", str(tmp_path / "x.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "Ιατρείο Αθηνών" in text


@pytest.mark.parametrize("top", ["عيادة النور", "क्लिनिक", "Clinic ꦗꦮ"])
def test_svg_logo_text_that_cannot_be_drawn_right_asks_for_outlines(cli, make_clinic, top):
    path = _svg_clinic(make_clinic, top)
    result = cli("generate", "botox-neck", "--clinic", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "clinic.logo" in result.stderr and "outlines" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
