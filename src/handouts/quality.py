"""The quality gate behind ``handouts check``: what makes a handout good for patients,
measured against docs/print-guidelines.md.

Each (procedure, language) the clinic offers is built as the front desk would build it,
then measured on its text (reading level per section, sentence and list length), on its
PDF (type size, line spacing, margins, page count), on its colours (WCAG contrast of every
text/background pair the brand produces) and on its catalog (completeness, review state
and age). Findings are ``ok``, ``warning``, ``error`` or ``not measured``; a language
without a readability formula is listed as not measured, never silently passed.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass

from . import model as m
from . import speed, tagcheck
from .errors import HandoutsError

OK, WARNING, ERROR, NOT_MEASURED = "ok", "warning", "error", "not measured"
REVIEW_MAX_AGE = dt.timedelta(days=730)  # content or translation review older than 24 months


@dataclass(frozen=True)
class Finding:
    procedure: str
    language: str
    check: str
    level: str
    value: str
    detail: str = ""


# --- readability -------------------------------------------------------------------------

# Flesch-family formulas: score = base - a * (words per sentence) - b * (syllables per word).
# Spanish: Szigriszt-Pazos (INFLESZ scale); French: Kandel-Moles; German: Amstad; Italian:
# Flesch-Vacca; Dutch: Douma; Russian: Oborneva; Portuguese: Martins. The guidelines ask
# >= 55 for Spanish (INFLESZ "normal") and >= 60 for the others (as English reading ease).
_EASE = {
    "es": (206.835, 1.0, 62.3, 55.0, "Szigriszt-Pazos (INFLESZ)", "es"),
    "fr": (207.0, 1.015, 73.6, 60.0, "Kandel-Moles", "fr"),
    "de": (180.0, 1.0, 58.5, 60.0, "Amstad", "de"),
    "it": (217.0, 1.3, 60.0, 60.0, "Flesch-Vacca", "it"),
    "nl": (206.835, 0.93, 77.0, 60.0, "Douma", "nl"),
    "ru": (206.835, 1.3, 60.1, 60.0, "Oborneva", "ru"),
    "pt": (248.835, 1.015, 84.6, 60.0, "Martins", "pt_BR"),
}
_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟।])\s+|(?<=[。！？])")
_EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


def _words(text: str) -> list[str]:
    """Space-separated words that contain a letter. (A regex over \\w would split
    Devanagari at every vowel sign: combining marks are not word characters to re.)"""
    out = []
    for token in text.split():
        token = _EDGE_PUNCT.sub("", token)
        if any(c.isalpha() for c in token):
            out.append(token)
    return out
# Scripts where words are not separated by spaces, or syllables are not what Pyphen counts.
_NO_WORD_COUNT = {"zh", "ja"}


@speed.memo("hyphenation-dictionaries", 16)
def _dictionary(lang: str):  # noqa: ANN202
    import pyphen

    # Hyphenation forbids one-letter segments; syllables do not.
    return pyphen.Pyphen(lang=lang, left=1, right=1)


_SILENT_END = re.compile(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$")


def syllables(word: str, lang: str) -> int:
    """Syllables of a word. English hyphenation points undercount badly ("medicine"
    has one), so English counts vowel groups after dropping silent endings (the usual
    heuristic); other languages, whose spelling follows sound more closely, count
    hyphenation points from Pyphen's dictionaries. Both work offline."""
    word = word.lower().strip("'’-")
    if lang.startswith("en"):
        if len(word) <= 3:
            return 1
        stem = _SILENT_END.sub("", word) or word
        return max(1, len(re.findall(r"[aeiouy]+", stem)))
    return max(1, len(_dictionary(lang).positions(word)) + 1)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


#: English targets: Flesch-Kincaid grade 6 (error above 8), SMOG grade 7.5.
FK_TARGET, FK_LIMIT, SMOG_TARGET = 6.0, 8.0, 7.5


def smog(text: str, language: str) -> float | None:
    """SMOG grade (McLaughlin 1969, the normalised formula textstat also uses):
    1.043 * sqrt(words of 3 or more syllables * 30 / sentences) + 3.1291. English only
    (the formula was fitted on English); None for other languages or no sentences.
    It is meant for 30 sentences or more: for a short section it is an estimate."""
    if language.split("_")[0] != "en":
        return None
    words, sentences = _words(text), _sentences(text)
    if not words or not sentences:
        return None
    polysyllables = sum(1 for w in words if syllables(w, "en_US") >= 3)
    return 1.0430 * math.sqrt(polysyllables * 30 / len(sentences)) + 3.1291


def readability(text: str, language: str) -> tuple[str, float, float] | None:
    """(formula, score, threshold) for the language, or None where no formula applies.
    English gives a grade (lower is easier); the others a reading ease (higher is easier)."""
    base = language.split("_")[0]
    words = _words(text)
    sentences = _sentences(text)
    if not words or not sentences:
        return None
    wps = len(words) / len(sentences)
    if base == "en":
        spw = sum(syllables(w, "en_US") for w in words) / len(words)
        return "Flesch-Kincaid grade", 0.39 * wps + 11.8 * spw - 15.59, FK_LIMIT
    if base in _EASE:
        b, a, c, threshold, name, dic = _EASE[base]
        spw = sum(syllables(w, dic) for w in words) / len(words)
        return name, b - a * wps - c * spw, threshold
    return None


def _plain_texts(blocks: Iterable[m.Block]) -> Iterator[str]:
    """Sentences of a section as a reader meets them; list items end a sentence."""
    for block in blocks:
        if isinstance(block, m.Para):
            yield m.plain(block.runs)
        elif isinstance(block, m.ItemList):
            for item in block.items:
                text = m.plain(item).strip()
                yield text if text[-1:] in ".!?。！？؟।:" else text + "."
        elif isinstance(block, (m.Tier, m.Note)):
            yield from _plain_texts(block.blocks)
        elif isinstance(block, m.QA):
            yield m.plain(block.question)
            yield m.plain(block.answer)


def _lists(blocks: Iterable[m.Block]) -> Iterator[int]:
    for block in blocks:
        if isinstance(block, m.ItemList):
            yield len(block.items)
        elif isinstance(block, (m.Tier, m.Note)):
            yield from _lists(block.blocks)


def text_findings(doc: m.Document, proc: str, lang: str) -> list[Finding]:
    out: list[Finding] = []
    base = lang.split("_")[0]
    sections = [(s.title, list(_plain_texts(s.blocks))) for s in doc.sections() if s.id != "care-team"]
    keypoints = [b for b in doc.blocks if isinstance(b, m.KeyPoints)]
    if keypoints:
        sections.insert(0, (keypoints[0].title, list(_plain_texts(keypoints[0].blocks))))
    whole = " ".join(t for _, texts in sections for t in texts)
    overall = readability(whole, lang)
    if overall is None:
        out.append(Finding(proc, lang, "reading level", NOT_MEASURED, "no formula for this language"))
    else:
        name, score, threshold = overall
        if base == "en":
            level = ERROR if score > threshold else WARNING if score > FK_TARGET else OK
            out.append(Finding(proc, lang, "reading level", level, f"grade {score:.1f}", f"{name}; target <= {FK_TARGET:g}, limit {threshold:g}"))
            grade = smog(whole, lang)
            if grade is not None:
                out.append(Finding(proc, lang, "reading level (SMOG)", WARNING if grade > SMOG_TARGET else OK, f"grade {grade:.1f}",
                                   f"SMOG; target <= {SMOG_TARGET:g}"))
        else:
            level = OK if score >= threshold else WARNING
            out.append(Finding(proc, lang, "reading level", level, f"ease {score:.0f}", f"{name}; target >= {threshold:.0f}"))
        for title, texts in sections:
            text = " ".join(texts)
            result = readability(text, lang)
            if result is None:
                continue
            _, score, threshold = result
            if base == "en":
                grade = smog(text, lang) or 0.0
                if score > FK_TARGET or grade > SMOG_TARGET:
                    out.append(Finding(proc, lang, "reading level by section", WARNING, f"FK {score:.1f}, SMOG {grade:.1f}",
                                       f"section \"{title}\": simplify here (targets FK <= {FK_TARGET:g}, SMOG <= {SMOG_TARGET:g})"))
            elif score < threshold:
                out.append(Finding(proc, lang, "reading level by section", WARNING, f"ease {score:.0f}", f"section \"{title}\": simplify here"))
    if base in _NO_WORD_COUNT:
        out.append(Finding(proc, lang, "sentence length", NOT_MEASURED, "no spaces between words"))
    else:
        lengths = [(len(_words(s)), s) for s in _sentences(whole)]
        average = sum(n for n, _ in lengths) / max(len(lengths), 1)
        long = [s for n, s in lengths if n > 25]
        out.append(Finding(proc, lang, "sentence length", WARNING if average >= 15 else OK, f"average {average:.1f} words",
                           "target < 15"))
        for sentence in long:
            out.append(Finding(proc, lang, "long sentence", WARNING, f"{len(_words(sentence))} words", sentence[:80]))
    lists = [n for s in doc.sections() for n in _lists(s.blocks)] + [n for k in keypoints for n in _lists(k.blocks)]
    biggest = max(lists, default=0)
    out.append(Finding(proc, lang, "items per list", ERROR if biggest > 7 else WARNING if biggest > 5 else OK,
                       f"at most {biggest}", "limit 7, 5 preferred"))
    return out


# --- the PDF -------------------------------------------------------------------------------


def pdf_findings(pdf: bytes, proc: str, lang: str, budget: int, body_min: float = 12.0, companion: int = 0) -> list[Finding]:
    """Type size, spacing, margins and pages of a built handout. ``companion`` pages at
    the end (a diary) are measured like the others but are outside the page budget."""
    import pdfplumber

    out: list[Finding] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        pages = len(doc.pages)
        sizes, margins = [], []
        for page in doc.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            if not chars:
                continue
            margins.append(min(min(c["x0"] for c in chars), page.width - max(c["x1"] for c in chars),
                               min(c["top"] for c in chars), page.height - max(c["bottom"] for c in chars)))
            # Running header and footer (10 pt) are not body text.
            body = [c for c in chars if 0.85 * 72 < c["top"] < page.height - 0.9 * 72]
            sizes += [round(c["size"], 1) for c in body]
    gaps = _leading_ratios(pdf)
    smallest = min(sizes, default=0)
    out.append(Finding(proc, lang, "smallest body text", ERROR if smallest < body_min else OK, f"{smallest:g} pt", f"limit {body_min:g} pt"))
    spacing = min(gaps, default=0)
    out.append(Finding(proc, lang, "line spacing", ERROR if gaps and spacing < 1.249 else OK, f"{spacing:.2f}x", "limit 1.25x"))
    margin = min(margins, default=0) / 72
    out.append(Finding(proc, lang, "margins", ERROR if margin < 0.49 else OK, f"{margin:.2f} in", "limit 0.5 in"))
    own = pages - companion
    extra = f"; plus {companion} companion page{'s' if companion != 1 else ''}" if companion else ""
    out.append(Finding(proc, lang, "pages", OK if own <= budget else (ERROR if lang == "en" else WARNING), f"{own}", f"budget {budget}{extra}"))
    return out


_TEXT_BLOCK = re.compile(rb"BT(.*?)ET", re.S)
_FONT_LEADING = re.compile(rb"/\S+ ([\d.]+) Tf ([\d.]+) TL")


def tagging_finding(pdf: bytes, proc: str, lang: str) -> Finding:
    """Whether a built handout is tagged as PDF/UA-1 asks (what a machine can check)."""
    found = tagcheck.problems(pdf)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return Finding(proc, lang, "tagged PDF", ERROR, "fails", found[0] + more)
    return Finding(proc, lang, "tagged PDF", OK, "PDF/UA-1 structure", "structure tree, marked content, language, title")


def _leading_ratios(pdf: bytes) -> list[float]:
    """Leading / font size of every block of body-sized text, read from the page content
    streams (ReportLab states each paragraph's leading with TL). Text above 14 pt (the
    title band, headings) is display type, not body text."""
    from pypdf import PdfReader

    ratios = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        contents = page.get_contents()  # (an empty-dict stream object is falsy: test for None)
        data = contents.get_data() if contents is not None else b""
        for block in _TEXT_BLOCK.findall(data):
            if b"Tj" not in block and b"TJ" not in block:
                continue  # a state-only block: nothing is drawn
            for size, leading in _FONT_LEADING.findall(block):
                size_f = float(size)
                if 0 < size_f <= 14:
                    ratios.append(float(leading) / size_f)
    return ratios


# --- colours -------------------------------------------------------------------------------


def colour_findings(primary: str, accent: str) -> list[Finding]:
    """WCAG contrast for each text/background pair the brand colours produce."""
    from reportlab.lib.colors import HexColor, white

    from .brand import Palette, contrast_ratio
    from .styles import CALL_COLOUR

    p = Palette.from_hex(primary, accent)
    pairs = [
        ("clinic name and title on the header band", p.on_primary, p.primary, 3.0),  # >= 14 pt bold: large text
        ("headings on white", p.heading, white, 4.5),
        ("body text on white", p.ink, white, 4.5),
        ("footer on white", p.muted, white, 4.5),
        ("body text on the Key points tint", p.ink, p.tint, 4.5),
        ("body text on the emergency panel tint", p.ink, p.accent_tint, 4.5),
        ("white on the common-and-mild tier", white, p.heading, 4.5),
        ("white on the call-the-clinic tier", white, CALL_COLOUR, 4.5),
        ("white on the emergency tier", white, p.alert, 4.5),
    ]
    # WCAG 2.1 SC 1.4.11: graphics that carry meaning (timeline bars, panel borders, the
    # Key points rule) need 3:1 against white. These use the brand colours as given.
    pairs.append(("timeline bars and the note rule on white (brand primary)", HexColor(primary), white, 3.0))
    out = []
    for name, fg, bg, need in pairs:
        ratio = contrast_ratio(fg, bg)
        out.append(Finding("*", "*", f"contrast: {name}", OK if ratio >= need else ERROR, f"{ratio:.1f}:1", f"limit {need:g}:1"))
    for label, given, used in (("primary", primary, p.heading), ("accent", accent, p.alert)):
        if HexColor(given).hexval() != used.hexval():
            out.append(Finding("*", "*", f"brand {label} colour", WARNING, f"{given} darkened to #{used.hexval()[2:].upper()}",
                               "too light for text on white or white text; choose a darker shade to print it exactly"))
    out.append(Finding("*", "*", "meaning not by colour alone", OK, "tiers differ by heading and icon shape",
                       "checked also when printed in grey (--grayscale)"))
    return out


# --- catalogs -----------------------------------------------------------------------------


def catalog_findings(language, proc: str, clinic, today: dt.date) -> list[Finding]:  # noqa: ANN001
    from .catalogs import check

    health = check(language, procedure=proc)
    code = language.code
    out: list[Finding] = []
    if language.catalog is None:
        return out
    level = OK if health.complete else ERROR
    out.append(Finding(proc, code, "catalog", level, f"{health.translated}/{health.total} translated",
                       f"{health.fuzzy} fuzzy, {health.untranslated} untranslated, {len(health.placeholder_errors)} placeholder errors"))
    review = clinic.review_for(code)
    reviewed_on = review.date if review else health.provenance.review_date
    if not (health.provenance.reviewed or review):
        out.append(Finding(proc, code, "translation review", WARNING, f"not reviewed ({health.provenance.method or 'unknown'})",
                           "a qualified medical translator must review it; the handout prints a draft notice"))
    elif reviewed_on and today - reviewed_on > REVIEW_MAX_AGE:
        out.append(Finding(proc, code, "translation review", WARNING, f"reviewed {reviewed_on.isoformat()}", "older than 24 months"))
    else:
        out.append(Finding(proc, code, "translation review", OK, f"reviewed {reviewed_on.isoformat() if reviewed_on else ''}"))
    return out


def clinic_wording_findings(document, clinic, proc: str, code: str) -> list[Finding]:  # noqa: ANN001
    """The clinic's own catalog and wording, held to the built-in catalogs' rules: a
    message its templates use that nothing translates, or a translation with broken
    placeholders or tags (never used), is an error."""
    from .catalogs import clinic_status, source_ids

    if code == "en":
        return []
    out: list[Finding] = []
    own = [msgid for msgid in document.untranslated if msgid not in source_ids()]
    if own:
        out.append(Finding(proc, code, "clinic wording", ERROR, f"{len(own)} not translated", f"e.g. {own[0][:60]!r}; they print in English"))
    if clinic.locales_dir is not None and clinic.locales_dir.is_dir():
        for status in clinic_status(clinic.locales_dir):
            if status.code == code and status.placeholder_errors:
                out.append(Finding(proc, code, "clinic catalog", ERROR, f"{len(status.placeholder_errors)} broken", status.placeholder_errors[0]))
    return out


# --- dates and units ----------------------------------------------------------------------


def cldr_findings(locale, code: str) -> list[Finding]:  # noqa: ANN001
    """Where the language's dates and units come from. CLDR root data prints months as
    "M12" and weeks as "2 w": an error. The project's own overlay (handouts/cldr/) is
    a warning until a translator has reviewed it."""
    from .i18n import cldr_source

    source, gaps, overlay = cldr_source(locale)
    if source == "cldr":
        return [Finding("*", code, "dates and units", OK, "CLDR")]
    missing = ", ".join(gaps)
    if overlay is None:
        return [Finding("*", code, "dates and units", ERROR, "CLDR root",
                        f"CLDR has no {missing} for {code}: months print as \"M12\", weeks as \"2 w\"; "
                        "add an overlay in handouts/cldr/ (see the README there)")]
    where = f"handouts/cldr/{overlay.path.name}"
    if overlay.reviewer:
        return [Finding("*", code, "dates and units", OK, "handouts overlay", f"{where}, reviewed by {overlay.reviewer} {overlay.review_date}".strip())]
    return [Finding("*", code, "dates and units", WARNING, "handouts overlay",
                    f"CLDR has no {missing} for {code}; they come from {where}, which no translator has reviewed yet")]


# --- the whole gate --------------------------------------------------------------------


def run(clinic, procedures: Sequence[str] = (), languages: Sequence[str] = (), today: dt.date | None = None) -> list[Finding]:  # noqa: ANN001
    """Check every (procedure, language) the clinic offers, or the ones selected."""
    from .content import read_metadata
    from .i18n import resolve_language
    from .pipeline import build, make_request, page_budget
    from .pipeline import procedures as clinic_procedures

    today = today or dt.date.today()
    available = clinic_procedures(clinic)
    procs = list(procedures) or sorted(available)
    langs = list(languages) or [str(loc) for loc in clinic.languages]
    findings = colour_findings(clinic.brand.primary, clinic.brand.accent)
    for lang in langs:
        try:
            language = resolve_language(lang)
        except HandoutsError:
            continue  # reported with each procedure below
        findings += cldr_findings(language.locale, language.code)
    for proc in procs:
        meta = read_metadata(available[proc]) if proc in available else None
        if meta is not None and today - meta.review_date > REVIEW_MAX_AGE:
            findings.append(Finding(proc, "*", "content review", WARNING, meta.review_date.isoformat(), "older than 24 months"))
        elif meta is not None:
            findings.append(Finding(proc, "*", "content review", OK, meta.review_date.isoformat()))
        for lang in langs:
            try:
                language = resolve_language(lang)
                findings += catalog_findings(language, proc, clinic, today)
                request = make_request(clinic, proc, lang, allow_incomplete=True)
                handout = build(request)  # includes the glyph-coverage pre-flight
                findings.append(Finding(proc, language.code, "glyph coverage", OK, "every character has a glyph"))
                findings += clinic_wording_findings(handout.document, clinic, proc, language.code)
                findings += text_findings(handout.document, proc, language.code)
                findings += pdf_findings(handout.pdf, proc, language.code, page_budget(request), companion=handout.companion_pages)
                findings.append(tagging_finding(handout.pdf, proc, language.code))
            except HandoutsError as exc:
                findings.append(Finding(proc, lang, "builds", ERROR, "failed", str(exc)))
    return findings


def as_json(findings: Sequence[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]
