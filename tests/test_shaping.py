"""Shaping and kerning (issue 14): text is kerned with the fonts' own GPOS data, Arabic
is joined by HarfBuzz with the font's own ligatures, and the text layer still reads as
the text. Expected widths are worked out with uharfbuzz here, from the font files."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pdfplumber
import pytest
import uharfbuzz
from pypdf import PdfReader

from handouts import render_pdf
from handouts.fonts import stack_for

LANGUAGES = ("en", "ru", "vi", "ar")
# Phrases each handout's text layer must give back as typed (headings and body text).
PHRASES = {
    "en": ("Botox injections for neck pain", "Key points", "How the treatment works", "Get emergency help now"),
    "ru": ("Инъекции Botox при боли в шее", "Главное", "Срочно вызовите скорую"),
    "vi": ("Tiêm Botox trị đau cổ", "Điểm chính", "Bản dịch nháp"),
    "ar": ("نقاط مهمة", "كيف يعمل العلاج", "يفيد العلاج الطبيعي أكثر ما يكون"),
}


@cache
def handout(lang: str) -> bytes:
    return render_pdf("botox-neck", lang=lang, provider="dr-rivera", visit_date=datetime.date(2026, 12, 1))


def text_layer(pdf: bytes) -> str:
    """What pdftotext reads, compared as a user would: NFKC (Arabic presentation forms
    become letters), without the bidi marks poppler adds, whitespace collapsed."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    text = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    return re.sub(r"\s+", " ", text)


def hb_width(path: Path, text: str, size: float, features: dict[str, bool] | None = None) -> float:
    """The advance of ``text`` shaped by HarfBuzz, in points."""
    font = uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path))))
    buf = uharfbuzz.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    uharfbuzz.shape(font, buf, features or {})
    return sum(p.x_advance for p in buf.glyph_positions) * size / font.face.upem


def kerning_adjustments(pdf: bytes, page: int = 0) -> int:
    """Non-zero numbers between the strings of TJ arrays on a page."""
    data = PdfReader(io.BytesIO(pdf)).pages[page].get_contents().get_data()
    arrays = re.findall(rb"\[((?:\((?:\\.|[^\\)])*\)|[^\]()])*)\]\s*TJ", data)
    return sum(1 for a in arrays for n in re.findall(rb"\)\s*(-?[\d.]+)\s*(?=\()", a) if float(n))


def test_the_english_handout_is_kerned():
    # Before issue 14: no TJ adjustment at all on page 1 (Typst sets about 80).
    assert kerning_adjustments(handout("en")) >= 80


@pytest.mark.parametrize("lang", ("ru", "vi"))
def test_cyrillic_and_vietnamese_are_kerned(lang):
    assert kerning_adjustments(handout(lang)) >= 80


def test_a_bold_heading_measures_what_harfbuzz_says():
    # "Your care team", 16 pt bold: "Your" measured 2.20 em unkerned, 2.12 em kerned.
    atkinson = stack_for("en").base
    path = atkinson.files()[atkinson.face(bold=True)]
    kerned, plain = hb_width(path, "Your", 16), hb_width(path, "Your", 16, {"kern": False})
    assert plain - kerned > 1.0  # the font kerns "Yo" (else this test proves nothing)
    with pdfplumber.open(io.BytesIO(handout("en"))) as pdf:
        for page in pdf.pages:
            chars = page.chars
            text = "".join(c["text"] for c in chars)
            at = text.find("Your care team")
            if at >= 0:
                break
        else:
            pytest.fail("no 'Your care team' heading")
    word = chars[at : at + 4]
    assert {round(c["size"]) for c in word} == {16} and all("Bold" in c["fontname"] for c in word)
    # x1 of "r" is its own advance (no kerning after "r" before the space).
    assert word[-1]["x1"] - word[0]["x0"] == pytest.approx(kerned, abs=0.05)


def test_arabic_is_joined_by_the_fonts_own_ligatures():
    # "في" (in) is one glyph in IBM Plex Sans Arabic, 8.7 pt wide at 12 pt; the
    # presentation forms drawn before (initial feh, final yeh) took 13.6 pt.
    from reportlab.pdfgen.canvas import Canvas

    from handouts.brand import Palette
    from handouts.layout import Styles

    stack = stack_for("ar")
    path = stack.base.files()[stack.base.face()]
    ligature = hb_width(path, "في", 12)
    forms = hb_width(path, "\ufed3\ufef2", 12, {"init": False, "medi": False, "fina": False, "liga": False, "rlig": False, "calt": False})
    assert ligature < forms - 3
    para = Styles(stack, Palette.from_hex("#1F4E79", "#B3261E"), 12, "ar", True).para("في")
    para.wrap(200, 100)
    assert para.getActualLineWidths0() == [pytest.approx(ligature, abs=0.01)]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    para.drawOn(canvas, 100, 700)
    canvas.showPage()
    canvas.save()
    with pdfplumber.open(io.BytesIO(buffer.getvalue())) as pdf:
        chars = pdf.pages[0].chars
    assert "".join(c["text"] for c in chars) == "في"  # one glyph; the ToUnicode map has its letters
    assert max(c["x1"] for c in chars) - min(c["x0"] for c in chars) == pytest.approx(ligature, abs=0.05)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_text_layer_reads_as_the_text(lang):
    text = text_layer(handout(lang))
    for phrase in PHRASES[lang]:
        assert phrase in text
    assert not [c for c in text if 0xE000 <= ord(c) <= 0xF8FF]  # no private-use glyph codes
    assert not [c for c in subprocess.run(["pdftotext", "-", "-"], input=handout(lang), capture_output=True).stdout.decode() if 0xFB00 <= ord(c) <= 0xFB06]


def test_an_arabic_word_kerned_apart_reads_as_one_word():
    # Plex Sans Arabic kerns "أ" 0.14 em away from the "ك" after it; poppler read
    # "أكثر" as two words until each word was drawn inside one /ActualText span.
    words = text_layer(handout("ar")).split()
    assert "أكثر" in words and "أ" not in words


def test_a_vowel_mark_reads_after_its_letter():
    assert "يُحقن" in text_layer(handout("ar"))


def test_a_devanagari_heading_is_drawn_as_harfbuzz_shapes_it():
    # "मुख्य बातें" (Key points), 16 pt Hind Bold: the conjunct "ख्य" and "ें" are glyphs of
    # their own, and the heading is as wide as HarfBuzz sets it (57.4 pt; 61.3 pt with
    # the letters set one by one).
    from handouts.i18n import resolve_language, translations_for

    title = translations_for(resolve_language("hi")).gettext("Key points")
    hind = stack_for("hi").base
    path = hind.files()[hind.face(bold=True)]
    pdf = render_pdf("botox-neck", lang="hi", provider="dr-rivera", visit_date=datetime.date(2026, 12, 1))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        headings = [c for c in page.chars if round(c["size"]) == 16 and c["x1"] < page.width / 2 and c["text"].strip()]
        top = min(c["top"] for c in headings)  # the key points' title, the first heading down the page
        glyphs = [c for c in headings if abs(c["top"] - top) < 2]
    assert len(glyphs) < len(title.replace(" ", ""))
    assert max(c["x1"] for c in glyphs) - min(c["x0"] for c in glyphs) == pytest.approx(hb_width(path, title, 16), abs=0.05)


def latin_arrays(pdf: bytes, page: int = 0) -> dict[str, int]:
    """The text of each TJ array on a page whose strings are readable ASCII (the Latin
    faces' first subset), with its count of non-zero adjustments."""
    data = PdfReader(io.BytesIO(pdf)).pages[page].get_contents().get_data()
    out = {}
    for array in re.findall(rb"\[((?:\((?:\\.|[^\\)])*\)|[^\]()])*)\]\s*TJ", data):
        text = b"".join(re.findall(rb"\(((?:\\.|[^\\)])*)\)", array)).replace(b"\\(", b"(").replace(b"\\)", b")")
        out[text.decode("latin-1")] = sum(1 for n in re.findall(rb"\)\s*(-?[\d.]+)\s*(?=\()", array) if float(n))
    return out


@pytest.mark.parametrize("lang", ("ja", "zh_Hans"))
def test_latin_in_chinese_and_japanese_lines_is_kerned_and_reads_as_typed(lang):
    # ReportLab's CJK line breaker never shapes: before, every Latin word of these
    # handouts ("Botox", the clinic, the provider, URLs) was drawn unkerned (Tj).
    pdf = handout(lang)
    arrays = latin_arrays(pdf)
    for name in ("Sample Neck & Spine Clinic (demo)", "Ana Rivera, MD"):  # the band, the provider line
        assert arrays.get(name, 0) > 0, (name, arrays)
    assert kerning_adjustments(pdf) >= 10
    text = text_layer(pdf)
    for phrase in ("Sample Neck & Spine Clinic (demo)", "Botox", "Ana Rivera, MD", "(555) 010-0100"):
        assert phrase in text, phrase


def text_operators(pdf: bytes, page: int = 0) -> list[tuple[str, bytes, int]]:
    """Each text-showing operator of a page (Tj or TJ) as (its font's name, its
    strings' bytes, its count of non-zero adjustments)."""
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {name: ref.get_object()["/BaseFont"] for name, ref in reader.pages[page]["/Resources"]["/Font"].items()}
    data = reader.pages[page].get_contents().get_data()
    font, out = "", []
    pattern = rb"(/\S+) [\d.]+ Tf|\[((?:\((?:\\.|[^\\)])*\)|[^\]()])*)\]\s*TJ|(\((?:\\.|[^\\)])*\))\s*Tj"
    for match in re.finditer(pattern, data):
        if match.group(1):
            font = str(fonts.get(match.group(1).decode(), ""))
            continue
        shown = match.group(2) if match.group(2) is not None else match.group(3)
        adjustments = sum(1 for n in re.findall(rb"\)\s*(-?[\d.]+)\s*(?=\()", shown) if float(n))
        out.append((font, shown, adjustments))
    return out


@pytest.mark.parametrize("procedure", ("botox-neck", "botox-migraine"))
def test_latin_in_korean_paragraphs_is_kerned_and_the_hangul_is_not_shaped(procedure):
    # Korean breaks between words like Latin, but was not shaped (so NanumGothic would
    # not be read into HarfBuzz): its Latin words (the clinic, the provider, "FDA",
    # "Botox", dates) were drawn unkerned (Tj only).
    pdf = render_pdf(procedure, lang="ko", provider="dr-rivera", visit_date=datetime.date(2026, 12, 1))
    arrays = latin_arrays(pdf)
    for name in ("Sample Neck & Spine Clinic (demo)", "Ana Rivera, MD"):  # the band, the provider line
        assert arrays.get(name, 0) > 0, (name, arrays)
    assert kerning_adjustments(pdf) >= 10
    # The Hangul (NanumGothic, which kerns no Hangul) is drawn as before: each glyph at
    # its own advance, its letters as typed, with no /ActualText span.
    operators = text_operators(pdf)
    hangul = [op for op in operators if "Nanum" in op[0]]
    assert len(hangul) > 100 and not [op for op in hangul if op[2]]
    assert b"/ActualText" not in PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    text = text_layer(pdf)
    for phrase in ("Sample Neck & Spine Clinic (demo)", "Botox", "Ana Rivera, MD", "(555) 010-0100", "FDA", "핵심 내용", "치료 원리"):
        assert phrase in text, phrase
    assert not [c for c in text if 0xE000 <= ord(c) <= 0xF8FF]  # no private-use glyph codes
