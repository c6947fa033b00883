"""Fonts: families, per-language font stacks, registration with ReportLab, and the
glyph-coverage pre-flight.

ReportLab has no font fallback and draws a missing glyph as an empty box without a word
of warning. So each language has a *stack* of families; text is split into runs by which
family covers each character (see :meth:`FontStack.segments`), and before anything is
drawn every character is checked against the stack: a gap is an error naming the
character and the fonts.

All faces are static TrueType-outline fonts: ReportLab cannot embed CFF/OpenType outlines
and draws only the default instance of a variable font (so "bold" would silently be
regular). Where a PyPI package ships static faces it is a dependency; CJK fonts come from
Debian packages, found on disk.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from . import internals, speed
from .errors import GlyphError, HandoutsError

# Characters that never reach the page as glyphs (spaces, line breaks, soft hyphens, joiners,
# bidi controls).
_INVISIBLE = set(" \n\r\t\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# CLDR puts thin and narrow no-break spaces in dates and numbers ("December 8\u2009–\u200915").
# Few text fonts carry them, and ReportLab would draw a missing one as a box, so they
# become the no-break space every font has; wide spaces become plain spaces.
_SPACES = str.maketrans({
    "\u2009": "\u00a0", "\u202f": "\u00a0", "\u2007": "\u00a0", "\u2008": "\u00a0",
    "\u200a": "\u00a0", "\u2006": "\u00a0", "\u2005": " ", "\u2004": " ",
    "\u2002": " ", "\u2003": " ", "\u3000": " ",
})

# Where fonts from system packages live. HANDOUTS_FONT_DIRS (colon-separated) adds more,
# for systems that are not Debian.
_SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "/Library/Fonts")


def typeset(text: str) -> str:
    """Text as it goes on the page: NFC-normalised (one code point per accented letter,
    as fonts expect; Vietnamese needs it), with spaces a font may lack replaced, and
    without invisible format characters (zero-width spaces, byte-order marks, bidi
    marks, embeddings and isolates): pasted into a name, they reach ReportLab as
    characters, which it draws as empty boxes. Zero-width joiners stay (Indic shaping
    uses them) and are dropped where a font has no glyph for them (:data:`JOINERS`)."""
    text = unicodedata.normalize("NFC", text).translate(_SPACES)
    if _has_format(text):
        text = "".join(c for c in text if c in JOINERS or unicodedata.category(c) != "Cf")
    return text


#: Zero-width non-joiner and joiner: kept for shaping, never drawn by a font without them.
JOINERS = frozenset("\u200c\u200d")
#: Plain ASCII, which needs no fallback, shaping or bidi: most text is, and a quick test.
ASCII = frozenset(map(chr, range(128)))


def _has_format(text: str) -> bool:
    """Whether a text may hold a format character (a quick test: most text is ASCII)."""
    return not ASCII.issuperset(text) and any(unicodedata.category(c) == "Cf" for c in text)


@dataclass(frozen=True)
class FontFamily:
    """Up to four static faces of one family, registered under ReportLab names.

    A family without a bold or italic face uses its regular face for it: honest about
    what is drawn, rather than a synthetic bold.
    """

    name: str  # e.g. "Atkinson Hyperlegible"
    regular: Path
    bold: Path | None
    italic: Path | None
    bold_italic: Path | None
    licence: str
    subfont: int = 0  # index in a .ttc collection
    # No bold face exists as TrueType: bold is drawn from the regular outlines, filled and
    # stroked (as word processors do), so CJK headings still read as bold.
    synthetic_bold: bool = False

    @property
    def key(self) -> str:
        return self.name.replace(" ", "")

    def face(self, bold: bool = False, italic: bool = False) -> str:
        """The ReportLab font name of a face (the nearest one the family has)."""
        return self._face_names[(bold, italic)]

    @cached_property
    def _face_names(self) -> dict[tuple[bool, bool], str]:
        """(bold, italic) -> face name, worked out once per family (a value object)."""
        has = {(False, False): True, (True, False): self.bold or self.synthetic_bold, (False, True): self.italic, (True, True): self.bold_italic}
        suffix = {(False, False): "", (True, False): "-Bold", (False, True): "-Italic", (True, True): "-BoldItalic"}
        names = {}
        for bold, italic in has:
            b, i = bold, italic
            if not has[(b, i)]:
                if b and i and self.bold:
                    i = False
                else:
                    b = i = False
            names[(bold, italic)] = self.key + suffix[(b, i)]
        return names

    def files(self, italic: bool | None = None) -> dict[str, Path]:
        """ReportLab face name -> file, for the faces the family really has (only the
        upright or only the italic ones when ``italic`` says which)."""
        faces = {(False, False): self.regular, (True, False): self.bold or (self.regular if self.synthetic_bold else None),
                 (False, True): self.italic, (True, True): self.bold_italic}
        return {
            self.face(b, i): path
            for (b, i), path in faces.items()
            if path is not None and (italic is None or i == italic)
        }


class FontMissing(HandoutsError):
    """A font a language needs is not installed."""


# --- families ----------------------------------------------------------------------------


def _pypi_family(module: str, package: str, name: str, files: dict[str, str | None], licence: str) -> FontFamily:
    try:
        root = Path(__import__(module).ROOT) / "files"
    except ImportError:
        raise FontMissing(f"the font {name} is not installed; install it with: pip install {package}") from None
    paths = {k: (root / v if v else None) for k, v in files.items()}
    return FontFamily(name=name, licence=licence, **paths)  # type: ignore[arg-type]


def _system_font(filename: str, family: str, debian_package: str) -> Path:
    dirs = [d for d in os.environ.get("HANDOUTS_FONT_DIRS", "").split(":") if d] + list(_SYSTEM_FONT_DIRS)
    for folder in dirs:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for path in root.rglob(filename):
            return path
    raise FontMissing(
        f"the font {family} ({filename}) is not installed; on Debian or Ubuntu: "
        f"apt-get install {debian_package}; elsewhere put {filename} in a folder named in HANDOUTS_FONT_DIRS"
    )


# Static faces from PyPI font packages: key -> (module, package, family, file prefix,
# has italics). Files are named <prefix>-Regular.ttf, -Bold, -Italic, -BoldItalic.
_PYPI_FAMILIES = {
    # Latin-script languages.
    "atkinson": ("fontpkg_atkinson_hyperlegible", "fontpkg-atkinson-hyperlegible", "Atkinson Hyperlegible", "AtkinsonHyperlegible", True),
    # Cyrillic and Vietnamese, which Atkinson Hyperlegible lacks.
    "fira": ("fontpkg_fira_sans", "fontpkg-fira-sans", "Fira Sans", "FiraSans", True),
    # Arabic: maps the presentation forms our shaper produces.
    "plex_arabic": ("fontpkg_ibm_plex_sans_arabic", "fontpkg-ibm-plex-sans-arabic", "IBM Plex Sans Arabic", "IBMPlexSansArabic", False),
    # Devanagari, shaped with HarfBuzz.
    "hind": ("fontpkg_hind", "fontpkg-hind", "Hind", "Hind", False),
}


@speed.memo("font-families", 16)
def pypi_family(key: str) -> FontFamily:
    """A family shipped by a PyPI font package (all OFL-1.1)."""
    module, package, name, prefix, italics = _PYPI_FAMILIES[key]
    faces = {"regular": "Regular", "bold": "Bold", "italic": "Italic" if italics else None, "bold_italic": "BoldItalic" if italics else None}
    return _pypi_family(module, package, name, {k: f"{prefix}-{v}.ttf" if v else None for k, v in faces.items()}, "OFL-1.1")


@speed.memo("font-wqy", 1)
def wqy_zenhei() -> FontFamily:
    """WenQuanYi Zen Hei (Debian fonts-wqy-zenhei): Chinese. TrueType outlines in a .ttc;
    it has no bold face, so bold is synthetic."""
    path = _system_font("wqy-zenhei.ttc", "WenQuanYi Zen Hei", "fonts-wqy-zenhei")
    return FontFamily("WenQuanYi Zen Hei", path, None, None, None, "GPL-2.0-with-font-exception", subfont=0, synthetic_bold=True)


@speed.memo("font-ipa", 1)
def ipa_gothic() -> FontFamily:
    """IPAGothic (Debian fonts-ipafont-gothic): Japanese glyph forms. No bold face, so
    bold is synthetic."""
    path = _system_font("ipag.ttf", "IPAGothic", "fonts-ipafont-gothic")
    return FontFamily("IPAGothic", path, None, None, None, "IPA", synthetic_bold=True)


@speed.memo("font-dejavu", 1)
def dejavu_sans() -> FontFamily:
    """DejaVu Sans (Debian fonts-dejavu-core): the wide last resort for names. Full
    Latin Extended and Vietnamese, Greek, Cyrillic, Hebrew, Armenian, Georgian, IPA."""
    face = partial(_system_font, family="DejaVu Sans", debian_package="fonts-dejavu-core")
    return FontFamily(
        "DejaVu Sans", face("DejaVuSans.ttf"), face("DejaVuSans-Bold.ttf"), face("DejaVuSans-Oblique.ttf"),
        face("DejaVuSans-BoldOblique.ttf"), "Bitstream-Vera AND Arev",
    )


@speed.memo("font-nanum", 1)
def nanum_gothic() -> FontFamily:
    """NanumGothic (Debian fonts-nanum): Korean, with a real bold."""
    regular = _system_font("NanumGothic.ttf", "NanumGothic", "fonts-nanum")
    bold = _system_font("NanumGothicBold.ttf", "NanumGothic Bold", "fonts-nanum")
    return FontFamily("NanumGothic", regular, bold, None, None, "OFL-1.1")


# --- stacks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontStack:
    """Families in the order they are tried for each character; ``base`` sets the
    paragraph font (line metrics, and text no other family claims). Compared by
    ``key``, which names the families and their files."""

    families: tuple[FontFamily, ...] = field(compare=False)
    base: FontFamily = field(compare=False)
    key: str = ""
    # Per family, the character maps of its regular and bold faces (read when the stack
    # is made from registered fonts: looking them up for every character was slow).
    coverage: tuple[tuple[FontFamily, dict[int, int], dict[int, int]], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def of(cls, families: tuple[FontFamily, ...], base: FontFamily) -> FontStack:
        """A stack of registered families."""
        # One object per family, so runs compare families by identity, cheaply.
        base = next((family for family in families if family == base), base)
        key = "|".join(f"{f.name}={f.regular}#{f.subfont}" for f in (*families, base))
        coverage = tuple((f, internals.cmap(f.face()), internals.cmap(f.face(bold=True))) for f in families)
        return cls(families, base, key, coverage)

    @property
    def names(self) -> str:
        return ", ".join(f.name for f in self.families)

    def family_for(self, char: str) -> FontFamily | None:
        """The first family whose regular and bold faces both have ``char``."""
        code = ord(char)
        for family, regular, bold in self.coverage:
            if code in regular and code in bold:
                return family
        return None

    def segments(self, text: str, remember: bool = True) -> tuple[tuple[FontFamily, str], ...]:
        """Split text into runs that one family can draw. Spaces and marks stay with
        the run they are in, so a word is never split between fonts needlessly.
        ``remember=False`` for personal text, which never enters a memo."""
        if not remember:
            return tuple(self._segments(text))
        return _SEGMENTS.get((text, self), lambda: tuple(self._segments(text)))

    def _segments(self, text: str) -> Iterator[tuple[FontFamily, str]]:
        current: FontFamily | None = None
        buffer: list[str] = []
        families: dict[str, FontFamily | None] = {}
        for char in text:
            if char in JOINERS:  # drawn only by a font that has them (Indic, Vietnamese)
                family = current or self.base
                if ord(char) not in internals.cmap(family.face()):
                    continue
            elif char in _INVISIBLE or char == "\u00a0" or unicodedata.category(char) in ("Mn", "Me"):
                family = current or self.family_for(char) or self.base
            else:
                if char not in families:
                    families[char] = self.family_for(char)
                family = families[char] or self.base
            if family is not current and buffer:
                yield current or self.base, "".join(buffer)
                buffer = []
            current = family
            buffer.append(char)
        if buffer:
            yield current or self.base, "".join(buffer)


_SEGMENTS: speed.Memo[tuple[str, FontStack], tuple[tuple[FontFamily, str], ...]] = speed.Memo("font-runs", 1024)


# Which stack each language uses. Latin-script languages the primary family covers need
# no entry. Order matters: the first family that has a character draws it.
# Fira Sans follows Atkinson Hyperlegible everywhere: names such as "Nguyễn Thị Minh
# Khai", "Ōtsuka", "Mōʻī", Greek and Cyrillic ones print on every handout.
_STACKS = {
    "vi": ("fira",),
    "ru": ("fira",),
    "zh_Hans": ("atkinson", "fira", "wqy"),
    "zh_Hant": ("atkinson", "fira", "wqy"),
    "ja": ("atkinson", "fira", "ipa", "wqy"),
    "ko": ("atkinson", "fira", "nanum"),
    "ar": ("plex_arabic", "atkinson", "fira"),
    "hi": ("hind", "atkinson", "fira"),
}
_LATIN = ("atkinson", "fira")  # every other language
_BASE = {"zh_Hans": "wqy", "zh_Hant": "wqy", "ja": "ipa", "ko": "nanum"}
# Families of tens of megabytes once parsed (CJK: tens of thousands of glyphs).
_LARGE = frozenset({"wqy", "ipa", "nanum"})


def large_fonts(language: str) -> frozenset[str]:
    """The large font families a language's handouts load (a batch keeps languages
    that need different ones in different worker processes)."""
    return _LARGE & {*_STACKS.get(language, ()), _BASE.get(language, "")}


def large_font_group(language: str) -> frozenset[str]:
    """The large fonts of a language and of every language that shares one with it,
    transitively (Japanese uses the Chinese font too): what one set of batch workers
    loads."""
    group = large_fonts(language)
    grown = True
    while grown:
        grown = False
        for other in _STACKS:
            fonts = large_fonts(other)
            if fonts & group and not fonts <= group:
                group, grown = group | fonts, True
    return group


_FAMILIES: dict[str, Callable[[], FontFamily]] = {
    **{key: partial(pypi_family, key) for key in _PYPI_FAMILIES},
    "wqy": wqy_zenhei, "ipa": ipa_gothic, "nanum": nanum_gothic, "dejavu": dejavu_sans,
}

# Every shipped face, in the order tried for a character a language's stack lacks (a
# Hebrew name on an English handout, a Chinese one on a Spanish handout). Small faces
# first; the CJK faces (tens of megabytes) are read only when a character needs one.
_FALLBACKS = ("atkinson", "fira", "dejavu", "plex_arabic", "hind", "wqy", "nanum", "ipa")
# Hangul is drawn in the Korean face and kana in the Japanese one, before the Chinese
# face that also has them: a name keeps its own country's letterforms.
_PREFERRED = (
    ((0x1100, 0x11FF), "nanum"), ((0x3130, 0x318F), "nanum"), ((0xAC00, 0xD7AF), "nanum"),
    ((0x3040, 0x30FF), "ipa"), ((0x31F0, 0x31FF), "ipa"),
)
#: Families whose text HarfBuzz must shape (conjuncts, vowel signs): Devanagari.
SHAPED_FAMILIES = frozenset({"Hind"})
#: Families of CJK characters (tens of thousands of glyphs): never read into HarfBuzz for
#: a Chinese, Japanese or Korean paragraph, whose own characters need no kerning.
CJK_FAMILIES = frozenset({"WenQuanYi Zen Hei", "IPAGothic", "NanumGothic"})
#: Families shaped with all their substitutions (conjuncts, Arabic joining and
#: ligatures); every other face is shaped for its kerning alone.
SUBSTITUTING_FAMILIES = frozenset({"Hind", "IBM Plex Sans Arabic"})


def _fallback_order(char: str) -> tuple[str, ...]:
    code = ord(char)
    for (low, high), key in _PREFERRED:
        if low <= code <= high:
            return (key, *(k for k in _FALLBACKS if k != key))
    return _FALLBACKS


def covering(stack: FontStack, texts: Iterable[str], remember: bool = True) -> FontStack:
    """``stack``, with the shipped faces added that draw the characters of ``texts`` it
    lacks (per character, in :data:`_FALLBACKS` order; a face is read and registered
    only when a character needs it). A character no shipped face has is a
    :class:`GlyphError` naming it. ``remember=False`` for personal text: nothing about
    it, not even which faces it needed, enters a memo."""
    missing = missing_characters(texts, stack, remember)
    if not missing:
        return stack
    added: list[str] = []
    unknown: list[str] = []
    for char in missing:
        for key in _fallback_order(char):
            try:
                family = _fallback_family(key)
            except FontMissing:
                continue  # a face not installed here: the next one may have the letter
            if family.name in {f.name for f in stack.families}:
                continue
            code = ord(char)
            if code in internals.cmap(family.face()) and code in internals.cmap(family.face(bold=True)):
                if key not in added:
                    added.append(key)
                break
        else:
            unknown.append(char)
    if unknown:
        names = ", ".join(f.name for f in (*stack.families, *(_fallback_family(k) for k in added)))
        raise GlyphError(f"no font shipped with handouts has a glyph for {_describe(unknown)} (tried {names} and every other shipped font)")
    keys = tuple(sorted(added, key=_FALLBACKS.index))
    make = lambda: FontStack.of((*stack.families, *(_fallback_family(k) for k in keys)), stack.base)  # noqa: E731
    # Which faces a patient's name needed is not kept either.
    return _COVERING.get((stack.key, keys), make) if remember else make()


_COVERING: speed.Memo[tuple[str, tuple[str, ...]], FontStack] = speed.Memo("font-stacks-covering", 64)


def _fallback_family(key: str) -> FontFamily:
    return register(_FAMILIES[key]())


def stack_for(language: str) -> FontStack:
    """The registered font stack for a language code (``es``, ``zh_Hans``...); found
    and registered once per process (and font folder setting)."""
    return _STACK_MEMO.get((language, os.environ.get("HANDOUTS_FONT_DIRS", "")), lambda: _stack_for(language))


_STACK_MEMO: speed.Memo[tuple[str, str], FontStack] = speed.Memo("font-stacks", 32)


def _stack_for(language: str) -> FontStack:
    keys = _STACKS.get(language, _LATIN)
    try:
        families = tuple(register(_FAMILIES[k]()) for k in keys)
    except FontMissing as exc:
        raise FontMissing(f"{language} handouts need a font: {exc}") from None
    base = register(_FAMILIES[_BASE[language]]()) if language in _BASE else families[0]
    return FontStack.of(families, base)


#: Outline stroke of synthetic bold, in em: 3.5 % reads as bold at text sizes, the
#: weight word processors use for a font without a bold face.
SYNTHETIC_BOLD = 0.035


def _ttfont(name: str, path: Path, subfont: int, parsed: dict[tuple[Path, int], TTFont]) -> TTFont:
    """A face read from its file, or from a face of the same file read before (``parsed``:
    a synthetic bold is its regular face's file)."""
    read = parsed.get((path, subfont))
    if read is None:
        font = TTFont(name, str(path), subfontIndex=subfont)
        parsed[(path, subfont)] = internals.sibling(font, name)  # as read, before the hooks below
    else:
        font = internals.sibling(read, name)
    # Subsets already cut for an earlier handout are embedded again (speed.subsets).
    from .speed import subsets

    internals.embed_subsets_with(font, partial(subsets.cut, name, f"{path}#{subfont}"))
    internals.format_widths_with(font, subsets.widths, subsets.to_unicode)
    return font


def _register_faces(family: FontFamily, italic: bool) -> None:
    parsed: dict[tuple[Path, int], TTFont] = {}
    for name, path in family.files(italic=italic).items():
        if not path.is_file():
            raise FontMissing(f"font file missing: {path}; reinstall the package that ships {family.name}")
        # TTFont embeds a subset of the glyphs actually used (ReportLab's default).
        font = _ttfont(name, path, family.subfont, parsed)
        if family.synthetic_bold and name == family.face(bold=True) and not family.bold:
            internals.embolden(font, SYNTHETIC_BOLD)
        if family.name not in SUBSTITUTING_FAMILIES:
            # kerned, one glyph per letter (see internals); in CJK lines too, but for the CJK faces
            internals.kerning_only(font, in_cjk_lines=family.name not in CJK_FAMILIES)
        pdfmetrics.registerFont(font)


@speed.memo("font-registrations", 32)
def register(family: FontFamily) -> FontFamily:
    """Register the family's upright faces once per process, and which face <b> and <i>
    select. Italic faces are read when first needed (:func:`use_italics`): the handouts
    we ship have no italics, and reading a face is a quarter of a cold start's font work.
    """
    _register_faces(family, italic=False)
    pdfmetrics.registerFontFamily(
        family.key,
        normal=family.face(),
        bold=family.face(bold=True),
        italic=family.face(italic=True),
        boldItalic=family.face(bold=True, italic=True),
    )
    # <b> inside <font face="X"> must find X's bold. The regular face's own mapping goes
    # last: a family without a bold maps bold to its regular face, and ReportLab's reverse
    # map must still read the regular face as not bold.
    for bold, italic in ((1, 1), (0, 1), (1, 0), (0, 0)):
        addMapping(family.face(), bold, italic, family.face(bool(bold), bool(italic)))
    return family


@speed.memo("font-italics", 32)
def _register_italics(family: FontFamily) -> None:
    _register_faces(family, italic=True)


def use_italics(stack: FontStack) -> None:
    """Make sure the italic faces of a stack's families are registered (before any
    paragraph markup asks for <i>)."""
    for family in (*stack.families, stack.base):
        _register_italics(family)


_CHARACTERS: speed.Memo[str, tuple[str, ...]] = speed.Memo("characters", 2048)


def characters(text: str, remember: bool = True) -> tuple[str, ...]:
    """The distinct visible characters of a text, in order."""
    find = lambda: tuple(dict.fromkeys(c for c in typeset(text) if c not in _INVISIBLE))  # noqa: E731
    return _CHARACTERS.get(text, find) if remember else find()


def missing_characters(texts: Iterable[str], stack: FontStack, remember: bool = True) -> list[str]:
    """Characters in ``texts`` that no family of the stack can draw, in order found
    (``remember=False`` for personal text)."""
    needed: dict[str, None] = {}
    for text in texts:
        for char in characters(text, remember):
            needed.setdefault(char)
    return [c for c in needed if stack.family_for(c) is None]


def check_coverage(texts: Iterable[str], stack: FontStack, remember: bool = True) -> None:
    """Raise :class:`GlyphError` for the characters the fonts cannot draw."""
    missing = missing_characters(texts, stack, remember)
    if missing:
        if len(stack.families) == 1:
            message = f"the font {stack.names} has no glyph for {_describe(missing)}"
        else:
            message = f"none of the fonts {stack.names} has a glyph for {_describe(missing)}"
        raise GlyphError(message)


def _describe(chars: list[str]) -> str:
    """Characters as an error names them: "'ד' (U+05D3 HEBREW LETTER DALET)", at most five."""
    shown = ", ".join(f"'{c}' (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in chars[:5])
    return shown + (f" and {len(chars) - 5} more" if len(chars) > 5 else "")


# --- seeding a document's subsets ------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """How a document's fonts were seeded: the faces, in order, and the characters
    entered into each (equal seeds encode every seeded character alike)."""

    faces: tuple[str, ...] = field(compare=False)
    parts: tuple[str, ...] = field(compare=False)  # characters per face, in code point order
    sizes: tuple[int, ...] = field(compare=False)  # characters the face held right after seeding
    personal: bool = field(default=False, compare=False)  # the document also draws personal text
    # A digest of faces, characters and sizes: what seeds are compared by (cheaply: a
    # recording is looked up for every paragraph drawn).
    digest: str = ""


_SEEDS: weakref.WeakKeyDictionary[Any, Seed] = weakref.WeakKeyDictionary()  # document -> its seed


def seed(
    canv: Any, stack: FontStack, texts: Iterable[str], shape: Callable[[str], str] | None = None, personal: bool = False
) -> Seed:
    """Enter every character of ``texts`` into the faces (regular and bold) of the
    family that will draw it, in code point order, before anything is drawn.

    ReportLab numbers a font's characters in the order a document first meets them;
    seeding takes that order out of the picture, so a handout encodes its text the same
    way whatever was drawn first, alone or in a batch. Personal text is not seeded (it
    is not in ``texts``): its new characters are numbered after, when drawn, and
    ``personal`` says the document has some. ``shape`` turns text into the characters
    actually drawn (Arabic presentation forms)."""
    doc = internals.document(canv)
    chars: set[str] = set()
    for text in texts:
        if shape is None:  # the characters drawn are the text's own (visible) characters
            chars.update(characters(text))
        else:
            # What HarfBuzz draws depends on the fonts as well as the text.
            chars.update(_SEED_CHARACTERS.get((text, stack.key), partial(_drawn, text, shape)))
    by_family: dict[str, list[str]] = {}
    for char in sorted(chars):
        if ord(char) < 128 or char == "\u00a0":  # ASCII has fixed codes in every subset
            continue
        family = stack.family_for(char) or stack.base
        by_family.setdefault(family.key, []).append(char)
    faces: list[str] = []
    parts: list[str] = []
    for family in dict.fromkeys((stack.base, *stack.families)):
        text = "".join(by_family.get(family.key, ()))
        for face in dict.fromkeys((family.face(), family.face(bold=True))):
            # Sets up the face's subsets as drawing would; the face is only numbered (and
            # embedded) when a page uses it.
            pdfmetrics.getFont(face).splitString(text, doc)
            faces.append(face)
            parts.append(text)
    held = sizes(doc, faces)
    digest = hashlib.sha1(repr((faces, parts, held)).encode(), usedforsecurity=False).hexdigest()
    result = Seed(tuple(faces), tuple(parts), held, personal, digest)
    _SEEDS[doc] = result
    canv._handouts_seed = result  # our own attribute: replay looks it up for every paragraph
    return result


_SEED_CHARACTERS: speed.Memo[tuple[str, str], frozenset[str]] = speed.Memo("shaped-characters", 2048)


def _drawn(text: str, shape: Callable[[str], str]) -> frozenset[str]:
    """The visible characters a shaped text is drawn with (Arabic presentation forms;
    shaping is slow, hence the memo: only Arabic is shaped this way)."""
    return frozenset(c for c in shape(typeset(text)) if c not in _INVISIBLE)


def canvas_seed(canv: Any) -> Seed | None:
    """The seed of the document a canvas draws, if it was seeded."""
    return getattr(canv, "_handouts_seed", None)


def seed_of(doc: Any) -> Seed | None:
    """The seed of a document being built, if it was seeded."""
    return _SEEDS.get(doc)


def sizes(doc: Any, faces: Iterable[str]) -> tuple[int, ...]:
    """How many characters each face holds in a document now."""
    return tuple(len(internals.assigned(face, doc)) for face in faces)
