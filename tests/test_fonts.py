"""Fonts: glyph coverage comes from the faces ReportLab draws with, and the subsets a
process embeds are reused without changing a byte of the PDF."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from handouts import speed
from handouts.config import load_clinic
from handouts.errors import GlyphError
from handouts.fonts import (
    check_coverage,
    missing_characters,
    stack_for,
)
from handouts.pipeline import build, make_request
from handouts.speed.subsets import SUBSETS, TO_UNICODE

from .conftest import clinic_template, pdf_text


def _build(lang: str, provider: str = "dr-rivera", visit: dt.date | None = dt.date(2026, 12, 1)) -> bytes:
    clinic = load_clinic(None)
    return build(make_request(clinic, "botox-neck", lang, provider, None, visit)).pdf


@pytest.mark.parametrize("lang", ["en", "zh_Hans", "ar"])
@pytest.mark.usefixtures("caches_on")
def test_cached_subsets_and_paragraphs_give_the_same_bytes(lang):
    speed.clear()
    fresh = _build(lang, visit=None)
    assert len(SUBSETS) and len(TO_UNICODE)  # the build filled the caches...
    again = _build(lang, visit=None)  # ...and this one is served from it
    assert again == fresh
    dated = _build(lang)  # with a visit date, subsets holding its characters are cut afresh
    assert _build(lang) == dated


def test_a_cached_subset_is_never_served_for_another_font_or_text(tmp_path):
    # Vietnamese alone, then after English and Russian have filled the cache: other
    # fonts, other characters, the same subset numbers. Nothing of theirs may leak in.
    SUBSETS.clear()
    alone = _build("vi")
    SUBSETS.clear()
    _build("en")
    _build("ru")
    after = _build("vi")
    assert after == alone
    path = tmp_path / "vi.pdf"
    path.write_bytes(after)
    assert "Tác dụng phụ" in pdf_text(path)


def test_coverage_reads_the_drawing_fonts():
    latin = stack_for("en")
    assert missing_characters(["Café ñ – “quoted”"], latin) == []
    assert missing_characters(["中文"], latin) == ["中", "文"]
    with pytest.raises(GlyphError, match="U\\+4E2D"):
        check_coverage(["中"], latin)
    assert missing_characters(["中文 and Latin"], stack_for("zh_Hans")) == []


def test_regular_and_bold_with_the_same_characters_embed_different_fonts():
    # The same text in two faces gives two subsets with the same character list; each
    # must still embed its own face's outlines.
    from io import BytesIO

    from pypdf import PdfReader
    from reportlab.pdfgen.canvas import Canvas

    family = stack_for("en").base
    buffer = BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=1, initialFontName=family.face())
    for y, face in ((700, family.face()), (680, family.face(bold=True))):
        canvas.setFont(face, 12)
        canvas.drawString(72, y, "Same words")
    canvas.save()
    fonts = PdfReader(BytesIO(buffer.getvalue())).pages[0]["/Resources"]["/Font"]
    embedded = [fonts[name] for name in fonts if "/FontDescriptor" in fonts[name]]
    files = {font["/BaseFont"]: font["/FontDescriptor"]["/FontFile2"].get_data() for font in embedded}
    regular = next(data for name, data in files.items() if "Bold" not in name)
    bold = next(data for name, data in files.items() if "Bold" in name)
    assert regular != bold


def test_italic_text_from_a_clinic_template_embeds_the_italic_face(tmp_path, make_clinic):
    # Italic faces are read only when markup first asks for them; run in a fresh process
    # so that no earlier test has read them already.
    import subprocess
    import sys

    clinic = make_clinic()
    clinic_template(
        clinic,
        '{% extends "builtin:botox-neck/handout.xml.j2" %}\n'
        "{% block before_visit_extra %}<p>Bring <i>your parking ticket</i> and <b><i>your list</i></b>.</p>"
        "{% endblock %}",
    )
    out = tmp_path / "italic.pdf"
    code = (
        "import sys\nfrom handouts.cli import main\n"
        "sys.exit(main(['generate', 'botox-neck', '--clinic', sys.argv[1], '-o', sys.argv[2]]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(clinic), str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    faces = {line.split()[0].split("+")[1] for line in fonts.splitlines()[2:]}
    assert faces == {
        "AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold",
        "AtkinsonHyperlegible-Italic", "AtkinsonHyperlegible-BoldItalic",
    }
    assert "Bring your parking ticket and your list." in pdf_text(out)


@pytest.mark.parametrize("lang", ["en", "es", "zh_Hans", "ja", "ko", "ar", "ru", "vi"])
def test_names_in_latin_greek_and_cyrillic_print_on_every_handout(lang, tmp_path):
    import unicodedata

    import handouts

    names = ["Nguyễn Thị Minh Khai", "Trần Hưng Đạo", "Ōtsuka", "Mōʻī", "Σωκράτης Παπαδόπουλος", "Ольга Иванова"]
    for index, name in enumerate(names):
        pdf = tmp_path / f"{index}.pdf"
        pdf.write_bytes(handouts.render_pdf("botox-neck", lang=lang, patient=name))
        if lang != "ar":  # Arabic's text layer is the subject of the accessibility issue
            assert unicodedata.normalize("NFC", name) in unicodedata.normalize("NFC", pdf_text(pdf)), (lang, name)


@pytest.mark.parametrize("lang", ["zh_Hans", "ja"])
def test_cjk_bold_is_drawn_bold_and_its_latin_in_the_bold_latin_face(lang):
    # WenQuanYi Zen Hei and IPAGothic have no bold face: bold is their outlines filled and
    # stroked (text render mode 2). Digits inside bold text use Atkinson Hyperlegible Bold.
    import io

    import pdfplumber

    from handouts import render_pdf

    pdf = render_pdf("botox-neck", lang=lang, provider="dr-rivera", allow_incomplete=True)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    cjk = "WenQuanYiZenHei-Bold" if lang == "zh_Hans" else "IPAGothic-Bold"
    assert cjk in fonts  # the synthetic bold face, embedded as a face of its own
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        bold_cjk = [c for c in page.chars if cjk in c["fontname"]]
        assert len(bold_cjk) > 20  # headings and the emergency sentence
        # Digits set between bold CJK characters ("拨打911）") are bold too.
        lines: dict[int, list[dict]] = {}
        for c in page.chars:
            lines.setdefault(round(c["matrix"][5]), []).append(c)  # by baseline
        digits = []
        for line in lines.values():
            line.sort(key=lambda c: c["x0"])
            for i, c in enumerate(line):
                if c["text"].isdigit():
                    before = next((d for d in reversed(line[:i]) if not d["text"].isdigit()), None)
                    after = next((d for d in line[i + 1 :] if not d["text"].isdigit()), None)
                    if before and after and cjk in before["fontname"] and cjk in after["fontname"]:
                        digits.append(c)
        assert digits and all(c["fontname"].endswith("AtkinsonHyperlegible-Bold") for c in digits), [c["fontname"] for c in digits]
    from pypdf import PdfReader

    stream = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert b"2 Tr " in stream and b" 0 Tr" in stream
