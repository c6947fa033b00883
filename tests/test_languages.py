"""Every shipped language, generated with a visit date and checked in the PDF."""

from __future__ import annotations

import datetime as dt
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from babel import Locale
from babel.dates import format_date
from click.testing import CliRunner
from pypdf import PdfReader

from handouts.catalogs import check, status
from handouts.cli import main
from handouts.i18n import available_languages, long_date, resolve_language, translations_for
from handouts.typography import date_text

from .conftest import pdf_text

SHIPPED = ["en", "es", "zh_Hans", "zh_Hant", "vi", "ko", "fil", "ru", "ar", "ht", "pt_BR", "fr", "pl", "ja", "hi"]
# Scripts whose text pypdf extracts in reading order. Arabic comes out as presentation
# forms in visual order and Devanagari as shaped glyphs: they get checks of their own.
EXTRACTS_CLEANLY = [code for code in SHIPPED if code not in ("ar", "hi")]
VISIT = dt.date(2026, 12, 1)
DRAFT_EN = "Draft translation — not yet reviewed by a qualified medical translator"


@pytest.fixture(scope="module")
def handouts(tmp_path_factory) -> dict[str, Path]:
    """One handout per language (generated once for the module)."""
    out = tmp_path_factory.mktemp("langs")
    runner = CliRunner()
    paths = {}
    for code in SHIPPED:
        path = out / f"{code}.pdf"
        result = runner.invoke(
            main, ["generate", "botox-neck", "--lang", code, "--provider", "dr-rivera", "--visit-date", VISIT.isoformat(), "-o", str(path)]
        )
        assert result.exit_code == 0, f"{code}: {result.output}"
        paths[code] = path
    return paths


def test_all_fifteen_languages_ship():
    assert sorted(available_languages()) == sorted(SHIPPED)


@pytest.mark.parametrize("code", SHIPPED)
def test_pages_and_embedded_fonts(handouts, code):
    reader = PdfReader(str(handouts[code]))
    assert len(reader.pages) <= (2 if code == "en" else 3)
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert "+" in font["/BaseFont"], f"{code}: {font['/BaseFont']} not subset"
            assert "/FontFile2" in font["/FontDescriptor"], f"{code}: {font['/BaseFont']} not embedded"


@pytest.mark.parametrize("code", SHIPPED)
def test_no_markup_prints_as_text(handouts, code):
    # Inline tags in a translation (<b>, <phone>, <url>) are markup, never text: the
    # MedWatch line's <url> once printed in every translation.
    text = subprocess.run(["pdftotext", str(handouts[code]), "-"], capture_output=True, text=True, check=True).stdout
    assert "<" not in text and "&lt;" not in text and "&amp;" not in text


@pytest.mark.parametrize("code", EXTRACTS_CLEANLY)
def test_website_address_is_never_broken_across_lines(handouts, code):
    # Chinese and Japanese lines break between any two characters; the address must
    # still be typeable from the page.
    lines = subprocess.run(["pdftotext", "-layout", str(handouts[code]), "-"], capture_output=True, text=True, check=True).stdout
    assert any("clinic.example.org/neck-care" in line for line in lines.splitlines())


@pytest.mark.parametrize("code", EXTRACTS_CLEANLY)
def test_translated_title_and_visit_date(handouts, code):
    language = resolve_language(code)
    text = unicodedata.normalize("NFC", pdf_text(handouts[code])).replace("\u00a0", " ")
    title = translations_for(language).gettext("Botox injections for neck pain")
    # As the handout formats it: CLDR, or the project's overlay where CLDR has none (ht).
    # (French prints the first of the month "1er": handouts.typography.)
    visit = date_text(long_date(VISIT, language.locale), code).replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    compact = text.replace(" ", "")
    assert title.replace(" ", "") in compact, f"{code}: title {title!r} missing"
    assert visit.replace(" ", "") in compact, f"{code}: visit date {visit!r} missing"


@pytest.mark.parametrize("code", [c for c in SHIPPED if c != "en"])
def test_draft_notice_in_english_and_in_the_language(handouts, code):
    text = pdf_text(handouts[code])
    assert DRAFT_EN in unicodedata.normalize("NFKC", text)  # NFKC: HarfBuzz may ligate "fi"
    if code in EXTRACTS_CLEANLY:
        notice = translations_for(resolve_language(code)).gettext(DRAFT_EN)
        assert notice != DRAFT_EN and notice.replace(" ", "") in unicodedata.normalize("NFC", text).replace(" ", "")


def test_english_has_no_draft_notice(handouts):
    assert "Draft translation" not in pdf_text(handouts["en"])


def _line_chars(page, top: float) -> list[dict]:
    return sorted((c for c in page.chars if abs(c["top"] - top) < 2 and c["text"].strip()), key=lambda c: c["x0"])


def test_arabic_reads_right_to_left(handouts):
    heading = translations_for(resolve_language("ar")).gettext("Key points")  # "نقاط مهمة"
    with pdfplumber.open(handouts["ar"]) as pdf:
        page = pdf.pages[0]
        lines: dict[int, list[dict]] = {}
        for c in page.chars:
            if round(c["size"]) == 16 and c["text"].strip():
                lines.setdefault(round(c["top"]), []).append(c)
        # Reading each line's glyphs from the right edge must give the logical text.
        found = [
            chars for chars in lines.values()
            if heading.replace(" ", "") in "".join(unicodedata.normalize("NFKC", c["text"]) for c in sorted(chars, key=lambda c: -c["x0"]))
        ]
        assert found, "heading not found in right-to-left order"
        # ... and not left to right (the test would pass for a palindrome).
        assert heading.replace(" ", "") not in "".join(unicodedata.normalize("NFKC", c["text"]) for c in sorted(found[0], key=lambda c: c["x0"]))
        # The whole page mirrors: the Key points heading sits at the right of the page.
        assert min(c["x0"] for c in found[0]) > page.width * 0.5


def test_arabic_visit_date_as_babel_formats_it(handouts):
    """Arabic is stored in visual order; depending on the extractor the words come back
    in logical or in visual letter order, so either is accepted, word by word. Read as
    poppler reads it: HarfBuzz joins "بر" in "ديسمبر" into one glyph, and pypdf (which
    ignores each word's /ActualText) puts a glyph of several letters apart from the
    rest of its word, as it did "لأ" in "لألم" before."""
    visit = format_date(VISIT, format="long", locale=Locale.parse("ar"))  # "1 ديسمبر 2026"
    text = unicodedata.normalize("NFKC", subprocess.run(["pdftotext", str(handouts["ar"]), "-"], capture_output=True, check=True, text=True).stdout)
    for word in visit.split():
        assert word in text or word[::-1] in text, f"{word!r} of {visit!r} not found"
    month = next(w for w in visit.split() if not w.isdigit())
    assert month in text or month[::-1] in text


def test_arabic_keeps_numbers_left_to_right(handouts):
    with pdfplumber.open(handouts["ar"]) as pdf:
        words = [w for p in pdf.pages for w in p.extract_words()]
    phone = [w for w in words if w["text"].endswith("(555)")]
    assert phone
    for w in phone:  # "(555)" stands left of "010-0100" on its line, as in English
        rest = [o for o in words if abs(o["top"] - w["top"]) < 2 and o["text"].startswith("010-")]
        assert rest and all(o["x0"] > w["x0"] for o in rest)


def test_arabic_timeline_runs_right_to_left(handouts):
    with pdfplumber.open(handouts["ar"]) as pdf:
        words = [w for page in pdf.pages for w in page.extract_words()]
    rows: dict[int, list[dict]] = {}
    for w in words:
        rows.setdefault(round(w["top"]), []).append(w)
    axis = next(ws for ws in rows.values() if {w["text"] for w in ws} >= {"0", "4", "8", "12", "16", "20"})
    x = {w["text"]: w["x0"] for w in axis}
    assert x["0"] > x["4"] > x["8"] > x["12"] > x["16"] > x["20"]


def test_hindi_is_shaped_with_harfbuzz(handouts):
    """Devanagari conjuncts and vowel signs need HarfBuzz (ReportLab's shaping=1)."""
    from reportlab.pdfbase.pdfmetrics import getFont

    from handouts.brand import Palette
    from handouts.fonts import stack_for
    from handouts.styles import Styles

    stack = stack_for("hi")
    styles = Styles(stack, Palette.from_hex("#1F4E79", "#B3261E"), 12, "hi", False)
    assert styles.body.shaping == 1 and getFont(styles.body.fontName).shapable
    # Latin text is shaped too (kerning); Chinese is not (ReportLab's CJK breaker).
    assert Styles(stack_for("es"), Palette.from_hex("#1F4E79", "#B3261E"), 12, "es", False).body.shaping == 1
    assert Styles(stack_for("zh_Hans"), Palette.from_hex("#1F4E79", "#B3261E"), 12, "zh_Hans", False).body.shaping == 0
    reader = PdfReader(str(handouts["hi"]))
    fonts = {ref.get_object()["/BaseFont"] for page in reader.pages for ref in page["/Resources"]["/Font"].values()}
    assert any("Hind" in name for name in fonts)
    assert "2026" in pdf_text(handouts["hi"])


# --- catalogs -------------------------------------------------------------------------------


@pytest.mark.parametrize("health", status(), ids=lambda h: h.language.code)
def test_every_catalog_is_consistent(health):
    assert health.fuzzy == 0
    assert health.placeholder_errors == ()
    if health.language.catalog is not None:
        assert health.provenance.method == "machine-drafted"
        assert not health.provenance.reviewed


# Strict: once every catalog is complete again this passes, and the marker must go.
@pytest.mark.parametrize("health", status(), ids=lambda h: h.language.code)
def test_every_catalog_is_complete_and_consistent(health):
    if health.language.catalog is None:
        pytest.skip("English is the source")
    assert health.fuzzy == 0
    assert health.placeholder_errors == ()
    assert health.complete, f"{health.language.code}: {health.missing} missing"
    if health.language.catalog is not None:
        assert health.provenance.method == "machine-drafted"
        assert not health.provenance.reviewed


def test_counts_are_honest_about_fuzzy_and_plurals(tmp_path):
    """pybabel compile --statistics counts these as translated; we do not."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from handouts.i18n import Language

    root = tmp_path / "locales"
    (root / "es" / "LC_MESSAGES").mkdir(parents=True)
    pot = Catalog(domain="handouts")
    for msg in ["One", "Two", "Three", "Four %(n)s"]:
        pot.add(msg)
    pot.add(("%(n)s day", "%(n)s days"))
    with (root / "handouts.pot").open("wb") as fh:
        write_po(fh, pot)
    cat = Catalog(locale="es", domain="handouts")
    cat.add("One", "Uno")
    cat.add("Two", "Dos", flags=["fuzzy"])
    cat.add("Four %(n)s", "Cuatro %(m)s")  # placeholder renamed
    cat.add(("%(n)s day", "%(n)s days"), ("%(n)s día", ""))  # an empty plural form
    po = root / "es" / "LC_MESSAGES" / "handouts.po"
    with po.open("wb") as fh:
        write_po(fh, cat)
    health = check(Language(Locale.parse("es"), po), root)
    assert (health.total, health.translated, health.fuzzy) == (5, 1, 1)
    assert len(health.placeholder_errors) == 1 and "Four" in health.placeholder_errors[0]
    assert not health.complete
    # And the broken translation is never used: English instead of a crash.
    assert translations_for(Language(Locale.parse("es"), po)).gettext("Four %(n)s") == "Four %(n)s"


def test_status_command(cli):
    result = cli("translations", "status")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    es = next(h for h in status() if h.language.code == "es")
    assert any(line.startswith("es ") and f"{es.translated}/{es.total}" in line and "not reviewed (machine-drafted)" in line for line in lines)
    import json

    data = json.loads(cli("translations", "status", "--json").stdout)
    assert {row["language"] for row in data} == set(SHIPPED)
    assert all(row["fuzzy"] == 0 and row["complete"] for row in data)


@pytest.mark.parametrize(("alias", "code"), [("zh-CN", "zh_Hans"), ("zh-TW", "zh_Hant"), ("pt-BR", "pt_BR"), ("tl", "fil"), ("ES", "es")])
def test_language_aliases(alias, code):
    assert resolve_language(alias).code == code


def test_incomplete_catalog_is_an_error_unless_allowed(cli, tmp_path, monkeypatch):
    import shutil

    import handouts.catalogs
    import handouts.i18n

    root = tmp_path / "locales"
    shutil.copytree(Path(handouts.i18n.locales_dir()), root)
    po = root / "es" / "LC_MESSAGES" / "handouts.po"
    text = po.read_text(encoding="utf-8")
    # Empty one translation.
    po.write_text(text.replace('msgstr "Puntos clave"', 'msgstr ""'), encoding="utf-8")
    monkeypatch.setattr(handouts.i18n, "locales_dir", lambda: root)
    monkeypatch.setattr(handouts.catalogs, "locales_dir", lambda: root)
    total = handouts.catalogs.check(resolve_language("es", root), root, procedure="botox-neck").total
    missing = 1
    result = cli("generate", "botox-neck", "--lang", "es", "-o", "es.pdf")
    assert result.exit_code == 1
    assert f"the es catalog is incomplete: {missing} of {total} messages not translated" in result.stderr
    assert "--allow-incomplete" in result.stderr
    result = cli("generate", "botox-neck", "--lang", "es", "--allow-incomplete", "-o", "es.pdf")
    assert result.exit_code == 0
    assert f"Warning: es: {missing} of {total} messages not translated" in result.stderr
    assert "Key points" in pdf_text(tmp_path / "es.pdf")  # the English fallback


def test_clinic_review_removes_the_draft_notice(cli, make_clinic, tmp_path):
    path = make_clinic(extra='\n[reviews.es]\nreviewer = "Dr. Ana Ruiz, CMI"\ndate = 2026-11-30\n')
    result = cli("generate", "botox-neck", "--clinic", str(path), "--lang", "es", "-o", "es.pdf")
    assert result.exit_code == 0, result.stderr
    assert "Draft translation" not in pdf_text(tmp_path / "es.pdf")


def test_paper_defaults_by_territory(cli, make_clinic, tmp_path):
    path = make_clinic()
    path.write_text(path.read_text().replace('paper = "letter"', 'country = "DE"\nemergency_number = "112"'))
    assert cli("generate", "botox-neck", "--clinic", str(path), "-o", "de.pdf").exit_code == 0
    assert round(float(PdfReader(str(tmp_path / "de.pdf")).pages[0].mediabox.height)) == 842
    path.write_text(path.read_text().replace('country = "DE"', 'country = "CA"'))
    assert cli("generate", "botox-neck", "--clinic", str(path), "-o", "ca.pdf").exit_code == 0
    assert round(float(PdfReader(str(tmp_path / "ca.pdf")).pages[0].mediabox.height)) == 792


def test_plural_forms_follow_the_language(tmp_path):
    """ngettext picks Polish's three forms from the catalog's Plural-Forms."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from handouts.i18n import Language

    cat = Catalog(locale="pl", domain="handouts")
    cat.add(("%(n)s week", "%(n)s weeks"), ("%(n)s tydzień", "%(n)s tygodnie", "%(n)s tygodni"))
    po = tmp_path / "handouts.po"
    with po.open("wb") as fh:
        write_po(fh, cat)
    t = translations_for(Language(Locale.parse("pl"), po))
    assert [t.ngettext("%(n)s week", "%(n)s weeks", n) % {"n": n} for n in (1, 3, 5)] == ["1 tydzień", "3 tygodnie", "5 tygodni"]


def test_missing_cjk_font_is_one_clear_error(cli, monkeypatch):
    import handouts.fonts as fonts

    monkeypatch.setattr(fonts, "_SYSTEM_FONT_DIRS", ())
    monkeypatch.setenv("HANDOUTS_FONT_DIRS", "")
    monkeypatch.setenv("HANDOUTS_CACHE", "off")  # fonts are looked for afresh
    result = cli("generate", "botox-neck", "--lang", "zh_Hans", "-o", "zh.pdf")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: zh_Hans handouts need a font: the font WenQuanYi Zen Hei")
    assert "apt-get install fonts-wqy-zenhei" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("code", SHIPPED)
def test_second_procedure_in_every_language(cli, tmp_path, code):
    """botox-migraine was added as content only: it must build in every language."""
    result = cli("generate", "botox-migraine", "--lang", code, "--visit-date", VISIT.isoformat(), "-o", "m.pdf")
    assert result.exit_code == 0, result.stderr
    reader = PdfReader(str(tmp_path / "m.pdf"))
    pages = len(reader.pages)
    assert pages <= 3 + 1  # the handout (three sides, in English too), then its headache diary page
    if code in EXTRACTS_CLEANLY:
        diary = translations_for(resolve_language(code)).gettext("Headache diary").replace(" ", "")
        texts = [unicodedata.normalize("NFC", p.extract_text() or "").replace(" ", "") for p in reader.pages]
        assert diary in texts[-1]  # the diary is the last page (earlier pages may mention it)
        title = translations_for(resolve_language(code)).gettext("Botox injections for chronic migraine")
        text = unicodedata.normalize("NFC", pdf_text(tmp_path / "m.pdf")).replace(" ", "")
        assert title.replace(" ", "") in text
