"""Bidirectional paragraphs without rlbidi: Arabic handouts, and Hebrew or Arabic
names on left-to-right handouts.

ReportLab 5.1 reorders right-to-left text only through ``rlbidi``, which cannot be
installed. This flowable does what a browser does, in the order the Unicode
Bidirectional Algorithm (UAX #9) asks for:

1. **Resolve embedding levels** for the whole paragraph in logical order (python-bidi's
   reference implementation), with phone numbers and web addresses embedded
   left-to-right so "(555) 010-0100" never comes out backwards.
2. **Shape** each run of one face and level (a word, mostly) with HarfBuzz, in logical
   order and the run's direction: the font's own joining, ligatures ("في" is one glyph),
   mark positions and kerning. Each character is as wide as the glyphs of its cluster.
3. **Wrap** in logical order at spaces, with those widths.
4. **Reorder each line** on its own (rule L2); HarfBuzz mirrors brackets in
   right-to-left runs (L4). Reordering the whole paragraph before wrapping would put the
   lines in reverse order.
5. **Draw** each run's glyphs where the reordered line puts it, right-aligned. The text
   layer holds the characters the font maps each glyph to (Arabic presentation forms,
   in visual order, which PDF readers put back in reading order, as they did for the
   presentation forms this drew before HarfBuzz); a glyph no character maps to (a
   contextual form, a ligature of marks) gets its text in an /ActualText span.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth

from . import internals, speed, tagging
from . import model as m
from .fonts import JOINERS, FontStack, typeset
from .platypus import Flowable

# Shaped template text: a batch prints the same sentences for provider after provider.
_GLYPHS: speed.Memo[tuple[m.Inline, FontStack, bool, float, bool], tuple[tuple[Glyph, ...], tuple[Run, ...]]] = speed.Memo(
    "rtl-glyphs", 1024
)
# Shaped runs of template text (words, mostly): one shaping per word and face.
_RUNS: speed.Memo[tuple[str, str, bool], tuple[internals.ShapedGlyph, ...]] = speed.Memo("rtl-runs", 8192)

_SPACES = " \u00a0"  # a space and a no-break space: word boundaries, not shaped
_LRE, _RLE, _PDF = "\u202a", "\u202b", "\u202c"  # left-to-right and right-to-left embeddings, and their end
_LATIN_WORD = re.compile(r"[A-Za-z]{2}")  # a Latin word (not a lone letter, digits or signs)


@dataclass(frozen=True)
class Glyph:
    """One character in logical order, with what is needed to draw it."""

    char: str
    face: str
    width: float
    level: int = 1
    space: bool = False
    newline: bool = False
    run: int = -1  # index of its shaped run in the paragraph's runs (-1: a space or break)


@dataclass(frozen=True)
class Run:
    """A run of one face and level, shaped: its glyphs in visual order."""

    face: str
    text: str  # logical order
    rtl: bool
    glyphs: tuple[internals.ShapedGlyph, ...]


def _latin_only(text: str) -> bool:
    """Text with left-to-right letters and no right-to-left ones (a clinic's name)."""
    kinds = {unicodedata.bidirectional(c) for c in text}
    return "L" in kinds and not kinds & {"R", "AL"}


def shaped(face: str, text: str, rtl: bool, remember: bool = True) -> tuple[internals.ShapedGlyph, ...]:
    """A run shaped by HarfBuzz (kept for template text; ``remember=False`` for
    personal text, which no memo may hold)."""
    if not remember:
        return internals.shape_run(face, text, rtl)
    return _RUNS.get((face, text, rtl), lambda: internals.shape_run(face, text, rtl))


def shape(text: str, stack: FontStack) -> str:
    """The characters a right-to-left handout draws ``text`` with (its glyphs'
    characters: Arabic presentation forms, ligatures, private-use codes for glyphs
    without one), for seeding the document's fonts: each word shaped in the regular
    and bold face of the family that draws its first letter."""
    out: list[str] = []
    for word in text.split():
        family = stack.family_for(word[0]) or stack.base
        rtl = _first_strong(word) != "L"
        for bold in (False, True):
            out.extend(g.char for g in shaped(family.face(bold=bold), word, rtl))
    return "".join(out)


def _punctuation(char: str) -> bool:
    """Separators and other neutrals: no letter joins across them."""
    return unicodedata.bidirectional(char) in ("CS", "ON", "ES", "ET")


def _first_strong(text: str) -> str | None:
    """"L" or "R" for the first letter with a direction (rule P2), else None."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return None


def _glyphs(
    runs: m.Inline, stack: FontStack, bold_style: bool, size: float, rtl: bool = True, remember: bool = True
) -> tuple[tuple[Glyph, ...], tuple[Run, ...]]:
    """The characters with their levels and widths, in logical order, and their shaped
    runs, in a paragraph that is right-to-left (``rtl``) or left-to-right."""
    logical: list[tuple[str, bool, bool]] = []  # (char, bold, newline)
    for run in runs:
        if run.newline:
            logical.append(("\n", False, True))
        text = typeset(run.text)
        if run.keep:
            text = text.replace(" ", "\u00a0")
        if run.isolate:
            # A name keeps its own direction whatever surrounds it: an embedding in the
            # direction of its first letter (rule P2, as U+2068 FIRST STRONG ISOLATE
            # would; python-bidi's rules have no isolates).
            strong = _first_strong(text)
            if strong is not None:
                text = (_LRE if strong == "L" else _RLE) + text + _PDF
        elif rtl and (run.ltr or run.keep or _latin_only(text)):
            # A phone number, web address or a name in Latin letters reads left to
            # right as a whole: "(demo)" keeps its brackets, "(555) 010-0100" its order.
            text = _LRE + text + _PDF
        logical.extend((c, run.bold or bold_style, False) for c in text)
    glyphs: list[Glyph] = []
    faces: dict[tuple[str, bool], str] = {}
    text = "".join(c for c, _, _ in logical)
    after = 0  # the next logical index not yet placed
    for index, level in internals.bidi_levels(text, rtl):
        # Rule X9 removed the joiners (boundary neutrals); shaping needs them, so they
        # come back with the level of the character before them, in its face.
        for skipped in range(after, index):
            if text[skipped] in JOINERS and glyphs and not glyphs[-1].space and not glyphs[-1].newline:
                glyphs.append(Glyph(text[skipped], glyphs[-1].face, 0.0, glyphs[-1].level))
        after = index + 1
        char, bold, newline = logical[index]
        if newline:
            glyphs.append(Glyph("", "", 0.0, level, newline=True))
            continue
        key = (char, bold)
        face = faces.get(key)
        if face is None:
            face = faces[key] = (stack.family_for(char) or stack.base).face(bold=bold)
        glyphs.append(Glyph(char, face, stringWidth(char, face, size) if char in _SPACES else 0.0, level, space=char == " "))
    return _shape_runs(glyphs, size, remember)


def _shape_runs(glyphs: list[Glyph], size: float, remember: bool) -> tuple[tuple[Glyph, ...], tuple[Run, ...]]:
    """Shape each run of one face and level between spaces, and give each character
    the advance of the glyphs of its cluster (the rest of a ligature's letters: 0)."""
    out: list[Glyph] = []
    runs: list[Run] = []
    i, n = 0, len(glyphs)
    while i < n:
        first = glyphs[i]
        if first.char in _SPACES or first.newline:  # drawn as they are, between runs
            out.append(first)
            i += 1
            continue
        j = i + 1
        # Punctuation in right-to-left text is a run of its own: readers take a span's
        # text as one word, and "الأول،" then read back as "الأول ،" (see _pieces).
        if not (first.level % 2 and _punctuation(first.char)):
            while j < n and (glyphs[j].face, glyphs[j].level) == (first.face, first.level) and not (
                glyphs[j].char in _SPACES or glyphs[j].newline or (first.level % 2 and _punctuation(glyphs[j].char))
            ):
                j += 1
        text = "".join(g.char for g in glyphs[i:j])
        shaped_run = Run(first.face, text, first.level % 2 == 1, shaped(first.face, text, first.level % 2 == 1, remember))
        widths = [0.0] * len(text)
        for glyph in shaped_run.glyphs:
            widths[glyph.cluster] += glyph.advance * size / 1000
        out.extend(Glyph(g.char, g.face, w, g.level, run=len(runs)) for g, w in zip(glyphs[i:j], widths))
        runs.append(shaped_run)
        i = j
    return tuple(out), tuple(runs)


class BidiParagraph(Flowable):
    """A bidirectional paragraph of inline runs, right-to-left unless ``rtl`` is false; a
    drop-in for ReportLab's Paragraph inside this project's layout (wrap, split, draw,
    line widths)."""

    def __init__(
        self,
        runs: m.Inline,
        style: ParagraphStyle,
        stack: FontStack,
        glyphs: list[Glyph] | None = None,
        personal: bool = False,
        rtl: bool = True,
        shaped_runs: tuple[Run, ...] = (),
    ) -> None:
        super().__init__()
        self.runs = runs
        self.style = style
        self.stack = stack
        self.personal = personal  # holds personal text: shaped and drawn afresh, never kept
        self.rtl = rtl
        if glyphs is None:
            glyphs, shaped_runs = self._glyphs()
        self.glyphs = glyphs
        self.shaped_runs = shaped_runs  # what Glyph.run indexes (shared by a split's parts)
        self.lines: list[tuple[int, int]] = []
        self.continues = False  # the second part of a split paragraph

    # -- building ----------------------------------------------------------------------------
    def _glyphs(self) -> tuple[list[Glyph], tuple[Run, ...]]:
        bold_style = self.style.fontName == self.stack.base.face(bold=True)
        args = (self.runs, self.stack, bold_style, self.style.fontSize, self.rtl)
        if self.personal:
            glyphs, shaped_runs = _glyphs(*args, remember=False)
        else:
            glyphs, shaped_runs = _GLYPHS.get(args, lambda: _glyphs(*args))
        return list(glyphs), shaped_runs

    def getPlainText(self) -> str:
        return "".join(g.char for g in self.glyphs)

    # -- Flowable protocol -------------------------------------------------------------------
    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        if getattr(self, "_wrapped_for", None) != aw:  # measured again and again at one width
            self.lines = self._break(aw)
            self._wrapped_for = aw
        self.width = aw
        self.height = len(self.lines) * self.style.leading
        return aw, self.height

    def _break(self, width: float) -> list[tuple[int, int]]:
        """Greedy line breaking at spaces, in logical order: (start, end) per line."""
        lines: list[tuple[int, int]] = []
        glyphs = self.glyphs
        start, i, n = 0, 0, len(glyphs)
        while start < n:
            line_w, last_break, i = 0.0, None, start
            while i < n and not glyphs[i].newline:
                if glyphs[i].space:
                    last_break = i
                line_w += glyphs[i].width
                if line_w > width and last_break is not None and last_break > start:
                    i = last_break
                    break
                i += 1
            lines.append((start, i))
            start = i + 1 if i < n and (glyphs[i].space or glyphs[i].newline) else i
        return lines or [(0, 0)]

    def split(self, aw: float, ah: float) -> list[Flowable]:
        self.wrap(aw, ah)
        fit = int(ah // self.style.leading)
        if fit >= len(self.lines):
            return [self]
        if fit < 2 or len(self.lines) - fit < 2:  # no widows or orphans
            fit = min(fit, len(self.lines) - 2)
            if fit < 2:
                return []
        cut = self.lines[fit][0]
        first = BidiParagraph(self.runs, self.style, self.stack, self.glyphs[:cut], self.personal, self.rtl, self.shaped_runs)
        rest = BidiParagraph(self.runs, self.style, self.stack, self.glyphs[cut:], self.personal, self.rtl, self.shaped_runs)
        rest.continues = True  # tagged as the rest of the first part's element
        return [first, rest]

    def getSpaceBefore(self) -> float:
        return self.style.spaceBefore

    def getSpaceAfter(self) -> float:
        return self.style.spaceAfter

    def getActualLineWidths0(self) -> list[float]:
        return [sum(g.width for _, g in self._visual(s, e)) for s, e in self.lines]

    def _visual(self, start: int, end: int) -> list[tuple[int, Glyph]]:
        """One line in display order (UAX #9 rules L1 and L2; HarfBuzz mirrors brackets,
        L4), each glyph with its place in logical order."""
        line = [g for g in self.glyphs[start:end] if not g.newline]
        while line and line[-1].space:  # L1: trailing spaces do not count or show
            line.pop()
        while line and line[0].space:
            line.pop(0)
        if not line:
            return []
        order = list(range(len(line)))
        top = max(g.level for g in line)
        lowest_odd = min(g.level for g in line if g.level % 2) if any(g.level % 2 for g in line) else top + 1
        for level in range(top, lowest_odd - 1, -1):  # L2
            i = 0
            while i < len(order):
                if line[order[i]].level >= level:
                    j = i
                    while j < len(order) and line[order[j]].level >= level:
                        j += 1
                    order[i:j] = reversed(order[i:j])
                    i = j
                else:
                    i += 1
        return [(k, line[k]) for k in order]

    def _runs(self) -> list[list[tuple[float, str, Any, bool]]]:
        """Per line, the pieces to draw: (x, face, shaped string, reversed), in logical
        order (the order a reader of the page's text takes them in), each piece's glyphs
        in display order (``reversed``: a right-to-left run, its characters last to
        first). Worked out once per width; a shared paragraph is drawn in handout after
        handout."""
        cached = self.__dict__.get("_runs_for")
        if cached is not None and cached[0] == self.width:
            return cached[1]
        style = self.style
        out = []
        for start, end in self.lines:
            visual = self._visual(start, end)
            line_w = sum(g.width for _, g in visual)
            if style.alignment == TA_LEFT:
                x = 0.0
            elif style.alignment == TA_CENTER:
                x = (self.width - line_w) / 2
            else:
                x = self.width - line_w
            runs: list[tuple[Any, ...]] = []
            i = 0
            while i < len(visual):  # one shaped run at a time
                j = i + 1
                glyph = visual[i][1]
                if glyph.run >= 0:
                    while j < len(visual) and visual[j][1].run == glyph.run:
                        j += 1
                    shaped = self.shaped_runs[glyph.run]
                    drawn = [(x, face, text, shaped.rtl) for x, face, text in _pieces(x, shaped, style.fontSize)]
                else:  # spaces are drawn (readers take a drawn space for a word break)
                    while j < len(visual) and visual[j][1].run < 0 and visual[j][1].face == glyph.face:
                        j += 1
                    drawn = [(x, glyph.face, "".join(g.char for _, g in visual[i:j]), False)]
                first = min(k for k, _ in visual[i:j])
                runs.extend((first, n, *piece) for n, piece in enumerate(drawn))
                x += sum(g.width for _, g in visual[i:j])
                i = j
            out.append([run[2:] for run in sorted(runs, key=lambda run: run[:2])])
        self._runs_for = (self.width, out)
        return out

    def draw(self) -> None:
        with tagging.text(self.canv, tagging.ROLES.get(self.style.name, "P"), continues=self.continues):
            if self.personal:
                self._draw()
                return
            from .speed import replay

            faces = self.__dict__.get("_faces")
            if faces is None:
                faces = self._faces = frozenset(g.face for g in self.glyphs if g.face)
            replay.draw(self, self._draw, faces)

    def _draw(self) -> None:
        canv = self.canv
        style = self.style
        canv.saveState()
        canv.setFillColor(style.textColor)
        y = self.height - style.fontSize
        for runs in self._runs():
            for x, face, text, backwards in runs:
                canv.setFont(face, style.fontSize, style.leading)
                # A right-to-left run tells a reader of the tagged text to read it last
                # to first; Latin words on a right-to-left page (Botox, FDA, the clinic's
                # name and address) are English: a screen reader's voice says them so.
                opening = "/ReversedChars BMC" if backwards else "/Span <</Lang (en)>> BDC" if self.rtl and _LATIN_WORD.search(text) else None
                if opening:
                    canv.addLiteral(opening)
                canv.drawString(x, y, text)
                if opening:
                    canv.addLiteral("EMC")
            y -= style.leading
        canv.restoreState()


def _pieces(x: float, run: Run, size: float) -> list[tuple[float, str, Any]]:
    """A shaped run as strings to draw from ``x``, with what the text layer reads.

    Readers rebuild a line's text from where its glyphs sit (poppler, as pdftotext and
    most viewers): a gap of a tenth of an em inside a word is a space to them, and a
    mark moved right of its letter's origin comes before it. HarfBuzz's positions have
    both (Plex Sans Arabic kerns "أ" 0.14 em away from a following "ك"): 11 of 870
    words of an Arabic handout read back split or with a vowel mark misplaced. So a
    right-to-left run is drawn inside one /ActualText span holding its glyphs' letters
    (internals.letters) in visual order, a ligature's too, each mark before its letter: the same text as without the span, which poppler now takes
    as one word, and which the /ReversedChars around it tells a reader of the tagged
    text to read last to first. (Logical-order text in the span comes out reversed in
    poppler: it orders the span's text as it orders glyphs.) A
    glyph no character maps to gets its cluster's letters, in visual order too. A
    left-to-right run gets a span with its text only where its glyphs do not spell it.
    Joiners are not drawn."""
    glyphs = [g for g in run.glyphs if not (run.text[g.cluster] in JOINERS and g.advance == 0)]
    if not glyphs:
        return []
    clusters = sorted({g.cluster for g in glyphs})
    ends = {c: next((d for d in clusters if d > c), len(run.text)) for c in clusters}
    private = {g.cluster for g in glyphs if g.private}

    if run.rtl:
        if len(glyphs) == 1 and not private and len(internals.letters(ord(glyphs[0].char))) == 1:
            return [(x, run.face, internals.shaped_string(glyphs))]  # a letter or a (mirrored) mark
        text, seen = [], set()
        for g in glyphs:
            if g.cluster not in private:
                text.append(internals.letters(ord(g.char), visual=True))
            elif g.cluster not in seen:
                text.append(run.text[g.cluster : ends[g.cluster]][::-1])
            seen.add(g.cluster)
        return [(x, run.face, internals.shaped_string(glyphs, "".join(text)))]
    # Left to right: the glyphs' characters if they spell the text (kerned Latin),
    # else the text in a span (Devanagari's reordered vowel signs, conjuncts).
    plain = "".join(c for c in run.text if c not in JOINERS)
    drawn = "".join(g.char for g in glyphs)
    return [(x, run.face, internals.shaped_string(glyphs, None if drawn == plain and not private else plain))]
