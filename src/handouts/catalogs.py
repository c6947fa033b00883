"""Translation catalogs: provenance (how each was made, who reviewed it) and health
(what is translated, counted honestly).

``pybabel compile --statistics`` counts fuzzy entries and half-empty plurals as
translated; here a message is translated only when every form has text, it is not
fuzzy, and its placeholders and inline tags match the English.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import speed
from .errors import HandoutsError
from .i18n import SOURCE_LANGUAGE, Language, available_languages
from .pofiles import problems_in, read_catalog
from .resources import locales_dir

_HEADER_LINE = re.compile(r"^([A-Za-z0-9-]+):\s*(.*)$")


@dataclass(frozen=True)
class Provenance:
    """How a catalog was made, from its header (X-Translation-Method, X-Translator,
    X-Reviewer, X-Review-Date, X-Next-Review-Due, X-Source-Version)."""

    method: str = ""
    translator: str = ""
    reviewer: str = ""
    review_date: dt.date | None = None
    next_review: dt.date | None = None
    source_version: str = ""

    @property
    def reviewed(self) -> bool:
        """Signed off by a named reviewer on a given date."""
        return bool(self.reviewer and self.review_date)


@dataclass(frozen=True)
class Health:
    """The state of one language's catalog against the current English source."""

    language: Language
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    placeholder_errors: tuple[str, ...]
    provenance: Provenance

    @property
    def complete(self) -> bool:
        return self.translated == self.total and not self.placeholder_errors

    @property
    def missing(self) -> int:
        """Messages that would fall back to English."""
        return self.total - self.translated

    def as_dict(self) -> dict[str, object]:
        p = self.provenance
        return {
            "language": self.language.code,
            "name": self.language.locale.get_display_name("en"),
            "total": self.total,
            "translated": self.translated,
            "fuzzy": self.fuzzy,
            "untranslated": self.untranslated,
            "placeholder_errors": list(self.placeholder_errors),
            "complete": self.complete,
            "method": p.method,
            "translator": p.translator,
            "reviewer": p.reviewer,
            "review_date": p.review_date.isoformat() if p.review_date else None,
            "next_review_due": p.next_review.isoformat() if p.next_review else None,
            "source_version": p.source_version,
            "reviewed": p.reviewed,
        }


def _unquote(text: str) -> str:
    """A PO string's C escapes, undone (enough for header values)."""
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def read_provenance(path: Path) -> Provenance:
    """The X- headers of a .po file. (Babel drops headers it does not know, so the
    header entry is read here directly.)"""
    text = path.read_text(encoding="utf-8")
    header = re.search(r'^msgid ""\s*\nmsgstr ""\s*\n((?:".*"\s*\n)+)', text, re.M)
    fields: dict[str, str] = {}
    if header:
        joined = "".join(_unquote(line.strip()[1:-1]) for line in header.group(1).splitlines() if line.strip())
        for line in joined.split("\n"):
            match = _HEADER_LINE.match(line)
            if match:
                fields[match.group(1)] = match.group(2).strip()
    return Provenance(
        method=fields.get("X-Translation-Method", ""),
        translator=fields.get("X-Translator", ""),
        reviewer=fields.get("X-Reviewer", ""),
        review_date=_date(fields.get("X-Review-Date", "")),
        next_review=_date(fields.get("X-Next-Review-Due", "")),
        source_version=fields.get("X-Source-Version", ""),
    )


@speed.memo("message-template", 4)
def _source_messages(pot: Path, _digest: str) -> tuple[tuple[str, frozenset[str]], ...]:
    from babel.messages.pofile import read_po

    with pot.open("rb") as fh:
        return tuple(
            (str(m.id[0] if isinstance(m.id, tuple) else m.id), frozenset(path for path, _ in m.locations))
            for m in read_po(fh)
            if m.id
        )


def source_ids(root: Path | None = None, procedure: str | None = None) -> frozenset[str]:
    """The English messages a catalog must translate (from handouts.pot): all of them, or
    those one procedure's handout uses (its own templates and the shared parts)."""
    pot = (root or locales_dir()) / "handouts.pot"
    if not pot.is_file():
        raise HandoutsError(f"{pot}: the message template is missing; run pybabel extract (see README)")
    messages = _source_messages(pot, speed.digest(pot))
    if procedure is None:
        return frozenset(msgid for msgid, _ in messages)
    own = f"templates/{procedure}/"
    return frozenset(
        msgid for msgid, paths in messages
        if not paths or any(p.startswith((own, "templates/layouts/", "src/")) for p in paths)
    )


def check(language: Language, root: Path | None = None, procedure: str | None = None) -> Health:
    """Count what a catalog translates, honestly, against the current source (for one
    procedure, or all of them). Cached until the catalog or the template file changes."""
    if language.catalog is None and procedure is not None:
        # The source language is complete by definition; a handout need not read the
        # whole message template to learn that (a cold start saves 15 ms).
        return Health(language, 0, 0, 0, 0, (), Provenance(method="source"))
    pot = (root or locales_dir()) / "handouts.pot"
    return _CHECKS.get((language, root, speed.digest(language.catalog), speed.digest(pot), procedure), lambda: _check(language, root, procedure))


_CHECKS: speed.Memo[tuple[Any, ...], Health] = speed.Memo("catalog-health", 128)


def _check(language: Language, root: Path | None, procedure: str | None = None) -> Health:
    ids = source_ids(root, procedure)
    if language.catalog is None:  # the source language
        return Health(language, len(ids), len(ids), 0, 0, (), Provenance(method="source"))
    catalog = read_catalog(language.catalog, language.code)
    translated = fuzzy = 0
    errors: list[str] = []
    bad: set[str] = set()
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if not key or key not in ids:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            fuzzy += 1
            continue
        if not all(strings):  # an empty plural form is not a translation
            continue
        issues = [f"{key[:40]!r}: {p}" for s in strings for p in problems_in(str(key), s)]
        if issues:
            errors.extend(issues)
            bad.add(str(key))
            continue
        translated += 1
    untranslated = len(ids) - translated - fuzzy - len(bad)
    return Health(language, len(ids), translated, fuzzy, untranslated, tuple(errors), read_provenance(language.catalog))


def status(root: Path | None = None) -> list[Health]:
    """Health of every language, English first."""
    languages = available_languages(root)
    order = [SOURCE_LANGUAGE, *sorted(k for k in languages if k != SOURCE_LANGUAGE)]
    return [check(languages[code], root) for code in order]


_X_HEADER = re.compile(r'^"(X-[A-Za-z-]+): (.*)\\n"$', re.M)


def update_catalogs(root: Path | None = None) -> list[tuple[str, int]]:
    """``pybabel update`` for every catalog, keeping the provenance headers (Babel drops
    headers it does not know). New messages arrive untranslated; none is guessed from a
    similar one (no fuzzy matching: a near-miss in medical text is worse than a gap).
    Returns (language, untranslated count) for each catalog."""
    from babel.messages.pofile import read_po, write_po

    root = root or locales_dir()
    with (root / "handouts.pot").open("rb") as fh:
        template = read_po(fh)
    results = []
    for code, language in sorted(available_languages(root).items()):
        if language.catalog is None:
            continue
        path = language.catalog
        provenance = _X_HEADER.findall(path.read_text(encoding="utf-8"))
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=code)
        catalog.update(template, no_fuzzy_matching=True)
        from io import BytesIO

        buffer = BytesIO()
        write_po(buffer, catalog, width=100, ignore_obsolete=True)
        text = buffer.getvalue().decode("utf-8")
        lines = "".join(f'"{key}: {value}\\n"\n' for key, value in provenance)
        text = text.replace('"Generated-By:', lines + '"Generated-By:', 1) if lines else text
        path.write_text(text, encoding="utf-8")
        health = _check(language, root, None)  # fresh, not cached
        results.append((code, health.untranslated + health.fuzzy))
    return results


@dataclass(frozen=True)
class ClinicCatalog:
    """A clinic's own catalog: its wording, translated over the built-in catalogs."""

    code: str
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    placeholder_errors: tuple[str, ...]


def clinic_status(folder: Path) -> list[ClinicCatalog]:
    """Health of a clinic's ``locales/`` catalogs, against its ``clinic.pot`` when there
    is one (what its templates mark), else against the catalog's own entries. A file
    that cannot be read is a :class:`handouts.pofiles.CatalogError` naming file and line."""
    pot = folder / "clinic.pot"
    expected: set[str] | None = None
    if pot.is_file():
        expected = {str(m.id) for m in read_catalog(pot) if m.id and isinstance(m.id, str)}
    out = []
    for po in sorted(folder.glob("*/LC_MESSAGES/handouts.po")):
        catalog = read_catalog(po)
        ids = expected if expected is not None else {str(m.id) for m in catalog if m.id and isinstance(m.id, str)}
        translated = fuzzy = 0
        errors: list[str] = []
        for message in catalog:
            if not message.id or str(message.id) not in ids:
                continue
            if message.fuzzy:
                fuzzy += 1
            elif message.string:
                problems = problems_in(str(message.id), str(message.string))
                if problems:
                    errors += [f"{po}:{message.lineno}: {str(message.id)[:40]!r}: {p}" for p in problems]
                else:
                    translated += 1
        bad = len({e.split(": ", 2)[1] for e in errors})
        out.append(ClinicCatalog(po.parent.parent.name, len(ids), translated, fuzzy, len(ids) - translated - fuzzy - bad, tuple(errors)))
    return out
