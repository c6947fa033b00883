"""Reading ``.po`` catalogs: the built-in ones and a clinic's own, under the same rules.

A clinic's catalog is untrusted input. Babel reads some broken files without a word (an
unterminated string), so every line is checked first and a fault is one error naming the
file and line. A translation whose placeholders or inline tags differ from the English
is never used (``catalogs`` reports it). Translated text is data: ``&`` and ``<`` in it
are escaped like any other text, and only the inline tags the English has (``<b>``,
``<i>``, ``<phone>``, ``<url>``) stay markup.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import markupsafe

from . import speed
from .errors import HandoutsError

DOMAIN = "handouts"


class CatalogError(HandoutsError):
    """A catalog file cannot be read."""


_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\])\s+("(?:[^"\\]|\\.)*")\s*$')
_CONTINUATION = re.compile(r'^"(?:[^"\\]|\\.)*"\s*$')


def _syntax(path: Path, text: str) -> None:
    """Every line is blank, a comment, a keyword with one complete quoted string, or a
    complete quoted string continuing the one before."""
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#") or _CONTINUATION.match(line):
            continue
        if not _KEYWORD.match(line):
            shown = line if len(line) <= 60 else line[:57] + "..."
            raise CatalogError(f"{path}:{number}: expected msgid, msgstr or a quoted string ending in \", not {shown!r}")


def read_catalog(path: Path, locale: str | None = None) -> Any:
    """The babel Catalog of a ``.po`` file, or :class:`CatalogError` naming file and line."""
    from babel.messages.pofile import PoFileError, read_po

    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogError(f"{path}:{line}: not UTF-8 text; save the catalog as UTF-8") from None
    _syntax(path, text)
    try:
        return read_po(BytesIO(data), locale=locale, domain=DOMAIN, abort_invalid=True)
    except PoFileError as exc:
        raise CatalogError(f"{path}:{getattr(exc, 'lineno', '?')}: {exc}") from None
    except ValueError as exc:  # a locale or plural header Babel cannot use
        raise CatalogError(f"{path}: {exc}") from None


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TAGS = ("<b>", "</b>", "<phone>", "</phone>", "<i>", "</i>", "<url>", "</url>")
_ALLOWED = re.compile("|".join(map(re.escape, TAGS)))
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]")  # a tag, comment or declaration ("3 < 4" is text)


def problems_in(msgid: str, translation: str) -> list[str]:
    """Placeholder and inline-tag differences between a msgid and its translation."""
    out = []
    want, got = sorted(set(_PLACEHOLDER.findall(msgid))), sorted(set(_PLACEHOLDER.findall(translation)))
    if want != got:
        out.append(f"placeholders {want} became {got}")
    for tag in TAGS:
        if msgid.count(tag) != translation.count(tag):
            out.append(f"{tag} appears {translation.count(tag)} times, not {msgid.count(tag)}")
    if _MARKUP.search(_ALLOWED.sub("", translation)) and not _MARKUP.search(_ALLOWED.sub("", msgid)):
        out.append("has markup the English does not (only <b>, <i>, <phone> and <url> may appear)")
    return out


def as_markup(translation: str) -> str:
    """A translation as template output: escaped, but for the inline tags."""
    escaped = str(markupsafe.escape(translation))
    for tag in TAGS:
        escaped = escaped.replace(str(markupsafe.escape(tag)), tag)
    return escaped


def key_of(message: Any) -> str:
    """How a message is looked up: its msgid (the singular of a plural), after its
    context."""
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"{message.context}\x04{msgid}" if message.context else str(msgid)


@dataclass(frozen=True)
class Compiled:
    """A catalog ready for lookups, and the keys it really translates."""

    translations: gettext.NullTranslations
    known: frozenset[str]


def compiled(path: Path, locale: str) -> Compiled:
    """A ``.po`` compiled in memory, reused while its bytes are the same."""
    return _compile(path, locale, speed.digest(path))


@speed.memo("catalogs", 64)
def _compile(path: Path, locale: str, _digest: str) -> Compiled:
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    catalog = read_catalog(path, locale)
    known = set()
    for message in list(catalog):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = str(message.id[0] if isinstance(message.id, tuple) else message.id)
        if message.fuzzy or not all(strings) or any(problems_in(msgid, s) for s in strings):
            # Not a translation: the English is used (catalogs.check reports why).
            catalog.delete(message.id, context=message.context)
            continue
        message.string = tuple(as_markup(s) for s in strings) if isinstance(message.string, tuple) else as_markup(message.string)
        known.add(key_of(message))
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Compiled(Translations(buffer, domain=DOMAIN), frozenset(known))


class Lookup(gettext.NullTranslations):
    """The catalogs one handout reads, first to last (a clinic's own, then the built-in
    one), and every message none of them translates (:attr:`missing`): what the
    templates really asked for, so completeness covers a clinic's own wording."""

    def __init__(self, catalogs: Iterable[Compiled], record: bool) -> None:
        super().__init__()
        self.catalogs = tuple(catalogs)
        self.record = record  # English needs no catalog: nothing is missing
        self.missing: dict[str, None] = {}

    def _find(self, key: str) -> gettext.NullTranslations | None:
        for catalog in self.catalogs:
            if key in catalog.known:
                return catalog.translations
        if self.record:
            self.missing.setdefault(key.split("\x04")[-1])
        return None

    def gettext(self, message: str) -> str:
        found = self._find(message)
        return found.gettext(message) if found else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._find(singular)
        return found.ngettext(singular, plural, n) if found else (singular if n == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        found = self._find(f"{context}\x04{message}")
        return found.pgettext(context, message) if found else message

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        found = self._find(f"{context}\x04{singular}")
        return found.npgettext(context, singular, plural, n) if found else (singular if n == 1 else plural)
