"""gettext catalogs read straight from .po files, and CLDR formatting."""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
import sys
import tempfile
from io import BytesIO
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from handouts import model as m
from handouts.config import load_clinic
from handouts.errors import UsageError
from handouts.i18n import Language, date_range, long_date, resolve_language, temperature, timeline_date, translations_for
from handouts.pipeline import make_request, template_roots
from handouts.render import Request, render_document

ROOT = Path(__file__).parents[1]


def test_cldr_dates():
    en = Locale.parse("en")
    assert long_date(dt.date(2026, 12, 1), en) == "December 1, 2026"
    assert date_range(dt.date(2026, 12, 8), dt.date(2026, 12, 15), en) == "December 8\u2009–\u200915, 2026"
    assert date_range(dt.date(2026, 12, 29), dt.date(2027, 1, 12), en) == "December 29, 2026\u2009–\u2009January 12, 2027"
    assert date_range(dt.date(2026, 12, 8), dt.date(2026, 12, 15), Locale.parse("es")) == "8–15 de diciembre de 2026"
    assert date_range(dt.date(2026, 12, 8), dt.date(2026, 12, 8), en) == "December 8, 2026"


def test_shorter_timeline_date_styles():
    en, es = Locale.parse("en"), Locale.parse("es")
    new_year = (dt.date(2026, 12, 28), dt.date(2027, 1, 1))
    assert date_range(*new_year, en, "short") == "Dec 28, 2026\u2009–\u2009Jan 1, 2027"
    assert date_range(*new_year, en, "compact") == "Dec 28\u2009–\u2009Jan 1"
    assert date_range(*new_year, es, "compact") == "28 dic\u2009–\u20091 ene"
    assert timeline_date(dt.date(2027, 3, 22), en, "long") == "March 22, 2027"
    assert timeline_date(dt.date(2027, 3, 22), en, "short") == "Mar 22, 2027"
    assert timeline_date(dt.date(2027, 3, 22), en, "compact") == "Mar 22"


def test_temperature_unit_order_follows_country():
    en = Locale.parse("en")
    assert temperature(100.4, 38, en, "US") == "100.4°F (38°C)"
    assert temperature(100.4, 38, Locale.parse("en_GB"), "GB") == "38°C (100.4°F)"


def test_unknown_language_lists_the_available_ones():
    with pytest.raises(UsageError, match='unknown language "tlh"; available: .*en'):
        resolve_language("tlh")


@functools.cache
def _extracted_pot() -> bytes:
    """The repo's messages, extracted by the command the translators run (see the
    ``[[tool.babel.mappings]]`` in pyproject.toml): ``pybabel extract -F pyproject.toml``."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "handouts.pot"
        command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "pyproject.toml", "-o", str(pot), "."]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return pot.read_bytes()


def _extract_catalog() -> Catalog:
    """Run the project's own extraction mapping (pyproject.toml) over the repo."""
    return read_po(BytesIO(_extracted_pot()), locale="eo", domain="handouts")


def test_extraction_finds_template_metadata_and_code_strings():
    ids = {msg.id for msg in _extract_catalog() if msg.id}
    for expected in ["Key points", "Relief begins", "Week 12 or later", "Your care team", "Page %(page)s of %(total)s"]:
        assert expected in ids


def test_every_patient_facing_string_is_marked_for_translation(tmp_path):
    """Pseudo-translate every extracted message; anything left untouched is unmarked."""
    catalog = _extract_catalog()
    for msg in catalog:
        if msg.id:
            msg.string = f"[[{msg.id}]]"
    po = tmp_path / "eo" / "LC_MESSAGES" / "handouts.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as fh:
        write_po(fh, catalog)
    clinic = load_clinic(None)
    base = make_request(clinic, "botox-neck", "en", "dr-rivera", "Pat", dt.date(2026, 12, 1))
    request = Request(base.procedure, clinic, Language(Locale.parse("eo"), po), base.provider, base.patient, base.visit_date)
    doc = render_document(request, template_roots(clinic))

    def marked(text: str) -> bool:
        return text.startswith("[[") and text.endswith("]]")

    assert marked(doc.title) and marked(doc.footer) and marked(doc.page_pattern)
    for section in doc.sections():
        assert marked(section.title), section.title
        if section.id == "care-team":
            continue  # clinic data, not translatable text
        blocks = [b for blk in section.blocks for b in (blk.blocks if isinstance(blk, (m.Tier, m.Note)) else (blk,))]
        for block in blocks:
            if isinstance(block, m.Para):
                assert marked(m.plain(block.runs)), m.plain(block.runs)
            elif isinstance(block, m.ItemList):
                assert all(marked(m.plain(item)) for item in block.items)
            elif isinstance(block, m.QA):
                assert marked(m.plain(block.question)) and marked(m.plain(block.answer))
            elif isinstance(block, m.Timeline):
                assert all(marked(s.label) for s in block.milestones)


def test_edited_po_is_used_without_a_compile_step(tmp_path):
    po = tmp_path / "handouts.po"
    catalog = Catalog(locale="es", domain="handouts")
    catalog.add("Key points", "Puntos clave")
    catalog.add("Side effects", "Efectos secundarios", flags=["fuzzy"])
    with po.open("wb") as fh:
        write_po(fh, catalog)
    language = Language(Locale.parse("es"), po)
    assert translations_for(language).gettext("Key points") == "Puntos clave"
    assert translations_for(language).gettext("Side effects") == "Side effects"  # fuzzy is not a translation
    catalog.get("Key points").string = "Lo más importante"
    with po.open("wb") as fh:
        write_po(fh, catalog)
    import os

    os.utime(po, ns=(po.stat().st_atime_ns, po.stat().st_mtime_ns + 1_000_000))
    from handouts import speed

    speed.new_request()  # the next handout asked for reads the file again
    assert translations_for(language).gettext("Key points") == "Lo más importante"


def test_shipped_template_is_up_to_date_with_the_source():
    """Every string the code and templates mark is in locales/handouts.pot: otherwise a
    new sentence would print in English in every language without anyone noticing."""
    from handouts.catalogs import source_ids

    extracted = {msg.id for msg in _extract_catalog() if msg.id}
    assert extracted <= set(source_ids(ROOT / "locales"))


def test_haitian_creole_dates_and_units_come_from_the_overlay_not_cldr_root():
    from handouts.i18n import cldr_source, duration

    ht = Locale.parse("ht")
    assert long_date(dt.date(2026, 12, 28), ht) == "28 desanm 2026"
    assert date_range(dt.date(2026, 12, 28), dt.date(2027, 1, 4), ht) == "28 desanm 2026 – 4 janvye 2027"
    assert date_range(dt.date(2026, 12, 8), dt.date(2026, 12, 15), ht) == "8–15 desanm 2026"
    assert [duration(2, "week", ht), duration(3, "month", ht), duration(4, "hour", ht)] == ["2 semèn", "3 mwa", "4 èdtan"]
    assert temperature(100.4, 38, ht, "US") == "100,4°F (38°C)"
    source, gaps, overlay = cldr_source(ht)
    # Babel 2.19 has root data for ht ("M12"); 2.18 lends it French dates (fr_HT): either way, the overlay.
    assert source == "overlay" and "month names" in gaps[0] and overlay is not None and overlay.path.name == "ht.toml"


def test_a_language_with_only_cldr_root_data_is_an_error_in_check():
    from handouts.quality import cldr_findings

    (finding,) = cldr_findings(Locale.parse("nv"), "nv")  # Navajo: CLDR root months ("M12")
    assert finding.level == "error" and finding.value == "CLDR root" and "M12" in finding.detail
    assert cldr_findings(Locale.parse("es"), "es")[0].level == "ok"
    (ht,) = cldr_findings(Locale.parse("ht"), "ht")
    assert ht.level == "warning" and "ht.toml" in ht.detail  # not reviewed by a translator yet


def test_an_overlay_is_ignored_where_babel_has_real_data(tmp_path):
    from handouts.i18n import overlay_for, overlays_dir

    (tmp_path / "fr.toml").write_text((overlays_dir() / "ht.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert overlay_for(Locale.parse("fr"), tmp_path) is None
    assert overlay_for(Locale.parse("ht")) is not None


def test_chinese_japanese_and_korean_write_the_month_one_way():
    for code, month in (("zh_Hans", "12月"), ("zh_Hant", "12月"), ("ja", "12月"), ("ko", "12월")):
        locale = Locale.parse(code)
        texts = [long_date(dt.date(2026, 12, 1), locale), date_range(dt.date(2026, 12, 8), dt.date(2026, 12, 15), locale),
                 date_range(dt.date(2026, 12, 29), dt.date(2027, 1, 12), locale), timeline_date(dt.date(2026, 12, 1), locale, "compact"),
                 date_range(dt.date(2026, 12, 29), dt.date(2027, 1, 12), locale, "compact")]
        assert all(month in t for t in texts), (code, texts)
        assert not any("十二月" in t for t in texts), (code, texts)
