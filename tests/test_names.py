"""Any name prints: a corpus of real-world names in every script handouts ships fonts for,
each printed as the patient on English, Spanish, Arabic, Chinese and Hindi handouts and
read back from the PDF's text layer by poppler, as a user copying it would."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pdfplumber
import pytest

from handouts import render_pdf

NAMES = [
    line.strip()
    for line in (Path(__file__).parent / "data" / "names.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
LANGUAGES = ("en", "es", "ar", "zh_Hans", "hi")


def normalised(text: str) -> str:
    """Text as compared: NFKC (Arabic presentation forms and ligatures become letters),
    without format characters (the bidi marks poppler adds around right-to-left runs),
    whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return re.sub(r"\s+", " ", text).strip()


def first_page_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_the_corpus_is_large_and_covers_every_script_shipped():
    assert len(NAMES) >= 300
    assert len(set(NAMES)) == len(NAMES)
    scripts = {unicodedata.name(c).split()[0] for name in NAMES for c in name if c.isalpha()}
    for script in ("LATIN", "GREEK", "CYRILLIC", "HEBREW", "ARABIC", "CJK", "HIRAGANA", "KATAKANA", "HANGUL", "DEVANAGARI", "ARMENIAN", "GEORGIAN"):
        assert script in scripts


def _mixed(name: str) -> bool:
    """Whether a name holds letters of both directions ("Omar (عمر) Haddad")."""
    kinds = {unicodedata.bidirectional(c) for c in name}
    return "L" in kinds and bool(kinds & {"R", "AL"})


def read_back(name: str, text: str) -> str | None:
    """How a name reads back from a page's text: "exact"; "spacing" (poppler put a space
    where a word changes font or a mark sits: the letters are all there, in order);
    "words" (every word, in order: poppler orders a line that mixes directions, or a name
    wrapped beside its label, by its own guesses); None if it does not."""
    name, text = normalised(name), normalised(text)
    if name in text:
        return "exact"
    if name.replace(" ", "") in text.replace(" ", ""):
        return "spacing"
    if _mixed(name):  # each same-direction word is there, wherever poppler put it
        return "words" if all(word in text for word in re.findall(r"\w+", name)) else None
    at = 0
    for word in name.split():
        at = text.find(word, at)
        if at < 0:
            return None
        at += len(word)
    return "words"


# Counts per language, for the closing note: pytest -s prints them.
COUNTS: dict[str, dict[str | None, int]] = {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_name_in_the_corpus_prints_exactly(lang):
    def build(name: str) -> bytes:
        return render_pdf("botox-neck", lang=lang, provider="dr-rivera", patient=name, allow_incomplete=True)

    how: dict[str, str | None] = {}
    with ThreadPoolExecutor(4) as pool:  # builds are serialised by the API; poppler runs alongside
        for name, text in zip(NAMES, pool.map(lambda name: first_page_text(build(name)), NAMES)):
            how[name] = read_back(name, text)
    COUNTS[lang] = {k: list(how.values()).count(k) for k in ("exact", "spacing", "words", None)}
    print(lang, COUNTS[lang])
    assert [name for name, result in how.items() if result is None] == []
    # Only a line that mixes directions, or a name long enough to wrap, may read back
    # as words in poppler's order rather than as typed.
    assert [name for name, result in how.items() if result == "words" and not _mixed(name) and len(name) < 40] == []


def _chars(pdf: bytes, wanted: str) -> list[tuple[str, float]]:
    """Where the first page draws the characters of ``wanted``, on the line of the first
    of them: (character, left edge)."""
    import io

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = doc.pages[0].chars
        top = next(c["top"] for c in chars if c["text"] == wanted[0])
        return [(c["text"], c["x0"]) for c in chars if c["text"] in wanted and abs(c["top"] - top) < 2]


def test_a_hebrew_name_on_an_english_handout_runs_right_to_left():
    pdf = render_pdf("botox-neck", lang="en", provider="dr-rivera", patient="שרה לוי")
    x = dict(_chars(pdf, "שרהלוי"))
    assert x["ש"] > x["ה"] > x["ל"] > x["י"]  # first letter rightmost, last leftmost


def test_a_latin_name_on_an_arabic_handout_runs_left_to_right():
    pdf = render_pdf("botox-neck", lang="ar", provider="dr-rivera", patient="Zoë Quill")
    x = dict(_chars(pdf, "ZQ"))
    assert x["Z"] < x["Q"]


def test_a_name_is_isolated_from_the_text_around_it_on_an_arabic_handout():
    # "Jo 2" keeps its order inside the right-to-left line: the digit stays after the name.
    pdf = render_pdf("botox-neck", lang="ar", provider="dr-rivera", patient="Jo 2")
    assert "Jo 2" in first_page_text(pdf)
    x = dict(_chars(pdf, "J2"))
    assert x["J"] < x["2"]


def test_fallback_faces_are_embedded_only_when_a_name_needs_them():
    plain = render_pdf("botox-neck", lang="en", provider="dr-rivera", patient="Mary Smith")
    hebrew = render_pdf("botox-neck", lang="en", provider="dr-rivera", patient="דוד כהן")
    hindi = render_pdf("botox-neck", lang="en", provider="dr-rivera", patient="राम शर्मा")

    def fonts(pdf: bytes) -> str:
        return subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()

    assert "DejaVu" not in fonts(plain) and "Hind" not in fonts(plain)
    assert "DejaVuSans" in fonts(hebrew)
    assert "Hind" in fonts(hindi)


def test_a_devanagari_name_is_shaped_and_reads_back_as_typed():
    pdf = render_pdf("botox-neck", lang="zh_Hans", provider="dr-rivera", patient="श्रीनिवास रामानुजन")
    text = first_page_text(pdf).replace("\u00a0", " ")  # a short name is kept on one line
    assert "श्रीनिवास रामानुजन" in text
    assert not any(0xE000 <= ord(c) <= 0xF8FF for c in text)


def test_hindi_handouts_read_back_without_private_use_characters():
    # Shaped Devanagari is drawn inside /ActualText spans: conjuncts and vowel signs are
    # glyphs ReportLab numbers in the private use area.
    pdf = render_pdf("botox-neck", lang="hi", provider="dr-rivera")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert not any(0xE000 <= ord(c) <= 0xF8FF for c in text)
    for word in ("गर्दन", "दर्द", "इंजेक्शन", "सप्ताह", "डॉक्टर", "ज़्यादातर", "मांसपेशियों"):
        assert word in text


def test_a_greek_name_on_a_hindi_handout_prints():
    # ReportLab shaped a word in two fonts with the first one's glyph numbers and failed
    # cutting the subset (IndexError); each font's run is now shaped on its own.
    pdf = render_pdf("botox-migraine", lang="hi", provider="dr-rivera", patient="Αλέξανδρος Παπαδόπουλος", allow_incomplete=True)
    assert "Αλέξανδρος Παπαδόπουλος" in first_page_text(pdf)
