"""Fonts: register TrueType faces with ReportLab and check glyph coverage before building.

ReportLab draws a missing glyph as an empty box without a word of warning, so every
character of a handout is checked against the font's character map first; a gap is an
error that names the character and the font.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import GlyphError, HandoutsError

# Characters that never reach the page as glyphs (line breaks, soft hyphens, joiners).
_INVISIBLE = {" ", "\n", "\r", "\t", "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}

# CLDR puts thin and narrow no-break spaces in dates and numbers ("December 8 – 15").
# Few text fonts carry them, and ReportLab would draw a missing one as a box, so they
# become the no-break space every font has; wide spaces become plain spaces.
_SPACES = str.maketrans({
    "\u2009": "\u00a0", "\u202f": "\u00a0", "\u2007": "\u00a0", "\u2008": "\u00a0",
    "\u200a": "\u00a0", "\u2006": "\u00a0", "\u2005": " ", "\u2004": " ",
    "\u2002": " ", "\u2003": " ", "\u3000": " ",
})


def typeset(text: str) -> str:
    """Text as it goes on the page: NFC-normalised (one code point per accented letter,
    as fonts expect), with spaces a font may lack replaced."""
    return unicodedata.normalize("NFC", text).translate(_SPACES)


@dataclass(frozen=True)
class FontFamily:
    """Four static faces of one family, registered under ReportLab names."""

    name: str  # e.g. "Atkinson Hyperlegible"
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path
    licence: str

    @property
    def key(self) -> str:
        return self.name.replace(" ", "")

    def face(self, bold: bool = False, italic: bool = False) -> str:
        """The ReportLab font name of a face."""
        suffix = {(False, False): "", (True, False): "-Bold", (False, True): "-Italic", (True, True): "-BoldItalic"}
        return self.key + suffix[(bold, italic)]


@cache
def atkinson() -> FontFamily:
    """Atkinson Hyperlegible (Braille Institute, OFL-1.1), from its PyPI package."""
    try:
        from fontpkg_atkinson_hyperlegible import ROOT
    except ImportError:
        raise HandoutsError(
            "the font Atkinson Hyperlegible is missing; install it with: pip install fontpkg-atkinson-hyperlegible"
        ) from None
    files = Path(ROOT) / "files"
    return FontFamily(
        name="Atkinson Hyperlegible",
        regular=files / "AtkinsonHyperlegible-Regular.ttf",
        bold=files / "AtkinsonHyperlegible-Bold.ttf",
        italic=files / "AtkinsonHyperlegible-Italic.ttf",
        bold_italic=files / "AtkinsonHyperlegible-BoldItalic.ttf",
        licence="OFL-1.1",
    )


@cache
def register(family: FontFamily) -> FontFamily:
    """Register the family's faces once per process, so <b> and <i> pick the right face."""
    faces = {
        family.face(): family.regular,
        family.face(bold=True): family.bold,
        family.face(italic=True): family.italic,
        family.face(bold=True, italic=True): family.bold_italic,
    }
    for name, path in faces.items():
        if not path.is_file():
            raise HandoutsError(f"font file missing: {path}; reinstall the package that ships {family.name}")
        # TTFont embeds a subset of the glyphs actually used (ReportLab's default).
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        family.key,
        normal=family.face(),
        bold=family.face(bold=True),
        italic=family.face(italic=True),
        boldItalic=family.face(bold=True, italic=True),
    )
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(family.face(), bold, italic, family.face(bool(bold), bool(italic)))
    return family


@cache
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont as FTFont

    with FTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_characters(texts: Iterable[str], family: FontFamily) -> list[str]:
    """Characters in ``texts`` that some face of ``family`` cannot draw, in order found."""
    needed: dict[str, None] = {}
    for text in texts:
        for char in typeset(text):
            if char not in _INVISIBLE:
                needed.setdefault(char)
    faces = [family.regular, family.bold, family.italic, family.bold_italic]
    cmaps = [_cmap(face) for face in faces]
    return [c for c in needed if any(ord(c) not in cmap for cmap in cmaps)]


def check_coverage(texts: Iterable[str], family: FontFamily) -> None:
    """Raise :class:`GlyphError` for the first characters the fonts cannot draw."""
    missing = missing_characters(texts, family)
    if missing:
        shown = ", ".join(f"'{c}' (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise GlyphError(f"the font {family.name} has no glyph for {shown}{more}")
