"""Languages: gettext catalogs read straight from ``.po`` files, and CLDR formatting.

Catalogs are compiled in memory from the ``.po`` a translator edited, keyed by the file's
size and modification time, so there is no manual compile step and never a stale ``.mo``.
English is the source language: it needs no catalog.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton

from . import speed
from .cldr import cldr_source, cldr_unit, map_month_fields, overlay_for, overlays_dir
from .errors import HandoutsError, UsageError
from .pofiles import DOMAIN, Lookup, compiled, problems_in
from .resources import locales_dir

__all__ = ["DOMAIN", "Language", "cldr_source", "overlay_for", "overlays_dir", "problems_in", "resolve_language", "translations_for"]
SOURCE_LANGUAGE = "en"

# Common ways people write a language that CLDR spells differently.
ALIASES = {
    "zh-cn": "zh_Hans", "zh_cn": "zh_Hans", "zh-sg": "zh_Hans", "zh": "zh_Hans",
    "zh-tw": "zh_Hant", "zh_tw": "zh_Hant", "zh-hk": "zh_Hant",
    "pt-br": "pt_BR", "pt": "pt_BR",
    "tl": "fil", "tagalog": "fil",
    "ht": "ht",
}


@dataclass(frozen=True)
class Language:
    """A language the project can render: its CLDR locale and catalog file (if any)."""

    locale: Locale
    catalog: Path | None

    @property
    def code(self) -> str:
        return str(self.locale)

    @property
    def rtl(self) -> bool:
        return self.locale.text_direction == "rtl"


def catalog_path(code: str, root: Path | None = None) -> Path:
    """Where the catalog for ``code`` lives."""
    return (root or locales_dir()) / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages(root: Path | None = None) -> dict[str, Language]:
    """Language code -> Language, for English and every language with a catalog."""
    root = root or locales_dir()
    # Which catalogs exist is the key (one directory read and a stat per language).
    try:
        names = os.listdir(root)
    except OSError:
        names = []
    tail = os.path.join("LC_MESSAGES", f"{DOMAIN}.po")
    present = tuple(sorted(n for n in names if os.path.isfile(os.path.join(root, n, tail))))
    return dict(_available(root, present))


@speed.memo("languages", 8)
def _available(root: Path, _present: tuple[str, ...]) -> tuple[tuple[str, Language], ...]:
    found = {SOURCE_LANGUAGE: Language(Locale.parse(SOURCE_LANGUAGE), None)}
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            po = catalog_path(folder.name, root)
            if po.is_file():
                try:
                    locale = Locale.parse(folder.name)
                except (ValueError, UnknownLocaleError):
                    continue
                found[str(locale)] = Language(locale, po)
    return tuple(found.items())


def resolve_language(code: str, root: Path | None = None) -> Language:
    """Find the language for a user-supplied code (``es``, ``pt-BR``, ``zh-TW``...)."""
    available = available_languages(root)
    wanted = ALIASES.get(code.strip().lower(), code.strip()).replace("-", "_")
    if wanted in available:
        return available[wanted]
    try:
        parsed = str(Locale.parse(wanted))
    except (ValueError, UnknownLocaleError):
        parsed = None
    if parsed in available:
        return available[parsed]
    raise UsageError(f"unknown language \"{code}\"; available: {', '.join(sorted(available))}")


def translations_for(language: Language, clinic_locales: Path | None = None) -> Lookup:
    """The gettext lookups for one handout in a language (a fresh object: it records the
    messages no catalog translates, see :class:`handouts.pofiles.Lookup`).

    A clinic's own catalog (``locales/<lang>/LC_MESSAGES/handouts.po`` next to its
    clinic.toml) comes first: it translates the clinic's own wording and may replace a
    built-in translation; everything else falls back to the built-in catalog. Both are
    read under the same rules (:mod:`handouts.pofiles`).
    """
    catalogs = []
    own = catalog_path(language.code, clinic_locales) if clinic_locales is not None else None
    if own is not None and own.is_file():
        catalogs.append(compiled(own, str(language.locale)))
    if language.catalog is not None:
        catalogs.append(compiled(language.catalog, str(language.locale)))
    return Lookup(catalogs, record=language.code != SOURCE_LANGUAGE)


# --- CLDR formatting ---------------------------------------------------------------------


def long_date(day: dt.date, locale: Locale) -> str:
    """A date spelled out for the reader ("December 1, 2026")."""
    overlay = overlay_for(locale)
    if overlay is not None:
        return overlay.format(day, overlay.dates["long"], locale)
    return format_date(day, format="long", locale=locale)


#: Ways to write the timeline's dates, longest first; a handout over its page budget
#: tries the next one: "December 28, 2026 – January 1, 2027", then "Dec 28, 2026 – Jan 1,
#: 2027", then "Dec 28 – Jan 1" (the visit date above the timeline gives the year).
DATE_STYLES = ("long", "short", "compact")


def timeline_date(day: dt.date, locale: Locale, style: str = "long") -> str:
    """One date of the timeline in a :data:`DATE_STYLES` style."""
    overlay = overlay_for(locale)
    if overlay is not None:
        return overlay.format(day, overlay.dates[{"long": "long", "short": "medium", "compact": "MMMd"}[style]], locale)
    if style == "compact":  # month and day; CJK keep their long date's month form ("12月1日")
        return format_skeleton("MMMd" if spells_out_month(locale) else "MMMMd", day, locale=locale)
    return format_date(day, format="medium", locale=locale) if style == "short" else long_date(day, locale)


def date_range(start: dt.date, end: dt.date | None, locale: Locale, style: str = "long") -> str:
    """A CLDR date interval with the month spelled out ("December 8 – 15, 2026"), or in
    a shorter :data:`DATE_STYLES` style.

    Many locales have interval patterns only for the abbreviated-month skeleton
    ``yMMMd``. UTS #35 says to adjust the matched pattern's field widths to the
    requested skeleton; Babel does not, so we widen the month here, to the form the
    locale's own long date uses: Chinese, Japanese and Korean long dates write the month
    as a number ("12月"), so their ranges keep it ("2026年12月8日至15日", never "十二月").
    """
    if end is None or end == start:
        return timeline_date(start, locale, style)
    field = "y" if start.year != end.year else "M" if start.month != end.month else "d"
    overlay = overlay_for(locale)
    if overlay is not None:
        skeleton = {"long": "yMMMMd", "short": "yMMMd", "compact": "MMMd"}[style]
        table = overlay.intervals[skeleton]
        parts = table.get(field) or table["M"]  # "MMMd" has no year: Dec 28 – Jan 4
        return "".join(overlay.format(day, part, locale) for part, day in zip(parts, (start, end)))
    if style != "long":
        skeleton = "MMMd" if style == "compact" else "yMMMd"
        if not spells_out_month(locale):
            skeleton = skeleton.replace("MMM", "MMMM")
        return format_interval(start, end, skeleton=skeleton, locale=locale)
    from babel.dates import match_skeleton, parse_pattern

    formats = locale.interval_formats
    skeleton = "yMMMMd" if "yMMMMd" in formats else match_skeleton("yMMMMd", formats)
    if not skeleton:
        return format_interval(start, end, skeleton="yMMMMd", locale=locale)
    found = formats[skeleton].get(field) if hasattr(formats[skeleton], "get") else None
    if not found:
        return format_interval(start, end, skeleton="yMMMMd", locale=locale)
    if not spells_out_month(locale):
        return "".join(parse_pattern(p).apply(day, locale) for p, day in zip(found, (start, end)))
    return "".join(parse_pattern(_widen_month(p)).apply(day, locale) for p, day in zip(found, (start, end)))


def spells_out_month(locale: Locale) -> bool:
    """Whether the locale's long date writes the month as a word ("December", "desanm")
    rather than a number with a suffix ("12月", "12월")."""
    pattern = locale.date_formats["long"].pattern
    return any(len(run) >= 4 for run in re.findall(r"M+|L+", re.sub(r"'[^']*'", "", pattern)))


def _widen_month(pattern: str) -> str:
    """``MMM`` -> ``MMMM`` (and ``LLL`` -> ``LLLL``) outside quoted literals."""
    return map_month_fields(pattern, lambda field, width: field * (4 if width == 3 else width))


@speed.memo("cldr-durations", 256)
def duration(value: int, unit: str, locale: Locale) -> str:
    """A duration in words, pluralised by CLDR ("2 weeks", "2 semanas", "2周").

    Babel's data lacks the long form for some locales (it inherits by alias in CLDR) and
    then prints the unit's id; fall back to the short and narrow forms.
    """

    name = f"duration-{unit}"
    overlay = overlay_for(locale)
    if overlay is not None:
        return overlay.unit(value, name, locale)
    text = cldr_unit(value, name, locale)
    if text is None:
        raise HandoutsError(f"no CLDR wording for {name} in {locale}")
    return text


@speed.memo("cldr-numbers", 256)
def number(value: float, locale: Locale) -> str:
    """A number in the locale's digits and separators."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=locale)


# CLDR supplemental measurementData: the territories that use US Letter paper.
LETTER_TERRITORIES = frozenset("BZ CA CL CO CR GT MX NI PA PH PR SV US VE".split())


def default_paper(territory: str) -> str:
    """"letter" where CLDR says Letter is the paper of the territory, else "a4"."""
    return "letter" if territory.upper() in LETTER_TERRITORIES else "a4"


@speed.memo("cldr-temperatures", 64)
def temperature(fahrenheit: float, celsius: float, locale: Locale, country: str) -> str:
    """A fever threshold in the unit the reader knows first, the other in brackets."""
    from babel.numbers import format_decimal
    from babel.units import format_unit

    overlay = overlay_for(locale)

    def unit(value: float, name: str) -> str:
        if overlay is not None:
            return overlay.unit(value, name, locale, "#,##0.#")
        number = format_decimal(value, format="#,##0.#", locale=locale)
        return format_unit(number, name, length="short", locale=locale)

    f = unit(fahrenheit, "temperature-fahrenheit")
    c = unit(celsius, "temperature-celsius")
    # The US and a few territories use Fahrenheit; everyone else reads Celsius first.
    return f"{f} ({c})" if country in {"US", "PR", "GU", "VI", "AS", "MP", "LR", "BS", "BZ", "KY", "PW"} else f"{c} ({f})"


# --- extraction ------------------------------------------------------------------------

#: Keys of procedure.toml whose values are patient-facing English source strings.
PROCEDURE_STRINGS = ("title", "subtitle")
MILESTONE_STRINGS = ("label", "when")


def extract_procedure(fileobj, keywords, comment_tags, options):  # noqa: ANN001, ANN201
    """Babel extractor for ``procedure.toml``: yields its patient-facing strings.

    Registered in pyproject.toml's ``[tool.babel.mappings]`` so that ``pybabel extract``
    collects metadata text (title, timeline labels) with the template text.
    """
    import tomllib

    raw = fileobj.read().decode("utf-8")
    data = tomllib.loads(raw)
    lines = raw.splitlines()

    def line_of(value: str) -> int:
        quoted = f'"{value}"'
        return next((n for n, line in enumerate(lines, start=1) if quoted in line), 0)

    for key in PROCEDURE_STRINGS:
        if isinstance(data.get(key), str) and data[key]:
            yield line_of(data[key]), "gettext", data[key], [f"procedure {key}"]
    for row in data.get("timeline", []):
        for key in MILESTONE_STRINGS:
            if isinstance(row.get(key), str):
                yield line_of(row[key]), "gettext", row[key], [f"timeline {row.get('id', '?')}: {key}"]
