"""Tagged PDF (PDF/UA-1): the structure tree of every handout, read back from the PDF.

pdfplumber reads the structure tree and the marked content of each character; pypdf
reads the catalog and pages; the ``pdfua`` checker (PyPI) runs its rules on each file;
``handouts.tagcheck`` (what ``handouts check`` runs) checks every painting operator.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from handouts import api, tagcheck
from handouts import model as m
from handouts.pipeline import Handout

SHIPPED = ["en", "es", "zh_Hans", "zh_Hant", "vi", "ko", "fil", "ru", "ar", "ht", "pt_BR", "fr", "pl", "ja", "hi"]
PROCEDURES = ["botox-neck", "botox-migraine"]
# Text pdfplumber reads per marked-content sequence in reading order: not Arabic (drawn
# in visual order) nor Devanagari (shaped glyphs, whose text is in nested ActualText
# spans pdfminer does not attribute to the enclosing sequence).
READS_CLEANLY = [code for code in SHIPPED if code not in ("ar", "hi")]
VISIT = dt.date(2026, 12, 1)
CASES = [(proc, lang, False) for proc in PROCEDURES for lang in SHIPPED] + [(proc, "en", True) for proc in PROCEDURES]


@functools.cache
def built(proc: str, lang: str, large: bool = False) -> Handout:
    return api.build_handout(proc, lang=lang, provider="dr-rivera", visit_date=VISIT, large_print=large)


def squash(text: str) -> str:
    """Text without spacing or format characters, NFKC (for comparing text as drawn)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf" and c != "\u00ad")


def structure(pdf: bytes) -> tuple[dict, dict[tuple[int, int], str]]:
    """The structure tree's root, and the text of each (page, MCID)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        texts: dict[tuple[int, int], str] = {}
        for page in doc.pages:
            for char in page.chars:
                if char.get("mcid") is not None:
                    key = (page.page_number, char["mcid"])
                    texts[key] = texts.get(key, "") + char["text"]
        roots = doc.structure_tree
    assert len(roots) == 1
    return roots[0], texts


def walk(node: dict):
    yield node
    for kid in node.get("children", []):
        yield from walk(kid)


def text_of(node: dict, texts: dict[tuple[int, int], str]) -> str:
    own = "".join(texts.get((node.get("page_number"), mcid), "") for mcid in node.get("mcids", []))
    return own + "".join(text_of(kid, texts) for kid in node.get("children", []))


def expected_h2(doc: m.Document) -> list[str]:
    """Section titles in reading order (the Key points box's title among them)."""
    out = []
    for block in doc.blocks:
        if isinstance(block, m.KeyPoints):
            out.append(block.title)
        elif isinstance(block, (m.Columns, m.Companion)):
            out += [section.title for section in block.sections]
        elif isinstance(block, m.Section):
            out.append(block.title)
    return out


def tiers(doc: m.Document) -> list[m.Tier]:
    return [block for section in doc.sections() for block in section.blocks if isinstance(block, m.Tier)]


@pytest.mark.parametrize(("proc", "lang", "large"), CASES)
def test_every_handout_is_tagged_in_reading_order(proc, lang, large):
    handout = built(proc, lang, large)
    doc = handout.document
    assert tagcheck.problems(handout.pdf) == []
    root, texts = structure(handout.pdf)
    assert root["type"] == "Document"
    nodes = list(walk(root))
    roles = [n["type"] for n in nodes]
    # One H1, the title; the sections as H2 in reading order (left column, then right;
    # right first in Arabic); tiers and questions as H3.
    assert roles.count("H1") == 1
    h2 = [n for n in nodes if n["type"] == "H2"]
    assert len(h2) == len(expected_h2(doc))
    if lang in READS_CLEANLY:
        h1 = next(n for n in nodes if n["type"] == "H1")
        assert squash(text_of(h1, texts)) == squash(doc.title)
        assert [squash(text_of(n, texts)) for n in h2] == [squash(t) for t in expected_h2(doc)]
    # Each side-effect tier is one section headed by its H3, even when it continues in
    # the next column (its "(continued)" heading is page furniture, not a heading).
    sects = [n for n in nodes if n["type"] == "Sect" and n["children"] and n["children"][0]["type"] == "H3"]
    assert len(sects) == len(tiers(doc))
    if lang in READS_CLEANLY:
        assert [squash(text_of(s["children"][0], texts)) for s in sects] == [squash(t.title) for t in tiers(doc)]
        assert squash(doc.continued) not in squash("".join(texts.values()))
    # Lists: list items with a body; bullets and tick boxes read as a label.
    for node in nodes:
        if node["type"] == "L":
            assert node["children"] and all(kid["type"] == "LI" for kid in node["children"])
            assert node["attributes"]["ListNumbering"] in ("Disc", "None")
        if node["type"] == "LI":
            assert {kid["type"] for kid in node["children"]} <= {"Lbl", "LBody"}
    bullets = sum(len(b.items) for b in _all_blocks(doc.blocks) if isinstance(b, m.ItemList))
    labelled = [n for n in nodes if n["type"] == "Lbl" and [k.get("alt_text") for k in n.get("children", [])] in (["\u2022"], ["\u2610"])]
    assert len(labelled) == bullets
    # Figures: the logo, the QR code and the timeline, each with its words (and the
    # drawn list marks, above).
    figures = [n for n in nodes if n["type"] == "Figure" and n.get("alt_text") not in ("\u2022", "\u2610")]
    alts = [n.get("alt_text", "") for n in figures]
    assert all(alt.strip() for alt in alts)
    assert any("Sample Neck & Spine Clinic" in alt and alt != "Sample Neck & Spine Clinic (demo)" for alt in alts)
    assert any("example.org" in alt for alt in alts), alts
    timeline = next(b for s in doc.sections() for b in s.blocks if isinstance(b, m.Timeline))
    chart = [alt for alt in alts if all(squash(ms.label) in squash(alt) for ms in timeline.milestones)]
    assert len(chart) == 1
    assert "2026" in chart[0] or "2027" in chart[0]  # the dates, not only the labels


def _all_blocks(blocks):
    """Every block, at any depth (sections, tiers, boxes)."""
    for block in blocks:
        yield block
        for name in ("blocks", "sections"):
            yield from _all_blocks(getattr(block, name, ()))


@pytest.mark.parametrize("lang", SHIPPED)
def test_catalog_language_title_and_pages(lang):
    pdf = built("botox-neck", lang).pdf
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    bcp47 = lang.replace("_", "-")
    assert root["/Lang"] == bcp47  # zh-Hans, pt-BR
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    title = reader.metadata.title
    assert title and f'<rdf:li xml:lang="x-default">{title.replace("&", "&amp;")}</rdf:li>' in xmp
    assert f"<rdf:li>{bcp47}</rdf:li>" in xmp
    for index, page in enumerate(reader.pages):
        assert page["/StructParents"] == index
        assert page["/Tabs"] == "/S"


@pytest.mark.parametrize("lang", [code for code in SHIPPED if code != "en"])
def test_english_text_on_another_languages_page_says_so(lang):
    """The clinic's name (in its own language, English) and the English line of the draft
    notice carry /Lang en on a page in another language."""
    root, texts = structure(built("botox-neck", lang).pdf)
    english = [n for n in walk(root) if n.get("lang") == "en"]
    assert len(english) >= 2
    if lang in READS_CLEANLY:
        said = [squash(text_of(n, texts)) for n in english]
        assert squash("Sample Neck & Spine Clinic (demo)") in said
        assert any(s.startswith(squash("Draft translation")) for s in said)


def test_page_furniture_is_an_artifact():
    """Running heads, footers and page numbers are not read as content."""
    pdf = built("botox-neck", "en").pdf
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            foot = [c for c in page.chars if c["top"] > page.height - 0.9 * 72]
            assert foot and all(c["tag"] == "Artifact" and c["mcid"] is None for c in foot)
            body = [c for c in page.chars if 1.3 * 72 < c["top"] < page.height - 1.0 * 72]
            assert body and all(c["mcid"] is not None for c in body)
        later = doc.pages[1]
        head = [c for c in later.chars if c["top"] < 0.7 * 72]
        assert head and all(c["tag"] == "Artifact" for c in head)


def test_pdfua_checker_runs_clean(tmp_path: Path):
    pdfua = pytest.importorskip("pdfua")
    for proc, lang, large in CASES:
        path = tmp_path / f"{proc}.{lang}.{int(large)}.pdf"
        path.write_bytes(built(proc, lang, large).pdf)
        report = pdfua.validate(str(path))
        assert [(f.rule_id, f.message) for f in report.findings] == [], (proc, lang, large)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("hi", ["गर्दन", "दर्द"]),
        ("ar", ["الرقبة", "الطبيب", "الاسم"]),
        ("en", ["swallowing", "effects", "office", "first", "fluid"]),  # no ﬁ, ﬀ or ﬂ ligature characters
        ("ru", ["глотать", "шею", "Ботулотоксин"]),
    ],
)
def test_text_reads_as_plain_text(lang, words, tmp_path: Path):
    path = tmp_path / "h.pdf"
    path.write_bytes(built("botox-neck", lang).pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for word in words:
        assert word in text
    assert not re.search("[\ue000-\uf8ff]", text)  # no private-use glyph codes
    assert not re.search("[\ufb00-\ufdff\ufe70-\ufeff]", text.replace("\ufeff", ""))  # no presentation forms or ligatures


def test_tagging_is_deterministic_and_identical_with_caches_off(monkeypatch):
    first = api.render_pdf("botox-migraine", lang="ja", provider="dr-rivera", visit_date=VISIT)
    assert api.render_pdf("botox-migraine", lang="ja", provider="dr-rivera", visit_date=VISIT) == first
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    from handouts import speed

    speed.refresh()
    try:
        assert api.render_pdf("botox-migraine", lang="ja", provider="dr-rivera", visit_date=VISIT) == first
    finally:
        monkeypatch.delenv("HANDOUTS_CACHE")
        speed.refresh()


def test_arabic_is_drawn_in_reading_order_with_english_words_marked():
    """A reader of the tagged text takes an Arabic line's runs in stream order: they are
    drawn right to left (each right-to-left run marked ReversedChars, its letters in
    display order), and Latin words in them are marked English."""
    pdf = built("botox-neck", "ar").pdf
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        title_size = max(c["size"] for c in page.chars)
        title = [c for c in page.chars if c["size"] == title_size]  # in stream order
        lines: dict[float, list[dict]] = {}
        for char in title:
            lines.setdefault(round(char["top"]), []).append(char)
        for chars in lines.values():
            starts = [chars[0]["x0"]] + [b["x0"] for a, b in zip(chars, chars[1:]) if b["x0"] < a["x0"] - 1]
            assert starts == sorted(starts, reverse=True) and len(starts) > 1  # runs right to left
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert content.count(b"/ReversedChars BMC") > 20
    assert b"/Span <</Lang (en)>> BDC" in content  # "Botox" in the title
