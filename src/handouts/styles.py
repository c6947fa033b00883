"""Paragraph styles of a handout, and the one place text becomes paragraphs.

Styles derive from the body size, the palette, the language and the direction; every
paragraph of template text is made here (and shared across handouts, see
:mod:`handouts.speed.paragraphs`), with its text escaped once and split into runs of
the font that has its characters. Also the page sizes, layout options and the limits
layout keeps to.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace

from reportlab.lib.colors import HexColor, white
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch

from . import model as m
from . import speed
from .brand import Palette
from .flowables import TextParagraph
from .fonts import ASCII, SHAPED_FAMILIES, FontStack, typeset, use_italics
from .platypus import Flowable
from .speed.paragraphs import CachedParagraph, shared, style_key
from .typography import NBSP, SHORT, keep_together

PAGE_SIZES = {"letter": LETTER, "a4": A4}
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """Escape for ReportLab's paragraph markup. (xml.sax.saxutils.escape does the same
    but imports urllib, http and ssl: 40 ms of every cold start.)"""
    return text.translate(_ESCAPES)


CALL_COLOUR = HexColor("#7A4B00")  # 7.9:1 with white text
# Grayscale tiers: darker and heavier-ruled with urgency; white text reads on each
# (7.0:1, 11.4:1 and 18.4:1).
GRAY_TIERS = {"mild": HexColor("#595959"), "call": HexColor("#3A3A3A"), "emergency": HexColor("#141414")}
GRAY_TIER_RULES = {"mild": 1.0, "call": 1.8, "emergency": 3.0}
MAX_LINE = 6 * inch  # longest line of running text (36 CFR 1193 advisory)
# A handout is 2 pages (7 in large print); a template that makes dozens is broken, and
# laying it out would take minutes. Layout stops at this page.
MAX_PAGES = 16
CJK_LANGUAGES = {"zh", "ja"}


@dataclass(frozen=True)
class LayoutOptions:
    """How to lay out: paper, and the PDF's metadata."""

    paper: str = "letter"
    body_size: float = 12.0
    margin: float = 0.5 * inch  # the guidelines' floor; 2 pages at 12 pt need the room
    large_print: bool = False  # 18 pt body, 1.5 line spacing, one column; pages grow
    grayscale: bool = False
    author: str = ""
    subject: str = ""
    keywords: str = ""
    sample: bool = False  # the demo clinic for a patient or a printer: mark every page


#: Across every page of a handout made from the built-in demo clinic for a patient.
SAMPLE_MARK = "Sample — not for patient use"


class Styles:
    """Paragraph styles derived from the body size, palette, language and direction,
    and the one place that turns text into paragraphs."""

    def __init__(
        self, stack: FontStack, palette: Palette, body: float, lang: str, rtl: bool, density: float = 1.0, spacing: float = 1.25
    ) -> None:
        # ``density`` scales the space between blocks (1 = roomy, 0 = tight). Type size
        # and leading never shrink: a handout that runs long gets tighter gaps first.
        self.stack, self.family, self.palette, self.rtl, self.density = stack, stack.base, palette, rtl, density
        self.lang = lang
        family = stack.base
        d = density
        align = TA_RIGHT if rtl else TA_LEFT
        # 1.25x: the floor of 36 CFR 1193, and what fits 2 pages; large print uses 1.5x.
        lead = round(body * spacing, 1)
        base = ParagraphStyle(
            "body", fontName=family.face(), fontSize=body, leading=lead, textColor=palette.ink,
            alignment=align, spaceAfter=body * (0.15 + 0.2 * d),
            allowWidows=0, allowOrphans=0,  # no lone line at the top or bottom of a column
            # Chinese and Japanese break between characters (with kinsoku rules); Korean,
            # like the Latin scripts, between words.
            wordWrap="CJK" if lang.split("_")[0] in CJK_LANGUAGES else None,
            # HarfBuzz shapes the text: Devanagari's conjuncts and vowel signs, and the
            # kerning of every other script (fonts.SUBSTITUTING_FAMILIES); in Korean the
            # Latin words only (a Hangul run is never shaped, see internals). Not Chinese
            # or Japanese: ReportLab's CJK breaker does not shape (internals.cjk_lines
            # kerns their Latin runs).
            shaping=0 if lang.split("_")[0] in CJK_LANGUAGES else 1,
        )
        self.body = base
        self.bold = ParagraphStyle("bold", base, fontName=family.face(bold=True))
        self.item = ParagraphStyle("item", base, spaceAfter=body * (0.05 + 0.15 * d))
        self.heading = ParagraphStyle(
            "heading", base, fontName=family.face(bold=True), fontSize=round(body * 4 / 3), leading=round(round(body * 4 / 3) * spacing, 1),
            textColor=palette.heading, spaceBefore=body * (0.3 + 0.3 * d), spaceAfter=body * 0.25,
        )
        self.on_band = ParagraphStyle("on_band", self.bold, textColor=palette.on_primary, spaceAfter=0)
        self.tier_title = ParagraphStyle("tier_title", self.bold, textColor=white, spaceAfter=0, leading=lead)
        self.tier_label = ParagraphStyle("tier_label", base, textColor=white, spaceAfter=0)
        self.small = ParagraphStyle("small", base, fontSize=body, spaceAfter=0)
        self.question = ParagraphStyle("question", self.bold, spaceAfter=1)
        self.footer_size = max(10.0, round(body * 0.75))
        # Styles of single blocks and of the page furniture, made once here (a Styles
        # object serves every handout of one language and look).
        self.notes_label = ParagraphStyle("notes", self.bold, spaceAfter=0)
        self.notice = ParagraphStyle("notice", self.bold, spaceAfter=2)
        self.key_title = ParagraphStyle("kp", self.heading, spaceBefore=0)
        self.timeline_row = ParagraphStyle("tl_row", base, spaceAfter=0)
        self.timeline_axis = ParagraphStyle("tl_axis", self.small, alignment=TA_CENTER)
        self.diary_head = ParagraphStyle("diary_head", self.bold, spaceAfter=0)
        self.care_row = ParagraphStyle("ct_row", base, spaceAfter=1 + 2 * d)
        title_size = body * (1.75 + 0.25 * d)
        self.band_clinic = ParagraphStyle("band_clinic", self.on_band, fontSize=body + 1, leading=(body + 1) * 1.25)
        self.band_title = ParagraphStyle("band_title", self.on_band, fontSize=title_size, leading=title_size * 1.15)
        self.running_head = ParagraphStyle("later", base, fontSize=self.footer_size + 1, leading=14, textColor=palette.muted, spaceAfter=0)
        size = self.footer_size
        self.footer = ParagraphStyle("footer", base, fontSize=size, leading=size * 1.25, textColor=palette.muted, spaceAfter=0)
        self.footer_page = ParagraphStyle("footer_r", self.footer, alignment=TA_LEFT if rtl else TA_RIGHT)

    def para(self, content: str | m.Inline, style: ParagraphStyle | None = None) -> Flowable:
        """A paragraph of template text (never personal: see :meth:`own_para`), in this
        handout's fonts and direction; shared across handouts (speed.paragraphs)."""
        runs = (m.Run(content),) if isinstance(content, str) else content
        style = style or self.body
        # The language too: its no-break rules (typography.keep_together) change the markup.
        key = (runs, style_key(style), self.stack, self.rtl, self.lang)
        return shared(key, lambda: self._paragraph(runs, style, self.stack, remember=True))

    def own_para(self, runs: m.Inline, style: ParagraphStyle, fills: Mapping[str, str], stack: FontStack) -> Flowable:
        """A paragraph holding personal text, its slots filled: made for this handout
        with ``stack`` (the handout's fonts and any a name needs), drawn afresh, and never
        kept in any memo or cache."""
        return self._paragraph(fill(runs, fills), style, stack, remember=False)

    def _paragraph(self, runs: m.Inline, style: ParagraphStyle, stack: FontStack, remember: bool) -> Flowable:
        """Right-to-left handouts, and text holding right-to-left letters (a Hebrew or
        Arabic name on an English handout), get the bidi paragraph; text in a face that
        needs shaping (a Devanagari name) is shaped by HarfBuzz."""
        if self.rtl or any(has_rtl(run.text) for run in runs):
            from .rtl import BidiParagraph

            # The same places a line must not break as in markup ("Suite 200").
            runs = tuple(replace(run, text=keep_together(run.text, self.lang)) for run in runs)
            return BidiParagraph(runs, style, stack, personal=not remember, rtl=self.rtl)
        if not style.shaping and _needs_shaping(runs, stack):
            # ReportLab's CJK line breaker does not shape: a Devanagari name on a Chinese
            # handout is broken between words instead.
            style = ParagraphStyle(style.name, style, shaping=1, wordWrap=None)
        paragraph = CachedParagraph if remember else TextParagraph
        return paragraph(self.markup(runs, remember, stack, bold=style.fontName == stack.base.face(bold=True)), style)

    def markup(self, runs: m.Inline, remember: bool = True, stack: FontStack | None = None, bold: bool = False) -> str:
        """ReportLab paragraph markup for inline runs. All text is escaped here, once
        (``O'Brien & Sons <Spine>`` prints exactly so), and split into runs of the
        font that has its characters (ReportLab has no fallback of its own), naming
        its bold face in bold text (``bold``: the paragraph's style is bold): ReportLab
        keeps a named face as it is, so "911" in a bold Chinese line was regular."""
        stack = stack or self.stack
        parts: list[str] = []
        for run in runs:
            if run.newline:
                parts.append("<br/>")
            text = keep_together(typeset(run.text), self.lang)
            if run.keep:
                text = text.replace(" ", "\u00a0")  # phone numbers never break across lines
            pieces = []
            for family, chunk in stack.segments(text, remember):
                chunk = escape(chunk)
                face = family.face(bold=bold or run.bold, italic=run.italic)
                pieces.append(chunk if family == stack.base else f'<font face="{face}">{chunk}</font>')
            text = "".join(pieces)
            if run.bold:
                text = f"<b>{text}</b>"
            if run.italic:
                use_italics(stack)
                text = f"<i>{text}</i>"
            parts.append(text)
        return "".join(parts)


def fill(runs: m.Inline, fills: Mapping[str, str]) -> m.Inline:
    """Runs with their slots filled with personal text; neighbouring runs of one style
    joined, so a filled line is set as one piece of text."""
    out: list[m.Run] = []
    for run in runs:
        if run.slot is not None:
            # A name is isolated from the text around it (its own direction in a
            # right-to-left line, and the reverse).
            run = m.Run(fills.get(run.slot, ""), run.bold, run.italic, run.keep, run.ltr, run.newline, isolate=True)
        last = out[-1] if out else None
        same_style = last is not None and (last.bold, last.italic, last.keep, last.ltr) == (run.bold, run.italic, run.keep, run.ltr)
        if last is not None and same_style and not run.newline and not (run.isolate or last.isolate):
            out[-1] = m.Run(last.text + run.text, last.bold, last.italic, last.keep, last.ltr, last.newline)
        else:
            out.append(run)
    return tuple(out)


def one_line(runs: m.Inline) -> m.Inline:
    """A short value ("Ana Rivera, MD", "Suite 200") kept on one line: its spaces become
    no-break spaces. Longer ones may break; personal text is kept together when filled."""
    if len(m.plain(runs)) > SHORT:
        return runs
    return tuple(replace(r, text=r.text.replace(" ", NBSP)) if r.slot is None else r for r in runs)


def has_rtl(text: str) -> bool:
    """Whether a text holds right-to-left letters (Hebrew, Arabic)."""
    return not ASCII.issuperset(text) and any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _needs_shaping(runs: m.Inline, stack: FontStack) -> bool:
    """Whether a face that needs HarfBuzz draws some of the text (Devanagari)."""
    shaped = [f for f in stack.families if f.name in SHAPED_FAMILIES]
    return bool(shaped) and any(
        family in shaped for run in runs if not ASCII.issuperset(run.text) for family, _ in stack.segments(typeset(run.text), remember=False)
    )


def natural_width(para: Flowable) -> float:
    """Width of a paragraph's longest line when nothing forces it to wrap. (Callers
    wrap it again to the width they give it before drawing.)"""
    para.wrap(1e6, 1e6)
    return max(para.getActualLineWidths0() or [0.0])


# "Label: value" punctuation. Chinese and Japanese use a full-width colon and no space;
# French a space before the colon too.
_COLON = {"zh": "：", "ja": "：", "fr": "\u00a0: "}  # French sets a no-break space before it


def colon(lang: str) -> str:
    return _COLON.get(lang.split("_")[0], ": ")


def bold_then(label: str, rest: str | m.Inline) -> m.Inline:
    """Runs for "<b>label</b>rest"."""
    tail = (m.Run(rest),) if isinstance(rest, str) else rest
    return (m.Run(label, bold=True), *tail)


@speed.memo("styles", 64)
def styles_for(stack: FontStack, palette: Palette, body: float, lang: str, rtl: bool, density: float, spacing: float) -> Styles:
    """The paragraph styles of one language and look."""
    return Styles(stack, palette, body, lang, rtl, density, spacing)
