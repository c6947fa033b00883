"""CLDR data where Babel has none: the project's overlays (``<code>.toml`` in this
folder, see its README), and where each language's dates and units come from.

Babel prints Haitian Creole months as "M12" and weeks as "2 w" (CLDR root); an overlay
gives the month names, date patterns and units the handouts print, for a translator to
review. It is used only while Babel's own data for the language is root's (or another
language's, lent through a parent locale)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from .. import speed
from ..errors import HandoutsError


def map_month_fields(pattern: str, replace: Callable[[str, int], str]) -> str:
    """A CLDR date pattern with each month field (a run of ``M`` or ``L`` outside quoted
    literals) replaced by ``replace(letter, width)``."""
    out, quoted, i = [], False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            quoted = not quoted
        if not quoted and ch in "ML":
            j = i
            while j < len(pattern) and pattern[j] == ch:
                j += 1
            out.append(replace(ch, j - i))
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def cldr_unit(value: float, name: str, locale: Locale) -> str | None:
    """A unit as CLDR words it: the long form, else the short, else the narrow one."""
    from babel.units import format_unit

    for length in ("long", "short", "narrow"):
        text = format_unit(value, name, length=length, locale=locale)
        if name not in text:
            return text
    return None




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
        def name(field: str, width: int) -> str:
            if width < 3:  # a numeric month stays a pattern field
                return field * width
            text = (self.months if width >= 4 else self.months_short)[month - 1]
            return "'" + text.replace("'", "''") + "'"

        return map_month_fields(pattern, name)

    def unit(self, value: float, name: str, locale: Locale, number_format: str | None = None) -> str:
        """``value`` in ``name`` units ("2 semèn"), plural form by the locale's rules."""
        from babel.numbers import format_decimal

        forms = self.units[name]
        pattern = forms.get(locale.plural_form(value), forms["other"])
        return pattern.replace("{0}", format_decimal(value, format=number_format, locale=locale))


def overlays_dir() -> Path:
    """The folder of the project's CLDR overlays (``handouts/cldr/<code>.toml``)."""
    return Path(__file__).resolve().parent


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
    if any(cldr_unit(2, n, locale) == _ROOT_UNITS[n] for n in UNITS[:5]):
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
