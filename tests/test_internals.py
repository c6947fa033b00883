"""handouts.internals, the one module that reaches into ReportLab and python-bidi:
each use still does what handouts relies on, with the versions installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _python(code: str, cache: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(cache), "HOME": str(cache)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


LOADED = (
    "import sys, types\n"
    "names = ('PIL.Image', 'uharfbuzz', 'pyphen', 'reportlab.platypus')\n"
    "print('loaded:', *(n for n in names if type(sys.modules.get(n)) is types.ModuleType))\n"
)


def test_an_english_handout_loads_only_harfbuzz_of_them(tmp_path: Path):
    generate = (
        "import sys\nfrom handouts.cli import main\n"
        f"sys.argv = ['handouts', 'generate', 'botox-neck', '-o', {str(tmp_path / 'h.pdf')!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
    )
    _python(generate, tmp_path)  # the first run records the QR code and logo drawings
    assert (tmp_path / "h.pdf").stat().st_size > 10_000
    # uharfbuzz is the one it uses: HarfBuzz kerns the text (issue 14).
    assert _python(generate + LOADED, tmp_path).splitlines()[-1] == "loaded: uharfbuzz"


def test_an_import_statement_does_not_load_them_but_first_use_does(tmp_path: Path):
    code = (
        "import handouts, sys, types\n"
        "import uharfbuzz, pyphen\n"
        "from PIL import Image\n"
        "assert type(uharfbuzz) is not types.ModuleType\n"
        "assert uharfbuzz.Blob(b'') is not None and type(uharfbuzz) is types.ModuleType\n"
        "assert sys.modules['uharfbuzz'] is uharfbuzz\n"
        "assert pyphen.Pyphen(lang='en_US').inserted('hyphenation') == 'hy-phen-ation'\n"
        "assert Image.new('RGB', (2, 2)).size == (2, 2)\n"
        "import PIL; assert PIL.Image is Image is sys.modules['PIL.Image']\n"
        "from reportlab.lib.utils import ImageReader; ImageReader(Image.new('RGB', (3, 1)))\n"
    )
    _python(code, tmp_path)


def test_a_module_that_fails_to_load_fails_again_on_the_next_import(tmp_path: Path):
    (tmp_path / "broken_for_test.py").write_text("raise ValueError('broken on purpose')\n")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from handouts.internals import defer\n"
        "defer('broken_for_test')\n"
        "import broken_for_test\n"
        "for attempt in (1, 2):\n"
        "    try:\n"
        "        broken_for_test.anything if attempt == 1 else __import__('broken_for_test')\n"
        "    except ValueError as error:\n"
        "        print(error)\n"
    )
    assert _python(code, tmp_path).splitlines() == ["broken on purpose", "broken on purpose"]


def test_two_threads_asking_at_once_both_wait_for_one_run(tmp_path: Path):
    (tmp_path / "slow_for_test.py").write_text(
        "import time, builtins\n"
        "builtins.slow_runs = getattr(builtins, 'slow_runs', 0) + 1\n"
        "time.sleep(0.2)\n"
        "VALUE = 42\n"
    )
    code = (
        "import sys, threading, builtins\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from handouts.internals import defer\n"
        "defer('slow_for_test')\n"
        "import slow_for_test\n"
        "got = []\n"
        "threads = [threading.Thread(target=lambda: got.append(slow_for_test.VALUE)) for _ in range(2)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(got, builtins.slow_runs)\n"
    )
    assert _python(code, tmp_path) == "[42, 42] 1"


# --- start-up: patterns compiled on first use -------------------------------------------------


def test_unused_patterns_compile_on_first_use_and_match_as_before():
    code = (
        "import handouts.layout, re\n"
        "from handouts.internals import LazyPattern, lazy_patterns\n"
        "for name, lazy in lazy_patterns().items():\n"
        "    assert type(lazy) is LazyPattern, name\n"
        "    assert lazy._compiled is None, name\n"
        "    real = re.compile(*lazy._args)\n"
        "    for text in ('https://clinic.example.org/neck-care', 'Über-all!', '«中文»', \"'quoted'\"):\n"
        "        for method in ('match', 'search', 'split'):\n"
        "            got, want = getattr(lazy, method)(text), getattr(real, method)(text)\n"
        "            assert (got and got.groups() if method != 'split' else got) == (\n"
        "                want and want.groups() if method != 'split' else want), (name, method, text)\n"
        "    assert lazy.match is lazy.match  # looked up once, then kept\n"
        "assert re.compile is re.compile and re.compile.__module__ == 're'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_other_patterns_compile_as_usual():
    import re

    import handouts.platypus  # noqa: F401

    assert re.compile.__module__ == "re"
    assert isinstance(re.compile("a+"), re.Pattern)


def test_chinese_punctuation_never_starts_a_line():
    from reportlab.lib.styles import ParagraphStyle

    from handouts.fonts import stack_for
    from handouts.internals import KINSOKU_EXTRA
    from handouts.platypus import Paragraph

    face = stack_for("zh_Hans").base.face()
    style = ParagraphStyle("t", fontName=face, fontSize=12, leading=15, wordWrap="CJK")
    text = "这是一个很长的句子，用来测试中文标点；不会出现在行首：对吗？是的！" * 3
    para = Paragraph(text, style)
    para.wrap(100, 1000)
    # Lines of a plain paragraph are (space left, words): the words of each line.
    lines = ["".join(line[1]) for line in para.blPara.lines]
    starts = [line[0] for line in lines if line]
    assert len(starts) > 3 and not set(starts) & set(KINSOKU_EXTRA)
    assert "".join(lines) == text


# --- canvas, fonts and subsets -----------------------------------------------------------------


def test_operators_and_fonts_of_a_document():
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    from handouts import internals
    from handouts.fonts import stack_for

    face = stack_for("en").base.face()
    canvas = Canvas(BytesIO(), invariant=1, initialFontName=face)
    doc = internals.document(canvas)
    before = len(internals.operators(canvas))
    canvas.setFont(face, 12)
    canvas.drawString(72, 700, "Café")
    assert len(internals.operators(canvas)) > before
    assert ord("é") in internals.assigned(face, doc)
    assert face in internals.font_names(doc).values()
    assert ord("é") in internals.cmap(face)


def test_subsets_embedded_from_the_hook_are_what_reportlab_embeds(monkeypatch, tmp_path):
    """The subset hook writes the stream ReportLab would: with every cache off, the font
    file of a handout is the same bytes (decompressed) as ReportLab's own output."""
    from pypdf import PdfReader

    import handouts

    pdf = tmp_path / "h.pdf"
    pdf.write_bytes(handouts.render_pdf("botox-neck", lang="es"))
    fonts = [f for page in PdfReader(str(pdf)).pages for f in page["/Resources"]["/Font"].values()]
    files = [f.get_object()["/FontDescriptor"]["/FontFile2"].get_object() for f in fonts]
    assert files and all(f.get_data()[:4] in (b"\x00\x01\x00\x00", b"true") for f in files)
    assert all(f["/Length1"] == len(f.get_data()) for f in files)


def test_numbered_canvas_knows_the_page_count():
    from io import BytesIO

    from handouts import internals

    seen = []
    maker = internals.numbered_canvas(lambda canv, page, total: seen.append((page, total)), "en", "Helvetica")
    canvas = maker(BytesIO())
    for _ in range(3):
        canvas.showPage()
    canvas.save()
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_counting_canvas_counts_pages_and_writes_nothing():
    from io import BytesIO

    from handouts import internals

    out = BytesIO()
    canvas = internals.counting_canvas("en", "Helvetica")(out)
    for _ in range(3):
        canvas.drawString(10, 10, "text")
        canvas.showPage()
    assert canvas.getPageNumber() == 4  # the page it would draw next
    canvas.save()
    assert out.getvalue() == b""


def test_widths_are_written_as_formatted_and_read_back():
    # A font whose /Widths arrays come from a formatter: the PDF carries the bytes it
    # gives, and they read back as the glyphs' widths.
    from io import BytesIO

    import pypdf
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    from handouts import internals

    # A face handouts never registers (ReportLab hands out the font already registered
    # for a face name, which handouts' own hook formats).
    font = TTFont("WidthsTest", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
    pdfmetrics.registerFont(font)
    asked = []

    def formatted(doc, widths, make):
        asked.append(widths)
        return make()

    internals.format_widths_with(font, formatted)
    out = BytesIO()
    canvas = Canvas(out, invariant=1)
    canvas.setFont("WidthsTest", 12)
    canvas.drawString(10, 10, "Hi")
    canvas.save()
    assert asked
    fonts = pypdf.PdfReader(out).pages[0]["/Resources"]["/Font"]
    (pdf_font,) = [f.get_object() for f in fonts.values() if f.get_object()["/Subtype"] == "/TrueType"]
    widths = [float(w) for w in pdf_font["/Widths"]]
    assert widths == pytest.approx([float(w) for w in asked[0]], abs=1e-3)  # as written, to 4 places
    # "H" and "i" keep their ASCII codes in the first subset: their widths are the font's.
    assert widths[ord("H")] == pytest.approx(font.stringWidth("H", 1000)) and widths[ord("i")] == pytest.approx(font.stringWidth("i", 1000))


def test_bidi_levels_follow_uax9():
    from handouts.internals import bidi_levels

    # Arabic letters are level 1; digits inside right-to-left text level 2.
    text = "\u0627\u0628 12"
    levels = dict(bidi_levels(text))
    assert levels[0] == 1 and levels[1] == 1
    assert levels[3] == 2 and levels[4] == 2
    # an embedded left-to-right run is level 2, and the controls are removed (X9)
    embedded = dict(bidi_levels("\u0627 \u202aAB\u202c"))
    assert 2 not in embedded and embedded[3] == 2 and embedded[4] == 2


def test_pil_image_of_a_logo_reader():
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    from handouts.internals import pil_image

    image = Image.new("RGB", (3, 2))
    assert pil_image(ImageReader(image)).size == (3, 2)


# --- shaping, text layer, kinsoku across fonts, split copies, synthetic bold ------------------


def _content(draw) -> bytes:  # noqa: ANN001
    """The first page's content stream after ``draw(canvas)``."""
    from io import BytesIO

    from pypdf import PdfReader

    return PdfReader(BytesIO(_pdf(draw))).pages[0].get_contents().get_data()


def test_a_word_in_two_fonts_is_shaped_per_font_and_carries_its_text():
    # Greek in Fira Sans followed by a danda in Hind, one word, shaped: ReportLab read
    # Fira's glyph numbers in Hind (IndexError cutting the subset).
    from reportlab.lib.styles import ParagraphStyle

    from handouts.fonts import stack_for
    from handouts.platypus import Paragraph

    stack = stack_for("hi")
    fira = next(f for f in stack.families if f.name == "Fira Sans")
    style = ParagraphStyle("t", fontName=stack.base.face(), fontSize=12, leading=15, shaping=1)
    markup = f'गर्दन <font face="{fira.face()}">Παπαδόπουλος</font>। दर्द'
    para = Paragraph(markup, style)
    para.wrap(300, 100)
    stream = _content(lambda canvas: para.drawOn(canvas, 10, 700))
    assert b"/ActualText" in stream  # the conjuncts' text rides along


def test_cjk_lines_in_several_fonts_are_mended():
    from reportlab.lib.styles import ParagraphStyle

    from handouts.fonts import stack_for
    from handouts.internals import CANNOT_END
    from handouts.platypus import Paragraph

    stack = stack_for("zh_Hans")
    latin = stack.families[0].face()
    style = ParagraphStyle("t", fontName=stack.base.face(), fontSize=12, leading=15, wordWrap="CJK")
    text = f'如果出现这些情况，请立即求助（拨打<font face="{latin}">911</font>），即使是在注射几周之后。' * 4
    for width in range(120, 260, 7):
        para = Paragraph(text, style)
        para.wrap(width, 1000)
        lines = ["".join(w.text for w in line.words) for line in para.blPara.lines]
        assert not any(line[-1:] in CANNOT_END for line in lines[:-1]), (width, lines)
        assert not any(line[:1] in "、。，）" for line in lines[1:]), (width, lines)


def test_a_split_leaves_the_paragraphs_own_lines_as_they_were():
    from reportlab.lib.styles import ParagraphStyle

    from handouts.fonts import stack_for
    from handouts.internals import detach_lines
    from handouts.platypus import Paragraph

    stack = stack_for("ja")
    latin = stack.families[0].face()
    style = ParagraphStyle("t", fontName=stack.base.face(), fontSize=12, leading=15, wordWrap="CJK")
    para = Paragraph(f'血をサラサラにする薬など、どの薬も、<font face="{latin}">Botox</font>私たちの指示なしにやめないでください。' * 3, style)
    para.wrap(150, 1000)
    before = repr(para.blPara.lines)
    kept = para.blPara
    detach_lines(para)
    para.split(150, 40)
    assert repr(kept.lines) == before


def test_a_synthetic_bold_face_is_a_face_of_its_own_drawn_filled_and_stroked():
    from reportlab.pdfbase.pdfmetrics import getFont

    import handouts.platypus  # noqa: F401 (installs the text hook that strokes synthetic bold)
    from handouts.fonts import stack_for

    base = stack_for("zh_Hans").base
    regular, bold = getFont(base.face()), getFont(base.face(bold=True))
    assert regular is not bold and regular.face.name != bold.face.name

    def draw(canvas) -> None:  # noqa: ANN001
        canvas.setFont(base.face(bold=True), 12)
        canvas.drawString(10, 700, "立即求助")

    assert b"2 Tr" in _content(draw)


def test_a_sibling_face_shares_the_parsed_tables_but_nothing_a_document_changes():
    from reportlab.pdfbase.ttfonts import TTFont

    import handouts.platypus  # noqa: F401 (installs the text hook that strokes synthetic bold)
    from handouts import internals
    from handouts.fonts import stack_for

    path = stack_for("en").base.files(italic=False)["AtkinsonHyperlegible"]
    read = TTFont("SiblingTest", str(path))
    twin = internals.sibling(read, "SiblingTest-Bold")
    assert twin.fontName == "SiblingTest-Bold" and read.fontName == "SiblingTest"
    assert twin.face is not read.face and twin.face.charToGlyph is read.face.charToGlyph
    assert twin.state is not read.state and twin.encoding is not read.encoding
    internals.embolden(twin, 0.035)
    assert read.face.name == b"AtkinsonHyperlegible-Regular" and twin.face.name == read.face.name + b"-Bold"
    assert not hasattr(read, "_handouts_embolden")

    def draw(canvas) -> None:  # noqa: ANN001
        from reportlab.pdfbase import pdfmetrics

        pdfmetrics.registerFont(read)
        pdfmetrics.registerFont(twin)
        canvas.setFont("SiblingTest", 12)
        canvas.drawString(10, 700, "Call us")
        canvas.setFont("SiblingTest-Bold", 12)
        canvas.drawString(10, 680, "Call us")

    content = _content(draw)
    assert b"2 Tr" in content  # the twin draws bold, the face it was copied from does not
    assert content.count(b"Tf") >= 2


def test_a_chinese_synthetic_bold_is_read_once_from_its_file():
    from reportlab.pdfbase.pdfmetrics import getFont

    from handouts.fonts import stack_for

    base = stack_for("zh_Hans").base
    regular, bold = getFont(base.face()), getFont(base.face(bold=True))
    assert regular.face.charToGlyph is bold.face.charToGlyph
    assert regular.state is not bold.state


def test_pages_get_structure_entries_and_reference_by_number():
    import io

    from pypdf import PdfReader

    from handouts import internals

    out = io.BytesIO()
    shown = []

    def on_shown(canv, page):  # noqa: ANN001, ANN202
        internals.set_last_page_entries(canv, {"StructParents": page - 1, "Tabs": "/S"})
        shown.append(page)

    def on_save(canv, total):  # noqa: ANN001, ANN202
        canv.setCatalogEntry("OpenAction", [internals.page_reference(2), "/Fit"])  # open at page 2

    canvas_class = internals.numbered_canvas(lambda canv, page, total: None, "en", "Helvetica", on_shown=on_shown, on_save=on_save)
    canv = canvas_class(out)
    canv.drawString(72, 72, "one")
    canv.showPage()
    canv.drawString(72, 72, "two")
    canv.showPage()
    canv.save()
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert shown == [1, 2]
    assert [(p["/StructParents"], p["/Tabs"]) for p in reader.pages] == [(0, "/S"), (1, "/S")]
    action = reader.trailer["/Root"]["/OpenAction"]
    assert action[0].idnum == reader.pages[1].indirect_reference.idnum


def test_to_unicode_maps_presentation_forms_to_letters():
    """ReportLab writes each code's drawn character; the hook writes the letters a
    presentation form or ligature stands for (an Arabic ligature's in reading order)."""
    from reportlab.pdfbase import ttfonts

    import handouts.platypus  # noqa: F401 (installs the hooks)

    cmap = ttfonts.makeToUnicodeCMap("X", [0x41, 0xFEDF, 0xFEFB, 0xFB01, 0])
    lines = cmap.split("\n")
    assert "4 beginbfchar" in lines and not any(line.startswith("<04>") for line in lines)  # a free code maps to nothing
    assert "<00> <0041>" in lines
    assert "<01> <0644>" in lines  # lam, initial form -> lam
    assert "<02> <06440627>" in lines  # lam-alef -> lam, alef (reading order; poppler reads Arabic words' spans)
    assert "<03> <00660069>" in lines  # fi -> f, i
    assert ttfonts.makeToUnicodeCMap("Y", [0x41, 0x42]).split("\n")[-7:] == [
        "<00> <0041>", "<01> <0042>", "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ]


# --- kerning only, HarfBuzz runs of the bidi paragraph (sections 10 and 12) ------------------


def test_latin_faces_are_kerned_without_ligatures():
    # Fira Sans has an "fi" ligature; it would be one glyph for two letters.
    import subprocess

    from reportlab.lib.styles import ParagraphStyle

    from handouts.platypus import Paragraph

    fira = next(f for f in _stack("ru").families if f.name == "Fira Sans")
    style = ParagraphStyle("t", fontName=fira.face(), fontSize=12, leading=15, shaping=1)
    para = Paragraph("Your office file", style)
    para.wrap(300, 100)
    stream = _content(lambda canvas: para.drawOn(canvas, 10, 700))
    assert b"TJ" in stream and b"/ActualText" not in stream  # kerned ("Yo"), each glyph its letter
    pdf = _pdf(lambda canvas: para.drawOn(canvas, 10, 700))
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Your office file" in text


def test_a_korean_handout_shapes_its_latin_words_but_never_reads_nanumgothic_into_harfbuzz(tmp_path: Path):
    # Shaping a Hangul run would read the whole face (4.7 MB) into HarfBuzz in every
    # worker and change none of its glyphs.
    code = (
        "import datetime\nfrom handouts import render_pdf\nfrom reportlab.pdfbase.pdfmetrics import getFont\n"
        "render_pdf('botox-neck', lang='ko', provider='dr-rivera', visit_date=datetime.date(2026, 12, 1))\n"
        "print(*(name for name in ('AtkinsonHyperlegible', 'NanumGothic', 'NanumGothic-Bold')"
        " if getattr(getFont(name), '__hbFace__', None) is not None))\n"
    )
    assert _python(code, tmp_path).splitlines()[-1] == "AtkinsonHyperlegible"


def test_a_run_is_shaped_with_the_fonts_ligatures_and_positions():
    from handouts.internals import shape_run

    face = _stack("ar").base.face()
    (glyph,) = shape_run(face, "في", rtl=True)
    assert glyph.char == "\ufc32" and not glyph.private and glyph.cluster == 0
    glyphs = shape_run(face, "يُحقن", rtl=True)
    assert [g.cluster for g in glyphs] == [4, 3, 2, 1, 0]  # visual order
    mark = glyphs[3]
    assert mark.char == "\u064f" and mark.advance == 0 and mark.y_offset > 0  # the damma sits above


def test_glyphs_without_a_character_are_numbered_alike_in_every_process(tmp_path):
    # "خارج" takes two contextual forms no character maps to: private-use codes, the
    # same whichever text a process shaped first.
    code = (
        "import handouts\n"
        "from handouts.fonts import stack_for\n"
        "from handouts.internals import shape_run\n"
        "face = stack_for('ar').base.face()\n"
        "first = {first!r}\n"
        "if first: shape_run(face, first, True)\n"
        "print([hex(ord(g.char)) for g in shape_run(face, 'خارج', True) if g.private])\n"
    )
    runs = {_python(code.format(first=first), tmp_path) for first in ("", "تدلٍّ", "نقاط مهمة")}
    assert len(runs) == 1 and "0xe" in runs.pop()


def test_a_told_run_gets_its_span_even_when_its_text_is_its_glyphs():
    from handouts.internals import shape_run, shaped_string

    face = _stack("ar").base.face()
    glyphs = shape_run(face, "نقاط", rtl=True)
    plain, told = shaped_string(glyphs), shaped_string(glyphs, "".join(g.char for g in glyphs))

    def draw(text):  # noqa: ANN001, ANN202
        def on(canvas) -> None:  # noqa: ANN001
            canvas.setFont(face, 12)
            canvas.drawString(10, 700, text)

        return on

    assert b"/ActualText" not in _content(draw(plain))
    assert b"/ActualText" in _content(draw(told))


def _stack(language: str):  # noqa: ANN201
    from handouts.fonts import stack_for

    return stack_for(language)


def _pdf(draw) -> bytes:  # noqa: ANN001
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    buffer = BytesIO()
    canvas = Canvas(buffer, invariant=1)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_cjk_lines_keep_a_phone_number_and_kinsoku_in_one_font_too():
    # ReportLab broke a Latin run at its no-break space ("(555) " / "010-0199）"), and a
    # paragraph in one font went to textsplit.wordSplit, which lets "（" end a line.
    from reportlab.lib.styles import ParagraphStyle

    from handouts.flowables import TextParagraph
    from handouts.fonts import stack_for
    from handouts.internals import CANNOT_END

    stack = stack_for("ja")
    latin = stack.families[0].face()
    style = ParagraphStyle("t", fontName=stack.base.face(), fontSize=18, leading=27, wordWrap="CJK")
    mixed = f'次の場合は<font face="{latin}">(555)\u00a0010-0100</font>（時間外：<font face="{latin}">(555)\u00a0010-0199</font>）に電話してください。'
    single = "血をサラサラにする薬など（どの薬も）、私たちの指示なしにやめないでください。" * 3
    for width in range(150, 420, 9):
        for text in (mixed, single):
            para = TextParagraph(text, style)
            para.wrap(width, 1000)
            lines = ["".join(w.text for w in line.words) for line in para.blPara.lines]
            assert all("(555)\u00a0010-01" in line for line in lines if "(555)" in line), (width, lines)
            assert not any(line[-1:] in CANNOT_END for line in lines[:-1]), (width, lines)
            assert not any(line[:1] in "、。，）" or line[:1].isspace() for line in lines[1:]), (width, lines)
