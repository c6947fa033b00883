"""Every use of another package's internals, in one place.

handouts needs a few things ReportLab and python-bidi do not offer through a public
API. Each is here, with why, and covered by ``tests/test_internals.py``; the packages
are pinned to the ranges tested (``reportlab>=5.1,<5.2``, ``python-bidi>=0.6,<1``), so
a release that changes them is not installed until these tests pass against it. No
other module reaches into a third-party package's private names or patches one.

ReportLab
  1. start-up: Pillow, uharfbuzz and Pyphen are put into ``sys.modules`` unexecuted, and
     a few of platypus's regular expressions compile on first use (:func:`prepare`);
  2. ``paragraph.ALL_CANNOT_START`` / ``textsplit.ALL_CANNOT_START``: Chinese kinsoku, and
     ``paragraph.cjkFragSplit`` (replaced), ``Paragraph.breakLinesCJK``'s preamble
     (``_handleBulletWidth``, ``_splitpara``), ``cjkU`` (and its ``_width``),
     ``makeCJKParaLine``, ``ParaLines`` and ``_FUZZ``: CJK lines broken by our rules, their
     Latin runs kerned (:func:`cjk_lines`);
  3. ``Canvas._code`` (the page's operators) and ``Canvas._doc``: replaying recorded
     drawing operators (:func:`operators`, :func:`document`);
  4. ``TTFont.state[doc]`` (a font's characters in one document) and
     ``PDFDocument.fontMapping``: seeding subsets and renumbering replayed fonts;
  5. ``TTFontFace.addSubsetObjects`` / ``makeSubset``: embedding a subset already cut;
     ``TTFont.addObjects`` / ``state``: a subset's /Widths written as formatted before;
  6. ``Canvas._startPage`` / ``_pageNumber`` and the canvas ``__dict__``: the page count
     in footers (ReportLab's own "Page X of Y" recipe), and a canvas that only counts
     pages (:func:`counting_canvas`, for probe layouts);
  7. ``Paragraph.blPara`` / ``_wrapWidths`` / ``frags``: a paragraph's line breaks (and a
     copy of them before a split, which changes them in place);
  8. ``ImageReader._image``: the Pillow image behind a logo, for grayscale.
  10. ``paragraph.shapeFragWord`` (the name paragraph.py imported): a word set in two
     fonts is shaped one font run at a time, with the features of its font (kerning
     only for faces that need no substitution, none for the CJK faces), and ``PDFTextObject._formatText``:
     shaped text is drawn inside an /ActualText span holding the text it was shaped from;
  11. tagged PDF: ``PDFDocument.thisPageName``'s naming of pages (``Page1``), the
     ``__NoDefault__`` list a ``PDFPage`` formats its entries from (``/StructParents`` and
     ``/Tabs`` are not in it), and ``ttfonts.makeToUnicodeCMap`` (looked up by name when
     a subset is written): presentation forms and ligatures map to the letters they
     stand for, so copied or searched Arabic reads as plain letters;
  12. ``TTFont.hbFont`` / ``hbAddPrivate`` / ``pdfScale``, ``TTFontFace.glyphToChar`` /
     ``charWidths``, ``ShapedStr`` and ``ShapeData``: runs of the bidi paragraph shaped
     by HarfBuzz and drawn through ReportLab's shaped-string path; glyphs without a
     character numbered in glyph order.
python-bidi
  9. ``bidi.algorithm``'s rule functions: embedding levels of a whole paragraph in
     logical order, before line breaking (its public API reorders a single line).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import re
import sys
import threading
import types
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from . import typography

# --- 1. start-up ---------------------------------------------------------------------------
# ReportLab imports Pillow (bitmap logos), uharfbuzz (Devanagari) and Pyphen (which
# handouts never asks ReportLab for) whenever it is imported: 40-50 ms of a cold start
# that used none of them. Each is put into sys.modules as a module whose code runs on
# its first attribute use. importlib.util.LazyLoader cannot do this on Python 3.11 (an
# import statement reads __spec__, which loads a LazyLoader module).

DEFERRED = ("PIL.Image", "uharfbuzz", "pyphen")
_LOCK = threading.RLock()
_RUNNING: set[str] = set()


class _Deferred(types.ModuleType):
    """A module whose code has not run yet; it runs, in place, on first use."""

    def __getattr__(self, attr: str) -> Any:  # only called for attributes not yet set
        spec = self.__spec__
        assert spec is not None and spec.loader is not None  # set by defer()
        with _LOCK:
            if type(self) is _Deferred and spec.name not in _RUNNING:
                _RUNNING.add(spec.name)
                setattr(spec, "_initializing", True)  # what the import system marks while a module runs  # noqa: B010
                try:
                    spec.loader.exec_module(self)
                except BaseException:
                    sys.modules.pop(spec.name, None)  # as after a failed import
                    raise
                finally:
                    setattr(spec, "_initializing", False)  # noqa: B010
                    _RUNNING.discard(spec.name)
                self.__class__ = types.ModuleType  # type: ignore[assignment]  # from here on an ordinary module
        if type(self) is _Deferred:  # asked from inside its own code, before it set the name
            raise AttributeError(f"partially initialized module {spec.name!r} has no attribute {attr!r}")
        return getattr(self, attr)


def defer(name: str) -> None:
    """Put a not-yet-run ``name`` into ``sys.modules``, unless imported or absent."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:
        return
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    module = importlib.util.module_from_spec(spec)
    if type(module) is not types.ModuleType:  # an extension module cannot run in place
        return
    module.__class__ = _Deferred
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:  # as the import system does for a submodule
        setattr(sys.modules[parent], child, module)


# Patterns platypus compiles at import that handouts never uses: URI hyphenation (60-70
# ms), word hyphenation, and textsplit's cjkwrap pattern. How they begin in 5.1:
_LAZY_STARTS = (
    "(^(?:[a-z0-9\\.\\-\\+]*)://)",  # paragraph.uri_pat
    "([\u2e80-\uffff])",  # textsplit.rx
    "^['\"([{\xbf",  # paragraph._hy_pfx_pat
    "[]'\")}?!.,;:",  # paragraph._hy_sfx_pat
    "^[A-Za-z\xc0-",  # paragraph._hy_letters_pat
    "^[-\xadA-Za-z",  # paragraph._hy_shy_letters_pat
    "([-\xad])",  # paragraph._hy_shy_pat
)


class LazyPattern:
    """A regular expression compiled when first used."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:  # called only for names not yet kept
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        value = getattr(self._compiled, name)
        setattr(self, name, value)
        return value


def _import_paragraph() -> None:
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    compile_now = re.compile

    def compile_later(pattern, flags=0):  # noqa: ANN001, ANN202 (re.compile's signature)
        if isinstance(pattern, str) and pattern.startswith(_LAZY_STARTS):
            return LazyPattern(pattern, flags)
        return compile_now(pattern, flags)

    # The package __init__ imports tables and frames handouts never uses: it runs only
    # when something asks the package itself for a name.
    defer("reportlab.platypus")
    re.compile = compile_later  # only while platypus imports, before any thread starts
    try:
        import reportlab.platypus.paragraph  # noqa: F401
    finally:
        re.compile = compile_now


def lazy_patterns() -> dict[str, Any]:
    """The platypus patterns that compile on first use, by where they live (for tests:
    each must still match as ReportLab compiled it)."""
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    return {
        "paragraph.uri_pat": paragraph.uri_pat,
        "paragraph._hy_pfx_pat": paragraph._hy_pfx_pat,  # noqa: SLF001
        "paragraph._hy_sfx_pat": paragraph._hy_sfx_pat,  # noqa: SLF001
        "paragraph._hy_letters_pat": paragraph._hy_letters_pat,  # noqa: SLF001
        "paragraph._hy_shy_letters_pat": paragraph._hy_shy_letters_pat,  # noqa: SLF001
        "paragraph._hy_shy_pat": paragraph._hy_shy_pat,  # noqa: SLF001
        "textsplit.rx": textsplit.rx,
    }


# --- 2. kinsoku ---------------------------------------------------------------------------
# ReportLab's CJK line breaker knows the Japanese no-line-start list but not the
# full-width comma, semicolon and friends of Chinese. The list is a module constant that
# paragraph.py imported by name: both copies get the additions.
KINSOKU_EXTRA = "，；：？！）】〕〉》」』、。．・ー～…‥"


def _extend_kinsoku() -> None:
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    merged = textsplit.ALL_CANNOT_START + "".join(c for c in KINSOKU_EXTRA if c not in textsplit.ALL_CANNOT_START)
    textsplit.ALL_CANNOT_START = paragraph.ALL_CANNOT_START = merged
    _cjk_breaking(paragraph)


# ReportLab's breaker for CJK text (``paragraph.cjkFragSplit``, looked up by name in
# paragraph.py, and ``textsplit.wordSplit`` for a paragraph in one font) breaks at any
# character, applies the no-line-start rule only to the character that overflows, and
# has no no-line-end rule: "、" or "。" started lines after a run of Latin letters, "（"
# ended them, a space began them, and inside a Latin run it broke at the no-break space
# of a phone number ("(555) " / "010-0199）"). Its Latin runs were not kerned (it never
# shapes). :func:`cjk_lines` breaks such paragraphs instead, with ReportLab's own pieces
# (``cjkU``: a character with its fragment and width; ``makeCJKParaLine``: a line of
# them; ``ParaLines``), and draws the Latin, Greek and Cyrillic runs of a small face
# kerned (see :func:`_kern_units`). A closing mark or a space may hang past the measure
# (the paragraph is broken one character narrower than its column for this; see
# flowables.TextParagraph).
CANNOT_END = "（([{〔［｛〈《「『【‘“"
#: Spaces a line does not break at (typography.NBSP and friends).
_NO_BREAK_SPACES = "\u00a0\u202f\u2007\u2060\ufeff"
#: Ideographs that follow a number as its counter or unit: a number keeps them, and a
#: date ("2026年12月28日") is not broken after its year or month either.
_DATE_MARKS = "年月"
#: Words read with the number after them ("約5人", "大約 3 個月", "每10人", "第2次", "各20人"):
#: a line does not end with one and begin with its number.
_NUMBER_PREFIXES = r"(?:大[約约]|[約约每毎各第])+"
#: A CLDR date in Chinese or Japanese, and a range of two ("2026年12月28日～2027年1月4日",
#: "2027年6月7日 – 14日", "12月28日至1月4日"): spaces may stand around its numbers.
_CJK_DATE = r"\d+\s*年\s*\d+\s*月(?:\s*\d+\s*日)?|\d+\s*月\s*\d+\s*日"
_RANGE_DASH = r"[\s\u00a0]*[–—~〜～至-][\s\u00a0]*"
#: Units a CJK line is not broken inside (see :func:`_kept_together`).
_CJK_UNITS = re.compile(
    rf"(?P<date>{_CJK_DATE})(?:(?P<dash>{_RANGE_DASH})(?:{_CJK_DATE}|\d+\s*日))?"
    rf"|{_NUMBER_PREFIXES}\s*\d"
)
_ASIDE = re.compile(r"[（(][^（）()\n]{1,24}[）)]")


def _wide(char: str) -> bool:
    """A character between which and its neighbours a CJK line may break."""
    return char >= "\u2e80"


def _ideograph(char: str) -> bool:
    """A CJK letter (a counter or unit after a number), not a punctuation mark."""
    import unicodedata

    return _wide(char) and unicodedata.category(char) == "Lo"


def _space(char: str) -> bool:
    """A space a line may break after."""
    return bool(char) and (char in " \u3000" or (char.isspace() and char not in _NO_BREAK_SPACES))


def _may_break(before: str, after: str, earlier: str) -> bool:
    """Whether a CJK line may break between ``before`` and ``after`` (``earlier`` is the
    character before ``before``): after a space or next to a CJK character, never inside
    a word of Latin letters, digits or a phone number, never between a number and its
    unit, and never before a closing mark or a space or after an opening one."""
    from reportlab.platypus import paragraph

    if not before or not after or after in paragraph.ALL_CANNOT_START or before in CANNOT_END or _space(after):
        return False
    if before in _NO_BREAK_SPACES or after in _NO_BREAK_SPACES:  # it binds what stands either side
        return False
    if _space(before):
        return not (earlier.isdigit() and _ideograph(after))  # "20 分": a number and its unit
    if before.isdigit() and _ideograph(after):
        return False  # "12週", "2026年"
    if before in _DATE_MARKS and after.isdigit():
        return False
    return _wide(before) or _wide(after)


def _kept_together(units: list[Any]) -> tuple[set[int], set[int]]:
    """Where a CJK line must not break between ``units[i - 1]`` and ``units[i]`` (as
    indexes ``i``), and where it may only when nothing else on the line allows it: inside
    a date (all of a range: its second half is never left alone, but a range wider than
    the line breaks after its dash), a number with the word before it that it is read
    with ("約5人"), and a short parenthesis holding a number ("（約5人に1人）")."""
    text = "".join(u if len(u) == 1 else "\ufffc" for u in units)  # one character per unit
    kept: set[int] = set()
    soft: set[int] = set()
    for match in _CJK_UNITS.finditer(text):
        kept.update(range(match.start() + 1, match.end()))
        if match.group("dash") is not None and match.end() > match.end("dash"):
            soft.add(match.end("dash"))
    for match in _ASIDE.finditer(text):
        aside = match.group(0)
        # "（約5人に1人）", as typography keeps one in other languages with no-break spaces
        if typography.short_aside(aside):
            kept.update(range(match.start() + 1, match.end()))
    return kept - soft, soft


def cjk_lines(para: Any, max_widths: Any) -> Any:
    """What ``Paragraph.breakLinesCJK`` returns, by the rules above, for every paragraph
    (ReportLab sends one in a single font to ``textsplit.wordSplit``)."""
    from reportlab.platypus import paragraph

    if not isinstance(max_widths, (list, tuple)):
        max_widths = [max_widths]
    if hasattr(para, "blPara") and para.__dict__.get("_splitpara"):  # the rest of a split: its lines as they were
        return para.blPara
    if not para.frags or para.style.endDots:
        return paragraph.Paragraph.breakLinesCJK(para, max_widths)
    para.height = 0
    paragraph._handleBulletWidth(para.bulletText, para.style, max_widths)  # noqa: SLF001 (as breakLinesCJK does)
    leading = getattr(para, "autoLeading", getattr(para.style, "autoLeading", ""))
    return _cjk_split(para.frags, max_widths, leading not in ("", "off"))


def _cjk_split(frags: Any, max_widths: Any, calc_bounds: bool, encoding: str = "utf8") -> Any:
    """Break fragments into CJK lines: as many characters as fit, then back to the last
    place :func:`_may_break` allows; one closing mark or space may hang past the measure."""
    from reportlab.platypus import paragraph

    units: list[Any] = []
    for frag in frags:
        text = frag.text.decode(encoding) if isinstance(frag.text, bytes) else str(getattr(frag, "text", ""))
        if text:
            units.extend(paragraph.cjkU(char, frag, encoding) for char in text)
        else:
            units.append(paragraph.cjkU(text, frag, encoding))
    kerns = _kern_units(units)
    kept, soft = _kept_together(units)

    def may_break(i: int) -> bool:
        return i not in kept and _may_break(units[i - 1], units[i], units[i - 2] if i >= 2 else "")

    spans = _greedy_spans(units, max_widths, may_break, soft)
    _no_lone_last_character(units, spans, max_widths, may_break)
    lines: list[Any] = []
    for start, end, hard in spans:
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        line = units[start:end]
        drawn = line
        while drawn and _space(drawn[-1]):
            drawn = drawn[:-1]
        used = sum(u.width for u in drawn) - (kerns.get(id(drawn[-1]), 0.0) if drawn else 0.0)
        lines.append(paragraph.makeCJKParaLine(line, max_width, used, max_width - used, hard, calc_bounds))
    for line in lines:
        line.words = [_kerned_piece(word) for word in line.words]
    return paragraph.ParaLines(kind=1, lines=lines)


def _greedy_spans(
    units: list[Any], max_widths: Any, may_break: Callable[[int], bool], soft: set[int],
) -> list[tuple[int, int, bool]]:
    """Each line's ``(start, end, ends in a hard break)``: as many units as fit, then
    back to the last allowed break (a ``soft`` one only when the line has no other)."""
    from reportlab.platypus import paragraph

    fuzz = paragraph._FUZZ  # noqa: SLF001
    spans: list[tuple[int, int, bool]] = []
    start, count = 0, len(units)
    while start < count:
        max_width = max_widths[min(len(spans), len(max_widths) - 1)]
        width, last_break, last_soft, i, end, hard = 0.0, None, None, start, count, False
        while i < count:
            unit = units[i]
            if hasattr(unit.frag, "lineBreak"):
                end, hard = i + 1, True
                break
            w = unit.width
            if hasattr(w, "normalizedValue"):  # a percentage width (an image): as ReportLab
                w._normalizer = max_width
                w = w.normalizedValue(max_width)
            if i > start and i in soft:
                last_soft = i
            elif i > start and may_break(i):
                last_break = i
            if width + w > max_width + fuzz and i > start:
                hangs = bool(unit) and (unit in paragraph.ALL_CANNOT_START or _space(unit)) and width <= max_width + fuzz
                if not hangs:
                    fallback = last_soft if last_soft is not None else _forced_break(units, start, i)
                    end = last_break if last_break is not None else fallback
                    break
            width += w
            i += 1
        while end < count and _space(units[end]) and not hard:  # spaces stay at the end of the line they follow
            end += 1
        spans.append((start, end, hard))
        start = end
    return spans


def _no_lone_last_character(
    units: list[Any], spans: list[tuple[int, int, bool]], max_widths: Any, may_break: Callable[[int], bool],
) -> None:
    """A paragraph's last line (or the last before a forced break) holding one letter and
    its punctuation ("くださ" / "い。") takes more from the line above, at an allowed
    break, when they fit: the last line of CJK text has at least two characters."""
    from reportlab.platypus import paragraph

    fuzz = paragraph._FUZZ  # noqa: SLF001
    for n in range(1, len(spans)):
        start, end, hard = spans[n]
        prev_start, prev_end, prev_hard = spans[n - 1]
        last = hard or n == len(spans) - 1
        if not last or prev_hard or _letters(units[start:end]) >= 2:
            continue
        max_width = max_widths[min(n, len(max_widths) - 1)]
        for k in range(prev_end - 1, prev_start, -1):
            if _letters(units[k:end]) < 2 or not may_break(k):
                continue
            drawn = units[k:end - 1 if hard else end]
            while drawn and (_space(drawn[-1]) or drawn[-1] in paragraph.ALL_CANNOT_START):
                drawn = drawn[:-1]  # as in the greedy pass, a closing mark may hang
            if sum(u.width for u in drawn) <= max_width + fuzz and _letters(units[prev_start:k]) >= 1:
                spans[n - 1], spans[n] = (prev_start, k, False), (k, end, hard)
            break


def _letters(units: Iterable[str]) -> int:
    """How many letters and digits (not punctuation or spaces) are among ``units``."""
    import unicodedata

    return sum(1 for u in units if len(u) == 1 and unicodedata.category(u)[0] in "LN")


def _forced_break(units: list[Any], start: int, overflow: int) -> int:
    """Where a line with no allowed break (a word or number longer than the line) breaks:
    the last place before ``overflow`` that kinsoku allows, else at ``overflow``."""
    from reportlab.platypus import paragraph

    for k in range(overflow, start, -1):
        before, after = units[k - 1], units[k]
        if before not in CANNOT_END and not (after and after in paragraph.ALL_CANNOT_START) and not _space(after):
            return k
    return overflow


def _kern_units(units: list[Any]) -> dict[int, float]:
    """Give the characters of each run of a small face (Latin, Greek, Cyrillic: not the
    CJK faces, read whole into HarfBuzz only for tens of megabytes) their kerned
    advances (``cjkU._width``), so lines are measured as they are drawn. Returns, by
    unit, the kern it took from the pair it starts: gone when a line ends after it."""
    from reportlab.pdfbase import pdfmetrics

    kerns: dict[int, float] = {}
    i = 0
    while i < len(units):
        frag = units[i].frag
        j = i
        while j < len(units) and units[j].frag is frag:
            j += 1
        run = units[i:j]
        i = j
        font = None if hasattr(frag, "cbDefn") or len(run) < 2 else pdfmetrics.getFont(frag.fontName)
        if font is None or not getattr(font, "_handouts_kern_in_cjk", False):
            continue
        advances = _advances(font, "".join(run))
        if advances is None:
            continue
        size = frag.fontSize / 1000
        for unit, advance in zip(run, advances):
            kerned = advance * size
            if kerned != unit.width:
                kerns[id(unit)] = kerned - unit.width
                unit._width = kerned  # noqa: SLF001 (cjkU keeps its width there)
    return kerns


def _shaped(font: Any, text: str, features: dict[str, bool]) -> Any:
    """``text`` shaped by HarfBuzz in ``font`` with ``features``: a buffer of glyphs
    with one cluster per character (``TTFont.hbFace``; the HarfBuzz font is made once
    per font, not per word as ReportLab's ``hbFont`` does)."""
    import uharfbuzz

    hb_font = font.__dict__.get("_handouts_hb_plain")
    if hb_font is None:
        hb_font = font._handouts_hb_plain = uharfbuzz.Font(font.hbFace)
    buf = uharfbuzz.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
    uharfbuzz.shape(hb_font, buf, features)
    return buf


def _advances(font: Any, text: str) -> list[float] | None:
    """Each character's advance in ``text`` kerned (1000ths of the size), or None when
    shaping does not keep one glyph per character."""
    buf = _shaped(font, text, font._handouts_features)
    infos, positions = buf.glyph_infos, buf.glyph_positions
    to_char = font.face.glyphToChar
    if len(infos) != len(text):
        return None
    for k, (info, char) in enumerate(zip(infos, text)):
        if info.cluster != k or chr(to_char.get(info.codepoint, (0,))[0]) != char:
            return None
    return [font.pdfScale(pos.x_advance) for pos in positions]


def _kerned_piece(word: Any) -> Any:
    """A line's fragment of a small face with its text kerned (a ShapedStr whose glyphs
    are its characters: the text layer reads as typed), through the memo of shaped
    words when there is one."""
    from reportlab.pdfbase import pdfmetrics

    text = getattr(word, "text", "")
    if hasattr(word, "cbDefn") or len(text) < 2 or type(text) is not str:
        return word
    font = pdfmetrics.getFont(word.fontName)
    if not getattr(font, "_handouts_kern_in_cjk", False):
        return word
    def make() -> tuple[float, Any] | None:
        result = _kerned([0.0, (word, text)], font, font._handouts_features)
        return None if result is None or len(result) != 2 or result[1][1] is text else (result[0], result[1][1])

    memo = _WORDS.get()
    known = make() if memo is None else memo((word.fontName, word.fontSize, text), make)
    if known is None:
        return word
    word.text = known[1]
    return word


def _cjk_breaking(paragraph: Any) -> None:
    # A plain Paragraph (not ours) set in several fonts gets these lines too.
    def split(frags, maxWidths, calcBounds, encoding="utf8"):  # noqa: ANN001, ANN202, N803 (ReportLab's signature)
        return _cjk_split(frags, maxWidths, calcBounds, encoding)

    paragraph.cjkFragSplit = split


def prepare() -> None:
    """Defer :data:`DEFERRED`; run before anything imports ReportLab
    (``handouts/__init__``)."""
    for name in DEFERRED:
        defer(name)


def import_platypus() -> None:
    """Import platypus's paragraph module without its unused start-up work, and extend
    its kinsoku list (:mod:`handouts.platypus` calls this once)."""
    global _HOOKED
    with _LOCK:
        if _HOOKED:
            return
        _import_paragraph()  # does nothing if something imported it already (svglib)
        _extend_kinsoku()
        _shape_per_font()
        _to_unicode_letters()
        _HOOKED = True


_HOOKED = False

# --- 10. shaping a word set in several fonts --------------------------------------------------
# ReportLab's shapeFragWord shapes a whole word with the font of its first fragment and
# reads the glyph numbers it gets in the fonts of the later fragments: a Greek name in
# Fira Sans next to a Hindi danda in Hind came out as Hind glyph numbers past the end of
# Hind (IndexError when the subset is cut), or as wrong glyphs. Each run of one font is
# shaped on its own here, and the runs are joined back into one word.
# A run in a CJK face is left as ReportLab sets it (see :func:`_left_unshaped`): Korean
# paragraphs are shaped for the kerning of their Latin words, and their Hangul never
# reaches HarfBuzz.


def _left_unshaped(font: Any) -> bool:
    """Whether a font's runs are never shaped: the CJK faces (:func:`kerning_only`
    without ``in_cjk_lines``). HarfBuzz would change none of their glyphs: the text is
    NFC (Hangul syllables and kana precomposed), NanumGothic has no GPOS and its
    ``kern`` table pairs only ASCII letters (which the Latin faces before it in every
    stack draw), WQY Zen Hei's GPOS has no feature and IPAGothic none at all. Shaping
    them would only read the whole face (5-17 MB, tens of thousands of glyphs) into
    HarfBuzz in every worker."""
    return getattr(font, "_handouts_features", None) is not None and not getattr(font, "_handouts_kern_in_cjk", True)


def _shape_per_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import textobject
    from reportlab.platypus import paragraph

    shape_default = paragraph.shapeFragWord

    def shape_one(word):  # noqa: ANN001, ANN202
        # The features of the run's font (kerning_only), else ReportLab's own.
        first = next((frag for frag, _ in word[1:] if not hasattr(frag, "cbDefn")), None)
        if first is None:
            return shape_default(word)
        font = pdfmetrics.getFont(first.fontName)
        if _left_unshaped(font):
            return word
        features = getattr(font, "_handouts_features", None)
        if features is None:  # substitutions: glyphs without a character, numbered first
            _hb_font(first.fontName)
            return shape_default(word)
        if len(word) == 2:  # one piece of text in one font: most words
            kerned = _kerned(word, font, features)
            if kerned is not None:
                return kerned
        return shape_default(word, features=features)

    def shape_frag_word(word):  # noqa: ANN001, ANN202 (ReportLab's frag-word lists)
        parts = word[1:]
        if any(hasattr(frag, "cbDefn") for frag, _ in parts):  # an anchor or index entry: one run
            return _with_sources(shape_one(word), [(frag, text) for frag, text in parts if not hasattr(frag, "cbDefn")])
        from reportlab.pdfbase.pdfmetrics import stringWidth
        from reportlab.pdfbase.ttfonts import makeShapedFragWord

        runs: list[list[Any]] = []
        for frag, text in parts:
            if runs and runs[-1][-1][0].fontName == frag.fontName:
                runs[-1].append((frag, text))
            else:
                runs.append([(frag, text)])
        if len(runs) == 1:
            if _left_unshaped(pdfmetrics.getFont(parts[0][0].fontName)):
                return word  # a Hangul word: not a memo entry either
            memo = _WORDS.get()
            if memo is None or len(parts) != 1:
                return _with_sources(shape_one(word), parts)
            frag, text = parts[0]
            if type(text) is not str:  # shaped before (a paragraph split and wrapped again)
                return _with_sources(shape_one(word), parts)

            def make() -> tuple[float, Any] | None:
                result = _with_sources(shape_one(word), parts)
                return None if result is word else (result[0], result[1][1])

            known = memo((frag.fontName, frag.fontSize, text), make)
            return word if known is None else makeShapedFragWord(word)([known[0], (frag, known[1])])
        width = 0.0
        items: list[Any] = []
        shaped = False
        for run in runs:
            plain = sum(stringWidth(text, frag.fontName, frag.fontSize) for frag, text in run)
            result = _with_sources(shape_one(word.__class__([plain, *run])), run)
            shaped = shaped or result[0] != plain or any(a is not b for a, b in zip(result[1:], run))
            width += result[0]
            items.extend(result[1:])
        if not shaped:
            return word
        return makeShapedFragWord(word)([width, *items])

    paragraph.shapeFragWord = shape_frag_word

    # The text layer: a shaped string's characters are glyphs (private-use code points
    # for conjuncts, reordered vowel signs), so each is drawn inside a span whose
    # /ActualText is the text it came from: copy, search and screen readers get
    # "शर्मा", not "शमा" and a private-use character.
    format_text = textobject.PDFTextObject._formatText

    def _format_text(self, text):  # noqa: ANN001, ANN202
        code = format_text(self, text)
        stroke = getattr(pdfmetrics.getFont(self._fontname), "_handouts_embolden", 0.0)
        if stroke:  # synthetic bold: the outlines filled and stroked in the text colour
            # The text object's own colour if it set one, else the canvas's.
            colour = self.__dict__.get("_fillColorObj") or getattr(self._canvas, "_fillColorObj", None)
            rgb = colour.rgb() if colour is not None and hasattr(colour, "rgb") else (0, 0, 0)
            code = f"2 Tr {stroke * self._fontsize:.3f} w {rgb[0]:.4g} {rgb[1]:.4g} {rgb[2]:.4g} RG {code} 0 Tr"
        data = getattr(text, "__shapeData__", None)
        if not data or not any(isinstance(d, _Sourced) for d in data):
            return code
        # Words joined into a line keep their glyphs' data: each word's text rides on
        # its first glyph; plain characters between words (spaces) are their own text.
        source = "".join(d.source if isinstance(d, _Sourced) else char for char, d in zip(text, data))
        if source == str(text) and type(data[0]) is not _Told:
            return code
        return f"/Span <</ActualText <FEFF{source.encode('utf-16-be').hex().upper()}>>> BDC {code} EMC"

    textobject.PDFTextObject._formatText = _format_text


#: What a face whose letters need no substitution is shaped with: its kerning (GPOS
#: ``kern``; ``mark``/``mkmk`` and ``ccmp`` stay on by HarfBuzz's default) and no
#: ligatures or contextual alternates. A ligature ("fi" in Fira Sans) is one glyph for
#: two letters: the text layer would then need an /ActualText span around every word
#: holding one, which some readers (and older screen readers) ignore, and the glyph
#: often has no character of its own, so ReportLab would invent a private-use one for
#: it, numbered in the order the process meets them (a PDF that depends on which
#: handout was made first). With kerning only, each glyph is its letter: the text layer
#: stays the letters typed, with no span at all; Atkinson Hyperlegible has no
#: ligatures anyway, and spaced-out letters are what it was drawn for.
KERNING_ONLY = {"kern": True, "liga": False, "clig": False, "dlig": False, "calt": False}


def kerning_only(font: Any, in_cjk_lines: bool = False) -> None:
    """Shape a font's text with :data:`KERNING_ONLY` (our own attribute on the TTFont,
    read by the shaping hook above); other fonts get ReportLab's default features
    (kerning and ligatures: Devanagari conjuncts need the font's substitutions).
    ``in_cjk_lines``: its runs inside Chinese, Japanese and Korean paragraphs are kerned
    too (a small face; see :func:`cjk_lines`)."""
    font._handouts_features = KERNING_ONLY
    font._handouts_kern_in_cjk = in_cjk_lines


#: The memo of shaped words for the paragraph being wrapped, if it may keep them (a
#: shared paragraph of template text; never one holding personal text): see
#: :func:`remembering_words`.
_WORDS: contextvars.ContextVar[Callable[[Hashable, Callable[[], Any]], Any] | None] = contextvars.ContextVar("words", default=None)


@contextlib.contextmanager
def remembering_words(memo: Callable[[Hashable, Callable[[], Any]], Any] | None) -> Iterator[None]:
    """Shape the words of paragraphs wrapped inside this block through ``memo(key,
    make)`` (keyed on font, size and text; the speed layer's): a paragraph is wrapped at
    several widths, and platypus shapes every word again each time."""
    token = _WORDS.set(memo)
    try:
        yield
    finally:
        _WORDS.reset(token)


def _kerned(word: Any, font: Any, features: dict[str, bool]) -> Any:
    """What ReportLab's ``shapeFragWord`` makes of a word of one piece in a face shaped
    for its kerning alone, without what it does per call and per glyph for
    substitutions (a HarfBuzz font made anew, each glyph's name looked up): shaping every
    word of a handout this way took half the time. None when a glyph has no character
    (ReportLab's own path numbers it)."""
    from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr, makeShapedFragWord

    frag, text = word[1]
    if type(text) is not str:  # shaped before (a paragraph split and wrapped again)
        return None
    if not text:
        return word
    buf = _shaped(font, text, features)
    to_char, widths, scale = font.face.glyphToChar, font.face.charWidths, font.pdfScale
    size = frag.fontSize / 1000
    chars, data = [], []
    width = 0.0
    shaped = changed = False
    for i, (info, pos) in enumerate(zip(buf.glyph_infos, buf.glyph_positions)):
        codes = to_char.get(info.codepoint)
        if not codes:
            return None
        code = codes[0]
        char = chr(code)
        x_advance, x_offset, y_offset = scale(pos.x_advance), scale(pos.x_offset), scale(pos.y_offset)
        width += x_advance * size
        same = i < len(text) and text[i] == char
        # ReportLab's tests, in its order (a glyph moved, or added, or its advance changed).
        shaped = shaped or x_offset != 0 or y_offset != 0 or i >= len(text) or (same and x_advance != widths[code])
        changed = changed or shaped or not same
        chars.append(char)
        data.append(ShapeData(info.cluster, x_advance, scale(pos.y_advance), x_offset, y_offset, widths[code]))
    if not changed:
        return word
    return makeShapedFragWord(word)([width, (frag, ShapedStr("".join(chars), shapeData=data))])


def embolden(font: Any, stroke: float) -> None:
    """Mark a font, before it is registered, to be drawn as synthetic bold (outline
    stroke in em; see the text hook above): our own attribute on the TTFont. Its face
    gets a name of its own (``TTFontFace.name``): ReportLab registers a second font of
    the same face as an alias of the first, which would draw bold text regular."""
    font._handouts_embolden = stroke
    font.face.name = font.face.name + b"-Bold"


def _with_sources(word: Any, parts: list[Any]) -> Any:
    """Give each shaped string of a shaped word the text it was shaped from (HarfBuzz's
    clusters are indices into the word's text)."""
    from reportlab.pdfbase.ttfonts import ShapedStr

    if any(isinstance(t, ShapedStr) for _, t in parts):
        return word  # shaped before (a paragraph wrapped again): its glyphs know their text
    text = "".join(t for _, t in parts)
    items = word[1:]
    if "".join(t for _, t in items) == text:
        return word  # each glyph is its own character (kerned Latin): the text as drawn
    starts = [min((d.cluster for d in getattr(t, "__shapeData__", None) or () if d.cluster >= 0), default=None) for _, t in items]
    for index, (_, shaped) in enumerate(items):
        if not isinstance(shaped, ShapedStr) or starts[index] is None:
            continue
        end = next((s for s in starts[index + 1 :] if s is not None), len(text))
        data = shaped.__shapeData__
        data[:] = [_Sourced(d, text[starts[index] : end] if i == 0 else "") for i, d in enumerate(data)]
    return word


class _Sourced(tuple):
    """A glyph's ShapeData (ReportLab reads its fields by name) with the text it stands
    for: a shaped string's first glyph carries the whole string's text."""

    source: str

    def __new__(cls, data: Any, source: str) -> _Sourced:
        self = super().__new__(cls, data)
        self.source = source
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Sourced:
        return self  # immutable

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Sourced, (tuple(self), self.source))

    cluster = property(lambda self: self[0])
    x_advance = property(lambda self: self[1])
    y_advance = property(lambda self: self[2])
    x_offset = property(lambda self: self[3])
    y_offset = property(lambda self: self[4])
    width = property(lambda self: self[5])


# --- 12. HarfBuzz runs of a bidi paragraph -------------------------------------------------
# The bidi paragraph (rtl.py) breaks and orders its lines itself, so it cannot use
# ReportLab's shaping of paragraph words; it shapes each run of one face and direction
# here, with HarfBuzz on the font ReportLab parsed (its joining, ligatures, mark
# positions and kerning), and draws the glyphs through ReportLab's own path for shaped
# strings (``ShapedStr`` with ``ShapeData``: the TJ adjustments and rises for marks).
# A glyph no character maps to (a ligature, a contextual form) is encoded as a
# private-use character (``TTFont.hbAddPrivate``, which writes the font's
# ``charToGlyph``, ``glyphToChar`` and ``charWidths``). ReportLab numbers them in the order
# a process meets them, so the same handout would encode differently after another one:
# every such glyph of a font is numbered once, in glyph order, before its first shaping.

@dataclass(frozen=True)
class ShapedGlyph:
    """One glyph of a shaped run, in visual order (left to right)."""

    char: str  # the character ReportLab encodes it as (the font's, or a private-use one)
    cluster: int  # index in the run's text of the first character it draws
    advance: float  # in 1000ths of the font size, as ReportLab's widths
    x_offset: float
    y_offset: float
    width: float  # the glyph's own advance (what the PDF viewer moves by)
    private: bool  # no character of the font maps to it: its text must be told


def _hb_font(face: str) -> Any:
    """The HarfBuzz font of a registered face, made once, after numbering its
    character-less glyphs in glyph order."""
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(face)
    hb_font = font.__dict__.get("_handouts_hb")
    if hb_font is None:
        with _LOCK:
            hb_font = font.__dict__.get("_handouts_hb")
            if hb_font is None:
                hb_font = font.hbFont(1000)  # sets up font.hbAddPrivate
                mapped = font.face.glyphToChar
                private = [
                    font.hbAddPrivate(hb_font.glyph_to_string(gid), gid, font.pdfScale(hb_font.get_glyph_h_advance(gid)))
                    for gid in range(hb_font.face.glyph_count)
                    if gid not in mapped
                ]
                font._handouts_private = frozenset(private)
                font._handouts_hb = hb_font
    return hb_font


_ALPHABETS = frozenset({"Latn", "Grek", "Cyrl"})


def shape_run(face: str, text: str, rtl: bool) -> tuple[ShapedGlyph, ...]:
    """Shape ``text`` (logical order, one face and direction) with all of the face's
    default features; the glyphs come back in visual order."""
    import uharfbuzz
    from reportlab.pdfbase import pdfmetrics

    hb_font = _hb_font(face)
    font = pdfmetrics.getFont(face)
    buf = uharfbuzz.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    # Every character keeps its own cluster index (ReportLab's choice too): widths go
    # to characters, and a ligature's or a mark's text can be told.
    buf.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
    # Latin, Greek and Cyrillic letters (a name, "Botox" in an Arabic line) are kerned
    # and not joined into ligatures, as in every other paragraph (KERNING_ONLY).
    uharfbuzz.shape(hb_font, buf, KERNING_ONLY if buf.script in _ALPHABETS else {})
    scale = font.pdfScale
    to_char, widths, private = font.face.glyphToChar, font.face.charWidths, font._handouts_private
    out = []
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
        chars = to_char[info.codepoint]  # every glyph has one: see _hb_font
        code = chars[0]
        out.append(ShapedGlyph(chr(code), info.cluster, scale(pos.x_advance), scale(pos.x_offset), scale(pos.y_offset), widths[code], code in private))
    return tuple(out)


def shaped_string(glyphs: Iterable[ShapedGlyph], source: str | None = None) -> Any:
    """The glyphs as a string ReportLab draws with their positions; ``source`` (if
    given) is the text the PDF's text layer gets for them, in an /ActualText span even
    where it equals the glyphs' own characters (the span makes them one word)."""
    from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr

    glyphs = list(glyphs)
    data: list[Any] = [ShapeData(g.cluster, g.advance, 0, g.x_offset, g.y_offset, g.width) for g in glyphs]
    if source is not None and data:
        data = [_Told(d, source if i == 0 else "") for i, d in enumerate(data)]
    return ShapedStr("".join(g.char for g in glyphs), shapeData=data)


class _Told(_Sourced):
    """The first glyph of a run that gets its /ActualText span even when the text is the
    glyphs' own characters (see rtl._pieces)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Told, (tuple(self), self.source))


# --- 3. canvas operators -----------------------------------------------------------------


def operators(canv: Any) -> list[str]:
    """The current page's content-stream operators (a list drawing appends to)."""
    return canv._code  # noqa: SLF001


def document(canv: Any) -> Any:
    """The PDFDocument a canvas writes into (fonts are numbered per document)."""
    return canv._doc  # noqa: SLF001


# --- 4. font subsets in a document --------------------------------------------------------


def assigned(face: str, doc: Any) -> dict[int, int]:
    """Character -> code of a registered TrueType face in one document so far."""
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(face)
    font.splitString("", doc)  # creates the document's state, as drawing would
    return font.state[doc].assignments


def font_names(doc: Any) -> dict[str, str]:
    """Internal PDF font name (``F3``) -> ReportLab face name, for a document."""
    return {mapped.lstrip("/"): face for face, mapped in doc.fontMapping.items()}


def cmap(face: str) -> dict[int, int]:
    """The character map ReportLab draws a registered face from (parsed when the font
    was registered; reading it with fontTools again cost 0.25 s per CJK font)."""
    from reportlab.pdfbase.pdfmetrics import getFont

    return getFont(face).face.charToGlyph


def sibling(font: Any, name: str) -> Any:
    """A second TTFont named ``name`` on ``font``'s file, without reading the file again:
    a synthetic bold is the regular face's outlines, and parsing WenQuanYi Zen Hei's
    tables took 150 ms a face in every process that makes a Chinese handout.

    Copies the attributes ``TTFont.__init__`` sets (ReportLab 4.x-5.x: ``fontName``,
    ``face``, ``encoding``, ``state``, ``_asciiReadable``, ``shapable``), giving the copy
    its own name, encoding and per-document state; the face is a shallow copy, sharing
    the parsed tables and file data (read only after parsing) but free to take a name
    of its own (:func:`embolden`). Call it on a font as ``TTFont`` made it, before any
    hook here changes it."""
    import copy
    from weakref import WeakKeyDictionary

    from reportlab.pdfbase.ttfonts import TTEncoding

    twin = copy.copy(font)
    twin.fontName = name
    twin.face = copy.copy(font.face)
    twin.encoding = TTEncoding()
    twin.state = WeakKeyDictionary()
    return twin


# --- 5. embedding a subset already cut ------------------------------------------------------


def embed_subsets_with(font: Any, cut: Callable[[Any, tuple[int, ...], Callable[[], bytes]], tuple[int, bytes]]) -> None:
    """Make ``font`` ask ``cut(doc, subset, make)`` for each subset's compressed bytes
    (``make`` cuts it): ReportLab cuts and compresses every subset for every document.
    The stream written is the one ReportLab's own ``addSubsetObjects`` writes."""
    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFontFace

    class SubsetFace(TTFontFace):
        def addSubsetObjects(self, doc, fontname: str, subset: list[int]):  # noqa: N802, ANN001, ANN201
            if not doc.compression:
                return super().addSubsetObjects(doc, fontname, subset)
            length1, packed = cut(doc, tuple(subset), lambda: self.makeSubset(subset))
            font_file = pdfdoc.PDFStream()
            font_file.content = packed  # already compressed: the filter is named below
            font_file.dictionary["Length1"] = length1
            font_file.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(pdfdoc.PDFZCompress.pdfname)])
            font_file_ref = doc.Reference(font_file, f"fontFile:{self.filename}({fontname})")
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor",
                "Ascent": self.ascent,
                "CapHeight": self.capHeight,
                "Descent": self.descent,
                "Flags": (self.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(self.bbox),
                "FontName": pdfdoc.PDFName(fontname),
                "ItalicAngle": self.italicAngle,
                "StemV": self.stemV,
                "FontFile2": font_file_ref,
                "MissingWidth": self.defaultWidth,
            })
            return doc.Reference(descriptor, "fontDescriptor:" + fontname)

    font.face.__class__ = SubsetFace  # TTFont builds its face itself; this adds a method


#: A subset's ToUnicode map: (its font's base name, its characters) -> (the map's text,
#: compressed). See :func:`format_widths_with`.
ToUnicode = Callable[[tuple[str, tuple[int, ...]], Callable[[], tuple[str, bytes]]], tuple[str, bytes]]
_TO_UNICODE: contextvars.ContextVar[ToUnicode | None] = contextvars.ContextVar("to_unicode", default=None)


def format_widths_with(
    font: Any,
    formatted: Callable[[Any, tuple[float, ...], Callable[[], bytes]], bytes],
    to_unicode: Callable[[Any], ToUnicode | None] = lambda doc: None,
) -> None:
    """Make ``font`` write each subset's /Widths array as ``formatted(doc, widths, make)``
    gives it (``make`` formats it as ReportLab does): ReportLab formats the array number
    by number for every document, over 8 ms for a Chinese handout's eight subsets. Its
    ToUnicode maps likewise, when ``to_unicode(doc)`` gives a memo ``(key, make)``: the
    map's text and its compressed stream, made and compressed for every document, were
    another 5 ms of a Chinese handout.

    Wraps ``TTFont.addObjects``, which makes each subset's font dictionary with its
    /Widths as a ``PDFArray`` and its /ToUnicode as a reference to a stream named after
    the subset's base font (the map made by ``makeToUnicodeCMap``, compressed when the
    document is written); reads the subsets' names and characters as it does
    (``TTFont.state``, ``getSubsetInternalName``) to find those dictionaries among the
    document's fonts."""
    from reportlab.pdfbase import pdfdoc

    class Preformatted(pdfdoc.PDFObject):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def format(self, document: Any) -> bytes:
            return self.data

    class WidthsFont(type(font)):  # type: ignore[misc]
        def addObjects(self, doc: Any) -> None:  # noqa: N802
            state = self.state.get(doc)
            subsets = [tuple(subset) for subset in state.subsets] if state is not None else []
            names = [self.getSubsetInternalName(n, doc)[1:] for n in range(len(subsets))]
            memo = to_unicode(doc) if doc.compression else None
            token = _TO_UNICODE.set(memo)
            try:
                super().addObjects(doc)
            finally:
                _TO_UNICODE.reset(token)
            fonts = doc.idToObject["BasicFonts"].dict
            for name, subset in zip(names, subsets):
                pdf_font = fonts.get(name)
                array = getattr(pdf_font, "Widths", None)
                if isinstance(array, pdfdoc.PDFArray):
                    pdf_font.Widths = Preformatted(formatted(doc, tuple(array.sequence), partial(array.format, doc)))
                stream = doc.idToObject.get(getattr(getattr(pdf_font, "ToUnicode", None), "name", None))
                if memo is not None and isinstance(stream, pdfdoc.PDFStream) and stream.filters == [pdfdoc.PDFZCompress]:
                    text, packed = memo((pdf_font.BaseFont, subset), partial(_packed, stream.content))
                    if text == stream.content:  # the map made above, from the same memo
                        # Compressed already: the filter is named, as PDFStream.format names it.
                        stream.content, stream.filters = packed, None
                        stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(pdfdoc.PDFZCompress.pdfname)])

    font.__class__ = WidthsFont


def _packed(text: str) -> tuple[str, bytes]:
    return text, compress(text)


def compress(data: bytes | str) -> bytes:
    """Compress a stream as ReportLab's Flate filter does (text as UTF-8)."""
    from reportlab.pdfbase import pdfdoc

    return pdfdoc.PDFZCompress.encode(data)


# --- 6. page count in footers ---------------------------------------------------------------


def numbered_canvas(
    draw_footer: Callable[[Any, int, int], None],
    lang: str,
    font: str,
    on_start: Callable[[Any], None] | None = None,
    on_shown: Callable[[Any, int], None] | None = None,
    on_save: Callable[[Any, int], None] | None = None,
) -> type:
    """A Canvas class that draws each page's footer once the page count is known
    (``draw_footer(canvas, page, total)``): pages are kept until save, as in
    ReportLab's own recipe. ``on_shown(canvas, page)`` runs once each page is added to
    the document, ``on_save(canvas, total)`` before the document is written."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("lang", lang)
            # ReportLab otherwise starts every page in Helvetica, a font it never embeds.
            kwargs["initialFontName"] = kwargs.get("initialFontName") or font
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            if on_start is not None:
                on_start(self)

        def showPage(self) -> None:  # noqa: N802
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                draw_footer(self, self._pageNumber, total)
                number = self._pageNumber
                Canvas.showPage(self)
                if on_shown is not None:
                    on_shown(self, number)
            if on_save is not None:
                on_save(self, total)
            Canvas.save(self)

    return NumberedCanvas


def counting_canvas(lang: str, font: str) -> type:
    """A Canvas class that only counts pages: a probe layout (``layout.lay_out``) draws
    nothing, and its pages are neither kept nor written."""
    from reportlab.pdfgen.canvas import Canvas

    class CountingCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("lang", lang)
            kwargs["initialFontName"] = kwargs.get("initialFontName") or font
            super().__init__(*args, **kwargs)

        def showPage(self) -> None:  # noqa: N802
            # Canvas._startPage (private): what showPage does after it has added the
            # page to the document (the page count, a fresh page); the page itself is
            # not wanted. numbered_canvas, above, relies on it the same way.
            self._startPage()

        def save(self) -> None:
            pass

    return CountingCanvas


# --- 7. a paragraph's line breaks -----------------------------------------------------------

#: What Paragraph.wrap sets: restoring these restores a wrap at that width.
PARAGRAPH_LAYOUT = ("width", "height", "blPara", "_wrapWidths")


def detach_lines(para: Any) -> None:
    """Give a paragraph its own copy of its line breaks before platypus splits it:
    ``_split_blParaHard`` appends a space to the last fragment of each line it carries
    over, in place. On a remembered layout that space stayed for every later handout
    (a stray space at a Japanese line end, a PDF that differed from an uncached build)."""
    import copy

    para.blPara = copy.deepcopy(para.blPara)


def paragraph_fonts(para: Any) -> frozenset[str | None]:
    """The fonts a Paragraph's fragments use (platypus keeps some as words: lists of
    ``[width, (fragment, text), ...]``)."""
    names: set[str | None] = set()
    for frag in para.frags:
        if isinstance(frag, list):
            names.update(getattr(part[0], "fontName", None) for part in frag[1:])
        else:
            names.add(getattr(frag, "fontName", None))
    return frozenset(names)


# --- 8. the image behind a logo -------------------------------------------------------------


def pil_image(reader: Any) -> Any:
    """The Pillow image an ImageReader holds."""
    return reader._image  # noqa: SLF001


# --- 9. bidi levels ---------------------------------------------------------------------------


def bidi_levels(text: str, rtl: bool = True) -> list[tuple[int, int]]:
    """(logical index, embedding level) for each character of a paragraph (right-to-left
    unless ``rtl`` is false) that survives rule X9, in logical order (UAX #9 up to
    rule I2)."""
    from bidi import algorithm as uba

    storage = uba.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["base_dir"] = "R" if rtl else "L"
    uba.get_embedding_levels(text, storage)
    for index, char in enumerate(storage["chars"]):
        char["index"] = index
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    return [(c["index"], c["level"]) for c in storage["chars"]]


def replay(canv: Any, code: Iterable[str]) -> None:
    """Append recorded operators to the current page."""
    operators(canv).extend(code)


# --- 11. tagged PDF -------------------------------------------------------------------------


def page_reference(number: int) -> Any:
    """A reference to page ``number`` (from 1) of a document: ReportLab names page
    objects ``Page1``, ``Page2``... when it adds them (``PDFDocument.thisPageName``)."""
    from reportlab.pdfbase.pdfdoc import PDFObjectReference

    return PDFObjectReference(f"Page{number}")


def set_last_page_entries(canv: Any, entries: dict[str, Any]) -> None:
    """Add entries to the dictionary of the page shown last. A PDFPage writes only the
    keys its ``__NoDefault__`` class list names; this page gets its own longer list."""
    page = canv._doc.Pages.pages[-1]  # noqa: SLF001
    names = list(type(page).__NoDefault__)
    for key, value in entries.items():
        setattr(page, key, value)
        if key not in names:
            names.append(key)
    page.__NoDefault__ = names


def letters(codepoint: int, visual: bool = False) -> str:
    """The text a glyph's character stands for in the text layer: a presentation form
    (Arabic letter forms, the lam-alef ligature) or a Latin ligature is the letters of
    its NFKC form; an Arabic ligature's in reading order, or (``visual``) in the order
    they sit in the glyph, right to left."""
    import unicodedata

    char = chr(codepoint)
    if 0xFB00 <= codepoint <= 0xFDFF or 0xFE70 <= codepoint <= 0xFEFF:
        plain = unicodedata.normalize("NFKC", char).strip()
        if plain and plain != char and not any(0xFB00 <= ord(c) <= 0xFEFF for c in plain):
            return plain[::-1] if visual and codepoint >= 0xFB50 else plain
    return char


def _to_unicode_letters() -> None:
    """Write ToUnicode maps in which a presentation form (Arabic letter forms, the
    lam-alef ligature) or a Latin ligature maps to the letters it stands for (its NFKC
    form): copy, search and screen readers then get "الرقبة", not U+FEDF U+FEE7...
    ReportLab maps each code to the character drawn. An Arabic ligature's letters are in
    reading order, as the PDF reference has a glyph's text (readers that reorder a line
    glyph by glyph, pypdf's, then read "مترجم"); poppler, which reorders it letter by
    letter, reads every Arabic word from its /ActualText span instead (rtl._pieces),
    whose letters are in visual order."""
    from reportlab.pdfbase import ttfonts

    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "_handouts", False):
        return

    def make(fontname: str, subset: list[int]) -> str:  # ReportLab's signature
        memo = _TO_UNICODE.get()  # a memo of maps a document may share (format_widths_with)
        if memo is None:
            return letter_map(fontname, subset)
        return memo((fontname, tuple(subset)), lambda: _packed(letter_map(fontname, subset)))[0]

    def letter_map(fontname: str, subset: list[int]) -> str:
        cmap = original(fontname, subset)
        # Codes a subset keeps free (ReportLab's first subset leaves 1-31 unused) map to
        # nothing rather than to U+0000.
        mapped = {i: letters(v) for i, v in enumerate(subset) if v}
        if len(mapped) == len(subset) and all(len(text) == 1 and ord(text) == subset[i] for i, text in mapped.items()):
            return cmap
        lines = cmap.split("\n")
        start = lines.index(f"{len(subset)} beginbfchar")
        entries = [f"<{i:02X}> <{text.encode('utf-16-be').hex().upper()}>" for i, text in mapped.items()]
        return "\n".join([*lines[:start], f"{len(entries)} beginbfchar", *entries, *lines[start + 1 + len(subset):]])

    make._handouts = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make
