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

import os
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial, wraps
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont, TTFontFace

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


F = TypeVar("F", bound=Callable[..., Any])

# The personal text (provider, patient, visit dates) of the handout being made. Text
# holding it is never kept in this process's memos and caches, only used and dropped.
_PERSONAL: ContextVar[tuple[str, ...]] = ContextVar("personal", default=())


@contextmanager
def personal_text(values: Iterable[str]) -> Iterator[None]:
    """Mark ``values`` as personal while a handout is made."""
    token = _PERSONAL.set(tuple(v for v in values if v))
    try:
        yield
    finally:
        _PERSONAL.reset(token)


def is_personal(text: str) -> bool:
    """Whether ``text`` holds personal text of the handout being made."""
    personal = _PERSONAL.get()
    return bool(personal) and any(p in text for p in personal)


def memo_unless_personal(maxsize: int, personal: Callable[[Any], bool] = is_personal) -> Callable[[F], F]:
    """A least-recently-used memo (:func:`functools.lru_cache`) that personal text never
    enters: a call whose first argument holds any (``personal(first)``) is worked out
    afresh and not kept."""

    def decorate(func: F) -> F:
        cached = lru_cache(maxsize=maxsize)(func)

        @wraps(func)
        def call(first: Any, *args: Any) -> Any:
            return (func if personal(first) else cached)(first, *args)

        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return decorate


def typeset(text: str) -> str:
    """Text as it goes on the page: NFC-normalised (one code point per accented letter,
    as fonts expect; Vietnamese needs it), with spaces a font may lack replaced."""
    return unicodedata.normalize("NFC", text).translate(_SPACES)


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

    @property
    def key(self) -> str:
        return self.name.replace(" ", "")

    def face(self, bold: bool = False, italic: bool = False) -> str:
        """The ReportLab font name of a face (the nearest one the family has)."""
        has = {(False, False): True, (True, False): self.bold, (False, True): self.italic, (True, True): self.bold_italic}
        if not has[(bold, italic)]:
            if bold and italic and self.bold:
                italic = False
            else:
                bold = italic = False
        suffix = {(False, False): "", (True, False): "-Bold", (False, True): "-Italic", (True, True): "-BoldItalic"}
        return self.key + suffix[(bold, italic)]

    def files(self, italic: bool | None = None) -> dict[str, Path]:
        """ReportLab face name -> file, for the faces the family really has (only the
        upright or only the italic ones when ``italic`` says which)."""
        faces = {(False, False): self.regular, (True, False): self.bold, (False, True): self.italic, (True, True): self.bold_italic}
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


@cache
def pypi_family(key: str) -> FontFamily:
    """A family shipped by a PyPI font package (all OFL-1.1)."""
    module, package, name, prefix, italics = _PYPI_FAMILIES[key]
    faces = {"regular": "Regular", "bold": "Bold", "italic": "Italic" if italics else None, "bold_italic": "BoldItalic" if italics else None}
    return _pypi_family(module, package, name, {k: f"{prefix}-{v}.ttf" if v else None for k, v in faces.items()}, "OFL-1.1")


@cache
def wqy_zenhei() -> FontFamily:
    """WenQuanYi Zen Hei (Debian fonts-wqy-zenhei): Chinese. TrueType outlines in a .ttc;
    it has no bold face."""
    path = _system_font("wqy-zenhei.ttc", "WenQuanYi Zen Hei", "fonts-wqy-zenhei")
    return FontFamily("WenQuanYi Zen Hei", path, None, None, None, "GPL-2.0-with-font-exception", subfont=0)


@cache
def ipa_gothic() -> FontFamily:
    """IPAGothic (Debian fonts-ipafont-gothic): Japanese glyph forms. No bold face."""
    path = _system_font("ipag.ttf", "IPAGothic", "fonts-ipafont-gothic")
    return FontFamily("IPAGothic", path, None, None, None, "IPA")


@cache
def nanum_gothic() -> FontFamily:
    """NanumGothic (Debian fonts-nanum): Korean, with a real bold."""
    regular = _system_font("NanumGothic.ttf", "NanumGothic", "fonts-nanum")
    bold = _system_font("NanumGothicBold.ttf", "NanumGothic Bold", "fonts-nanum")
    return FontFamily("NanumGothic", regular, bold, None, None, "OFL-1.1")


# --- stacks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontStack:
    """Families in the order they are tried for each character; ``base`` sets the
    paragraph font (line metrics, and text no other family claims)."""

    families: tuple[FontFamily, ...]
    base: FontFamily
    _seen: dict = field(default_factory=dict, compare=False, hash=False, repr=False)  # char -> family
    _runs: dict = field(default_factory=dict, compare=False, hash=False, repr=False)  # text -> segments

    @property
    def names(self) -> str:
        return ", ".join(f.name for f in self.families)

    def family_for(self, char: str) -> FontFamily | None:
        """The first family whose regular and bold faces both have ``char`` (memoised:
        this runs for every character of every handout)."""
        try:
            return self._seen[char]
        except KeyError:
            pass
        code = ord(char)
        found = None
        for family in self.families:
            if all(code in _cmap(face) for face in (family.face(), family.face(bold=True))):
                found = family
                break
        self._seen[char] = found
        return found

    def segments(self, text: str) -> tuple[tuple[FontFamily, str], ...]:
        """Split text into runs that one family can draw. Spaces and marks stay with
        the run they are in, so a word is never split between fonts needlessly.
        (Memoised per stack: a batch sets the same sentences again and again.)"""
        if is_personal(text):
            return tuple(self._segments(text))
        try:
            return self._runs[text]
        except KeyError:
            if len(self._runs) >= 2048:  # providers' own lines come and go: stay bounded
                self._runs.clear()
            result = self._runs[text] = tuple(self._segments(text))
            return result

    def _segments(self, text: str) -> Iterator[tuple[FontFamily, str]]:
        current: FontFamily | None = None
        buffer: list[str] = []
        for char in text:
            if char in _INVISIBLE or char == "\u00a0" or unicodedata.category(char) in ("Mn", "Me"):
                family = current or self.family_for(char) or self.base
            else:
                family = self.family_for(char) or self.base
            if family is not current and buffer:
                yield current or self.base, "".join(buffer)
                buffer = []
            current = family
            buffer.append(char)
        if buffer:
            yield current or self.base, "".join(buffer)


# Which stack each language uses. Latin-script languages the primary family covers need
# no entry. Order matters: the first family that has a character draws it.
_STACKS = {
    "vi": ("fira",),
    "ru": ("fira",),
    "zh_Hans": ("atkinson", "wqy"),
    "zh_Hant": ("atkinson", "wqy"),
    "ja": ("atkinson", "ipa", "wqy"),
    "ko": ("atkinson", "nanum"),
    "ar": ("plex_arabic", "atkinson"),
    "hi": ("hind", "atkinson"),
}
_BASE = {"zh_Hans": "wqy", "zh_Hant": "wqy", "ja": "ipa", "ko": "nanum"}
_FAMILIES = {
    **{key: partial(pypi_family, key) for key in _PYPI_FAMILIES},
    "wqy": wqy_zenhei, "ipa": ipa_gothic, "nanum": nanum_gothic,
}


@cache
def stack_for(language: str) -> FontStack:
    """The registered font stack for a language code (``es``, ``zh_Hans``...)."""
    keys = _STACKS.get(language, ("atkinson",))
    try:
        families = tuple(register(_FAMILIES[k]()) for k in keys)
    except FontMissing as exc:
        raise FontMissing(f"{language} handouts need a font: {exc}") from None
    base = register(_FAMILIES[_BASE[language]]()) if language in _BASE else families[0]
    return FontStack(families, base)


class _SubsetCachingFace(TTFontFace):
    """A TrueType face that remembers the subsets it embedded.

    ReportLab cuts and compresses a subset of the font for every document it goes into;
    a batch puts the same subsets into handout after handout (the characters of one
    language's text, in the order they first appear), and for a CJK font that was a
    fifth of a build. The embedded stream is the same bytes ReportLab would write."""

    _subsets: ClassVar[OrderedDict[tuple, tuple[int, bytes]]] = OrderedDict()  # shared by all faces
    _MAX = 64  # a few megabytes at most, even for CJK subsets

    def addSubsetObjects(self, doc, fontname: str, subset: list[int]):  # noqa: N802 (ReportLab's name)
        if not doc.compression:
            return super().addSubsetObjects(doc, fontname, subset)
        key = (self.filename, self.subfontNameX, tuple(subset))
        cached = self._subsets.get(key)
        if cached is None:
            raw = self.makeSubset(subset)
            cached = (len(raw), pdfdoc.PDFZCompress.encode(raw))
            if len(self._subsets) >= self._MAX:
                self._subsets.popitem(last=False)
            self._subsets[key] = cached
        else:
            self._subsets.move_to_end(key)
        length1, packed = cached
        # As ReportLab's own addSubsetObjects, but already compressed: a stream whose
        # dictionary names its filter is not filtered again.
        font_file = pdfdoc.PDFStream()
        font_file.content = packed
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


def _ttfont(name: str, path: Path, subfont: int) -> TTFont:
    font = TTFont(name, str(path), subfontIndex=subfont)
    # TTFont builds its face itself; the caching face adds one method and no state.
    font.face.__class__ = _SubsetCachingFace
    return font


def _register_faces(family: FontFamily, italic: bool) -> None:
    for name, path in family.files(italic=italic).items():
        if not path.is_file():
            raise FontMissing(f"font file missing: {path}; reinstall the package that ships {family.name}")
        # TTFont embeds a subset of the glyphs actually used (ReportLab's default).
        pdfmetrics.registerFont(_ttfont(name, path, family.subfont))


@cache
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


@cache
def _register_italics(family: FontFamily) -> None:
    _register_faces(family, italic=True)


def use_italics(stack: FontStack) -> None:
    """Make sure the italic faces of a stack's families are registered (before any
    paragraph markup asks for <i>)."""
    for family in (*stack.families, stack.base):
        _register_italics(family)


def _cmap(face: str) -> dict[int, int]:
    """The character map of a registered face: exactly what ReportLab draws from (a
    character missing here is drawn as an empty box). ReportLab parsed it when the font
    was registered, so asking costs nothing; reading it again with fontTools cost a
    quarter of a second per CJK font."""
    return pdfmetrics.getFont(face).face.charToGlyph


@memo_unless_personal(maxsize=2048)
def _characters(text: str) -> tuple[str, ...]:
    """The distinct visible characters of a text, in order (memoised per text)."""
    return tuple(dict.fromkeys(c for c in typeset(text) if c not in _INVISIBLE))


def missing_characters(texts: Iterable[str], stack: FontStack) -> list[str]:
    """Characters in ``texts`` that no family of the stack can draw, in order found."""
    needed: dict[str, None] = {}
    for text in texts:
        for char in _characters(text):
            needed.setdefault(char)
    return [c for c in needed if stack.family_for(c) is None]


def check_coverage(texts: Iterable[str], stack: FontStack) -> None:
    """Raise :class:`GlyphError` for the characters the fonts cannot draw."""
    missing = missing_characters(texts, stack)
    if missing:
        shown = ", ".join(f"'{c}' (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        if len(stack.families) == 1:
            message = f"the font {stack.names} has no glyph for {shown}{more}"
        else:
            message = f"none of the fonts {stack.names} has a glyph for {shown}{more}"
        raise GlyphError(message)
