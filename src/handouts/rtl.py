"""Bidirectional paragraphs without rlbidi: Arabic handouts, and Hebrew or Arabic
names on left-to-right handouts.

ReportLab 5.1 reorders right-to-left text only through ``rlbidi``, which cannot be
installed. This flowable does what a browser does, in the order the Unicode
Bidirectional Algorithm (UAX #9) asks for:

1. **Shape** each run of Arabic into its contextual letter forms (arabic-reshaper maps
   them to the presentation-form code points, which the Arabic font carries).
2. **Resolve embedding levels** for the whole paragraph in logical order (python-bidi's
   reference implementation), with phone numbers and web addresses embedded
   left-to-right so "(555) 010-0100" never comes out backwards.
3. **Wrap** in logical order, measuring each character in the font that draws it.
4. **Reorder each line** on its own (rule L2) and mirror brackets at odd levels (L4).
   Reordering the whole paragraph before wrapping would put the lines in reverse order.
5. **Draw** the visual runs, right-aligned.
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
_GLYPHS: speed.Memo[tuple[m.Inline, FontStack, bool, float, bool], tuple[Glyph, ...]] = speed.Memo("rtl-glyphs", 1024)

_LRE, _RLE, _PDF = "\u202a", "\u202b", "\u202c"  # left-to-right and right-to-left embeddings, and their end
_LATIN_WORD = re.compile(r"[A-Za-z]{2}")  # a Latin word (not a lone letter, digits or signs)
_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")


@dataclass(frozen=True)
class Glyph:
    """One character in logical order, with what is needed to draw it."""

    char: str
    face: str
    width: float
    level: int = 1
    space: bool = False
    newline: bool = False


def _latin_only(text: str) -> bool:
    """Text with left-to-right letters and no right-to-left ones (a clinic's name)."""
    kinds = {unicodedata.bidirectional(c) for c in text}
    return "L" in kinds and not kinds & {"R", "AL"}


def shape(text: str) -> str:
    """Arabic letters in their joined (initial, medial, final) presentation forms."""
    return _reshaper().reshape(text)


@speed.memo("arabic-reshaper", 1)
def _reshaper() -> Any:
    """arabic-reshaper set up for names as typed: vowel marks kept (its default deletes
    them); a letter alone stays the plain letter,
    which every font draws in its isolated form (IBM Plex Sans Arabic lacks the Persian
    yeh, keheh and jeh isolated forms, which ReportLab would draw as empty boxes); and
    no word or sentence ligatures (ﷲ, ﷺ): a name such as "عبد الله" is spelled out."""
    from arabic_reshaper import ArabicReshaper
    from arabic_reshaper.ligatures import SENTENCES_LIGATURES, WORDS_LIGATURES

    config: dict[str, Any] = {"delete_harakat": False, "use_unshaped_instead_of_isolated": True}
    config.update({name: False for name, _ in (*SENTENCES_LIGATURES, *WORDS_LIGATURES)})
    return ArabicReshaper(configuration=config)


def _first_strong(text: str) -> str | None:
    """"L" or "R" for the first letter with a direction (rule P2), else None."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return None


def _glyphs(runs: m.Inline, stack: FontStack, bold_style: bool, size: float, rtl: bool = True) -> tuple[Glyph, ...]:
    """Shaped glyphs with their levels, in logical order, in a paragraph that is
    right-to-left (``rtl``) or left-to-right."""
    logical: list[tuple[str, bool, bool]] = []  # (char, bold, newline)
    for run in runs:
        if run.newline:
            logical.append(("\n", False, True))
        text = typeset(run.text)
        if run.keep:
            text = text.replace(" ", "\u00a0")
        text = shape(text)
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
    glyphs = []
    faces: dict[tuple[str, bool], str] = {}
    for index, level in internals.bidi_levels("".join(c for c, _, _ in logical), rtl):
        char, bold, newline = logical[index]
        if newline:
            glyphs.append(Glyph("", "", 0.0, level, newline=True))
            continue
        key = (char, bold)
        face = faces.get(key)
        if face is None:
            face = faces[key] = (stack.family_for(char) or stack.base).face(bold=bold)
        if char in JOINERS and ord(char) not in internals.cmap(face):
            continue  # a joiner the font cannot draw (shaping has used it already)
        glyphs.append(Glyph(char, face, stringWidth(char, face, size), level, space=char == " "))
    return tuple(glyphs)


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
    ) -> None:
        super().__init__()
        self.runs = runs
        self.style = style
        self.stack = stack
        self.personal = personal  # holds personal text: shaped and drawn afresh, never kept
        self.rtl = rtl
        self.glyphs = glyphs if glyphs is not None else self._glyphs()
        self.lines: list[tuple[int, int]] = []
        self.continues = False  # the second part of a split paragraph

    # -- building ----------------------------------------------------------------------------
    def _glyphs(self) -> list[Glyph]:
        bold_style = self.style.fontName == self.stack.base.face(bold=True)
        args = (self.runs, self.stack, bold_style, self.style.fontSize, self.rtl)
        if self.personal:
            return list(_glyphs(*args))
        return list(_GLYPHS.get(args, lambda: _glyphs(*args)))

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
        first = BidiParagraph(self.runs, self.style, self.stack, self.glyphs[:cut], self.personal, self.rtl)
        rest = BidiParagraph(self.runs, self.style, self.stack, self.glyphs[cut:], self.personal, self.rtl)
        rest.continues = True  # tagged as the rest of the first part's element
        return [first, rest]

    def getSpaceBefore(self) -> float:
        return self.style.spaceBefore

    def getSpaceAfter(self) -> float:
        return self.style.spaceAfter

    def getActualLineWidths0(self) -> list[float]:
        return [sum(g.width for _, g in self._visual(s, e)) for s, e in self.lines]

    def _visual(self, start: int, end: int) -> list[tuple[int, Glyph]]:
        """One line in display order (UAX #9 rules L1, L2 and L4), each glyph with its
        place in logical order."""
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
        out = []
        for k in order:
            g = line[k]
            if g.level % 2:  # L4: mirrored brackets in right-to-left runs
                g = Glyph(g.char.translate(_MIRROR), g.face, g.width, g.level)
            out.append((k, g))
        return out

    def _runs(self) -> list[list[tuple[float, str, str, bool]]]:
        """Per line, the runs to draw: (x, face, text, reversed), in logical order (the
        order a reader of the page's text takes them in), each run's text in display
        order (``reversed``: a right-to-left run, its characters last to first). Worked
        out once per width; a shared paragraph is drawn in handout after handout."""
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
            runs = []
            i = 0
            while i < len(visual):  # one run per face and direction
                face, odd = visual[i][1].face, visual[i][1].level % 2
                j = i
                while j < len(visual) and visual[j][1].face == face and visual[j][1].level % 2 == odd:
                    j += 1
                glyphs = visual[i:j]
                first = min(k for k, _ in glyphs)
                runs.append((first, x, face, "".join(g.char for _, g in glyphs), bool(odd)))
                x += sum(g.width for _, g in glyphs)
                i = j
            out.append([run[1:] for run in sorted(runs)])
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
                if backwards:  # tells a reader of the tagged text to read it last to first
                    canv.addLiteral("/ReversedChars BMC")
                elif self.rtl and _LATIN_WORD.search(text):
                    # Latin words on a right-to-left page (Botox, FDA, the clinic's name
                    # and address) are English: a screen reader's voice says them so.
                    canv.addLiteral("/Span <</Lang (en)>> BDC")
                canv.drawString(x, y, text)
                if backwards or (self.rtl and _LATIN_WORD.search(text)):
                    canv.addLiteral("EMC")
            y -= style.leading
        canv.restoreState()
