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
from .errors import HandoutsError, UsageError
from .pofiles import DOMAIN, Lookup, compiled, problems_in
from .resources import locales_dir

__all__ = ["DOMAIN", "Language", "problems_in", "resolve_language", "translations_for"]
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
    out, quoted, i = [], False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            quoted = not quoted
        if not quoted and ch in "ML":
            j = i
            while j < len(pattern) and pattern[j] == ch:
                j += 1
            run = j - i
            out.append(ch * (4 if run == 3 else run))
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


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
    text = _cldr_unit(value, name, locale)
    if text is None:
        raise HandoutsError(f"no CLDR wording for {name} in {locale}")
    return text


def _cldr_unit(value: float, name: str, locale: Locale) -> str | None:
    """A unit as CLDR words it: the long form, else the short, else the narrow one."""
    from babel.units import format_unit

    for length in ("long", "short", "narrow"):
        text = format_unit(value, name, length=length, locale=locale)
        if name not in text:
            return text
    return None


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


# --- where CLDR has no data: overlays -----------------------------------------------

#: What the handouts take from CLDR, and the data that shows whether a locale has it.
CLDR_DATA = ("month names", "date patterns", "duration units")
#: The units the handouts print (running text, the timeline, the fever line).
UNITS = ("duration-minute", "duration-hour", "duration-day", "duration-week", "duration-month",
         "temperature-celsius", "temperature-fahrenheit")
_SKELETONS = ("yMMMMd", "yMMMd", "MMMd")


@dataclass(frozen=True)
class Overlay:
    """CLDR-shaped data the project ships for a language whose CLDR data is root's
    (Babel prints Haitian Creole months as "M12" and weeks as "2 w"): month names, the
    date and interval patterns of the handouts, and the units they print. One TOML file
    per language in ``handouts/cldr/`` (see the README there), for a translator to review.
    """

    code: str
    path: Path
    months: tuple[str, ...]
    months_short: tuple[str, ...]
    dates: dict[str, str]
    intervals: dict[str, dict[str, tuple[str, str]]]
    units: dict[str, dict[str, str]]
    reviewer: str = ""
    review_date: str = ""

    def format(self, day: dt.date, pattern: str, locale: Locale) -> str:
        """A CLDR date pattern applied with this overlay's month names."""
        from babel.dates import parse_pattern

        return parse_pattern(self._months_as_literals(pattern, day.month)).apply(day, locale)

    def _months_as_literals(self, pattern: str, month: int) -> str:
        out, quoted, i = [], False, 0
        while i < len(pattern):
            ch = pattern[i]
            if ch == "'":
                quoted = not quoted
            if not quoted and ch in "ML":
                j = i
                while j < len(pattern) and pattern[j] == ch:
                    j += 1
                if j - i >= 3:
                    name = (self.months if j - i >= 4 else self.months_short)[month - 1]
                    out.append("'" + name.replace("'", "''") + "'")
                else:
                    out.append(pattern[i:j])
                i = j
                continue
            out.append(ch)
            i += 1
        return "".join(out)

    def unit(self, value: float, name: str, locale: Locale, number_format: str | None = None) -> str:
        """``value`` in ``name`` units ("2 semèn"), plural form by the locale's rules."""
        from babel.numbers import format_decimal

        forms = self.units[name]
        pattern = forms.get(locale.plural_form(value), forms["other"])
        return pattern.replace("{0}", format_decimal(value, format=number_format, locale=locale))


def overlays_dir() -> Path:
    """The folder of the project's CLDR overlays (``handouts/cldr/<code>.toml``)."""
    return Path(__file__).resolve().parent / "cldr"


def overlay_for(locale: Locale, root: Path | None = None) -> Overlay | None:
    """The project's overlay for a locale, used only while Babel's data for it is root's
    (a Babel with real data for the language wins)."""
    folder = root or overlays_dir()
    names = _overlay_names(folder)
    name = next((n for n in (str(locale), locale.language) if n in names), None)
    if name is None or not (_from_root(str(locale)) or _borrowed(str(locale))):
        return None
    path = folder / f"{name}.toml"
    return _load_overlay(path, speed.digest(path))


@speed.memo("cldr-overlay-files", 4)
def _overlay_names(folder: Path) -> frozenset[str]:
    """The languages with an overlay file in a folder (read once per process)."""
    try:
        return frozenset(p.stem for p in folder.glob("*.toml"))
    except OSError:
        return frozenset()


@speed.memo("cldr-overlays", 8)
def _load_overlay(path: Path, _digest: str) -> Overlay:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HandoutsError(f"{path}: cannot read CLDR overlay: {exc}") from None
    problems: list[str] = []

    def strings(value: object, key: str, count: int | None = None) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value) or (count and len(value) != count):
            problems.append(f"{key}: expected {count or 'a list of'} non-empty strings")
            return ()
        return tuple(value)

    months = data.get("months", {})
    wide = strings(months.get("wide"), "months.wide", 12)
    short = strings(months.get("abbreviated", months.get("wide")), "months.abbreviated", 12)
    dates = {}
    for key in ("long", "medium", "MMMd"):
        value = data.get("dates", {}).get(key)
        if not isinstance(value, str) or not value:
            problems.append(f"dates.{key}: missing")
        dates[key] = str(value)
    intervals: dict[str, dict[str, tuple[str, str]]] = {}
    for skeleton in _SKELETONS:
        table = data.get("intervals", {}).get(skeleton, {})
        fields = ("y", "M", "d") if skeleton.startswith("y") else ("M", "d")
        intervals[skeleton] = {}
        for field in fields:
            pair = strings(table.get(field), f"intervals.{skeleton}.{field}", 2)
            intervals[skeleton][field] = (pair[0], pair[1]) if len(pair) == 2 else ("", "")
    units: dict[str, dict[str, str]] = {}
    for name in UNITS:
        forms = data.get("units", {}).get(name)
        if not isinstance(forms, dict) or not isinstance(forms.get("other"), str) or "{0}" not in forms["other"]:
            problems.append(f"units.{name}: needs an \"other\" pattern with {{0}}")
            forms = {"other": "{0}"}
        units[name] = {str(k): str(v) for k, v in forms.items()}
    if problems:
        raise HandoutsError(f"{path}: " + "; ".join(problems))
    about = data.get("about", {})
    review = about.get("review_date", "")
    return Overlay(path.stem, path, wide, short, dates, intervals, units, str(about.get("reviewer", "")),
                   review.isoformat() if isinstance(review, dt.date) else str(review))


#: What CLDR root prints (Babel 2.18 and 2.19): months "M01"…"M12", units "2 w". Written
#: out rather than read from Babel's root locale: loading root data can disturb Babel
#: 2.18's cache of other locales (Korean months then print as "M12").
_ROOT_MONTHS = tuple(f"M{n:02d}" for n in range(1, 13))
_ROOT_UNITS = {"duration-minute": "2 min", "duration-hour": "2 h", "duration-day": "2 d", "duration-week": "2 w", "duration-month": "2 m"}


@speed.memo("cldr-root", 64)
def _from_root(code: str) -> tuple[str, ...]:
    """Which of :data:`CLDR_DATA` Babel gives this locale only from CLDR root."""
    locale = Locale.parse(code)
    gaps = []
    wide = locale.months["format"]["wide"]
    if tuple(wide[n] for n in range(1, 13)) == _ROOT_MONTHS:
        gaps += ["month names", "date patterns"]
    # (Temperatures are not compared: root's "{0}°F" is what most languages write.)
    if any(_cldr_unit(2, n, locale) == _ROOT_UNITS[n] for n in UNITS[:5]):
        gaps.append("duration units")
    return tuple(gaps)


@speed.memo("cldr-borrowed", 64)
def _borrowed(code: str) -> str | None:
    """The locale of another language whose dates a language inherits, when it has none
    of its own (Babel 2.18 gives Haitian Creole French dates through fr_HT)."""
    from babel.core import get_global

    parent = get_global("parent_exceptions").get(code)
    if parent is None or Locale.parse(parent).language == Locale.parse(code).language:
        return None
    # (Babel's own cache cannot tell inherited data from the locale's: compare the names.)
    same = Locale.parse(code).months["format"]["wide"] == Locale.parse(parent).months["format"]["wide"]
    return parent if same else None


def cldr_source(locale: Locale) -> tuple[str, tuple[str, ...], Overlay | None]:
    """Where a language's dates and units come from: ``("cldr", (), None)``;
    ``("overlay", gaps, overlay)`` when the project's overlay fills what CLDR lacks (its
    root data, or another language's dates it would inherit); or ``("root", gaps, None)``:
    CLDR root, which prints "M12" and "2 w"."""
    gaps, borrowed = _from_root(str(locale)), _borrowed(str(locale))
    if not gaps and not borrowed:
        return "cldr", (), None
    overlay = overlay_for(locale)
    if overlay is not None:
        return "overlay", gaps or (f"month names (CLDR would use {borrowed}'s)",), overlay
    return ("root", gaps, None) if gaps else ("cldr", (), None)


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
