"""Paragraphs shared across handouts, and remembered line breaks.

A batch sets the same sentences in the same styles for provider after provider; parsing
the markup and breaking the lines again for each was a third of a build. A paragraph
depends only on its markup, its style's values and the width it is given, so one
object, keyed on exactly those, serves every handout. It also keeps its line breaks and
splits per width (columns and cells measure their content several times).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib.styles import ParagraphStyle

from .. import internals
from ..flowables import TextParagraph
from ..platypus import Flowable
from . import Memo, enabled, replay

#: Laid-out paragraphs of template text (several procedures and languages' worth).
PARAGRAPHS: Memo[tuple[Any, ...], Flowable] = Memo("paragraphs", 512)
#: Words of template text shaped by HarfBuzz: (font, size, text) -> (width, glyphs), or
#: None for a word shaping leaves as it is.
WORDS: Memo[Any, Any] = Memo("shaped-words", 8192)

_STYLE_FIELDS = (
    "name",  # the structure role of the paragraph's element comes from it (tagging.ROLES)
    "fontName", "fontSize", "leading", "alignment", "wordWrap", "shaping", "spaceBefore", "spaceAfter",
    "leftIndent", "rightIndent", "firstLineIndent", "allowWidows", "allowOrphans", "bulletFontName",
    "bulletIndent", "bulletFontSize", "textTransform", "endDots", "splitLongWords", "underlineWidth",
    "backColor", "borderWidth", "borderPadding", "embeddedHyphenation", "hyphenationLang", "uriWasteReduce",
)


def style_key(style: ParagraphStyle) -> tuple[Any, ...]:
    """Every value of a style that shapes or colours a paragraph (styles are compared by
    value: equal styles made for two handouts share their paragraphs). Worked out once
    per style object; handouts never changes a style once made."""
    key = style.__dict__.get("_handouts_key")
    if key is None:
        colour = style.textColor
        key = (*(getattr(style, name, None) for name in _STYLE_FIELDS), colour.hexval() if colour is not None else None)
        style.__dict__["_handouts_key"] = key
    return key


def shared(key: tuple[Any, ...], make: Callable[[], Flowable]) -> Flowable:
    """The paragraph for ``key``, which must hold everything ``make`` depends on: the
    text as runs, every style value (:func:`style_key`) and the font stack."""
    return PARAGRAPHS.get(key, make)


class CachedParagraph(TextParagraph):
    """A Paragraph that remembers its line breaks and splits per width, and replays its
    drawing (:mod:`.replay`). Made once per markup and style when shared."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if availWidth < 1e-8:  # platypus' "cannot fit here", nothing to remember
            return super().wrap(availWidth, availHeight)
        layouts = self.__dict__.setdefault("_layouts", {})
        known = layouts.get(availWidth) if enabled() else None
        if known is not None:
            self.__dict__.update(known)
            return self.width, self.height
        # Platypus shapes every word again at each width a paragraph is wrapped to. With
        # reuse off, the paragraph still keeps its own words' shapes while it lives (it
        # is made afresh for each build): nothing crosses builds.
        with internals.remembering_words(WORDS.get if enabled() else self._own_words):
            super().wrap(availWidth, availHeight)
        if len(layouts) < 8:
            layouts[availWidth] = {name: self.__dict__[name] for name in internals.PARAGRAPH_LAYOUT}
        return self.width, self.height

    def _own_words(self, key: Any, make: Callable[[], Any]) -> Any:
        words = self.__dict__.setdefault("_words", {})
        if key not in words:
            words[key] = make()
        return words[key]

    def draw_text(self) -> None:
        faces = self.__dict__.get("_faces")
        if faces is None:
            faces = self._faces = internals.paragraph_fonts(self)
        replay.draw(self, super().draw_text, faces)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        """Split as platypus does, remembered per (width, height)."""
        splits = self.__dict__.setdefault("_splits", {})
        key = (availWidth, availHeight)
        if key in splits and enabled():
            return list(splits[key])
        self.wrap(availWidth, availHeight)  # the line breaks split uses are this width's
        if enabled():  # the remembered breaks are kept as they were (split changes them)
            internals.detach_lines(self)
        parts = super().split(availWidth, availHeight)
        if len(splits) < 8:
            splits[key] = tuple(parts)
        return parts
