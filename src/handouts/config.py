"""Load and validate a clinic's ``clinic.toml``.

Validation happens once, here, at the boundary: every problem in the file is collected
with its key path (``providers[2].phone: missing``) and reported together. What comes out
is a tree of frozen dataclasses that the rest of the pipeline can trust.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from .errors import ConfigError, closest
from .resources import demo_clinic_path

PAPER_SIZES = ("letter", "a4")
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_PROVIDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")


@dataclass(frozen=True)
class Provider:
    """A clinician who performs procedures; printed in "Your care team"."""

    id: str
    name: str
    phone: str
    procedures: tuple[str, ...]
    languages: tuple[str, ...] = ()  # languages this provider hands out; () = the clinic's


@dataclass(frozen=True)
class Brand:
    """Colours (``#RRGGBB``) and the logo file, already checked to be readable."""

    primary: str = "#1F4E79"
    accent: str = "#C8102E"
    logo: Path | None = None


@dataclass(frozen=True)
class TranslationReview:
    """A clinic's record that a qualified reviewer signed off a language's catalog."""

    language: str
    reviewer: str
    date: dt.date


@dataclass(frozen=True)
class Clinic:
    """A validated clinic configuration."""

    name: str
    address: tuple[str, ...]
    phone: str
    after_hours_phone: str
    emergency: str | None  # the clinic's own wording; None = "call <emergency_number>", translated
    emergency_number: str
    website: str | None
    brand: Brand
    paper: str | None
    country: str
    languages: tuple[Locale, ...]
    providers: tuple[Provider, ...]
    source: Path | None = None
    is_demo: bool = False
    templates_dir: Path | None = field(default=None)
    reviews: tuple[TranslationReview, ...] = ()
    locales_dir: Path | None = None  # the clinic's own catalogs, merged over the built-in
    websites: tuple[tuple[str, str], ...] = ()  # (procedure id, web address) from [websites]

    def website_for(self, procedure: str) -> str | None:
        """The web address (and QR code) a procedure's handout prints: its own page from
        ``[websites]``, else the clinic's ``website``, else none."""
        return next((url for proc, url in self.websites if proc == procedure), self.website)

    def review_for(self, language: str) -> TranslationReview | None:
        """The clinic's recorded sign-off of a translation, if any."""
        return next((r for r in self.reviews if r.language == language), None)

    def provider(self, provider_id: str) -> Provider | None:
        """The provider with this id, or None."""
        return next((p for p in self.providers if p.id == provider_id), None)


# --- schema ----------------------------------------------------------------------------
# Each table lists its keys: (required, checker). A checker returns the cleaned value or
# raises _Invalid with what was expected.


class _Invalid(Exception):
    """A single value failed its check; the message says what was expected."""


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("expected a non-empty string")
    if any(ord(c) < 32 and c not in "\t" for c in value):
        raise _Invalid("expected a single line of text (no control characters)")
    return " ".join(value.split())


def _lines(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not value:
        raise _Invalid("expected a list of address lines, e.g. [\"12 Main St\", \"Springfield, IL 62701\"]")
    return tuple(_text(v) for v in value)


def _phone(value: Any) -> str:
    text = _text(value)
    if sum(c.isdigit() for c in text) < 3:
        raise _Invalid(f"{text!r} is not a phone number; expected digits, e.g. \"(555) 010-2000\"")
    return text


def _website(value: Any) -> str:
    text = _text(value)
    if not re.match(r"^https?://[^\s/]+\.[^\s]+$", text):
        raise _Invalid(f"{text!r} is not a web address; expected one starting with https://")
    return text


def _colour(value: Any) -> str:
    if not isinstance(value, str) or not _HEX_COLOUR.match(value.strip()):
        raise _Invalid(f"{value!r} is not a colour; expected \"#RRGGBB\" (e.g. \"#1F4E79\")")
    hex_digits = value.strip()[1:]
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    return "#" + hex_digits.upper()


def _paper(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in PAPER_SIZES:
        raise _Invalid(f"{value!r} is not a paper size; expected one of: {', '.join(PAPER_SIZES)}")
    return value.lower()


def _country(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^[A-Za-z]{2}$", value):
        raise _Invalid(f"{value!r} is not a country; expected a two-letter code such as \"US\"")
    return value.upper()


def _locale(value: Any) -> Locale:
    if not isinstance(value, str):
        raise _Invalid("expected a language code such as \"en\" or \"es\"")
    try:
        return Locale.parse(value.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        raise _Invalid(f"{value!r} is not a known language code; expected e.g. \"en\", \"es\", \"zh_Hans\"") from None


def _str_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _Invalid("expected a list of strings")
    return tuple(v.strip() for v in value)


def _provider_id(value: Any) -> str:
    if not isinstance(value, str) or not _PROVIDER_ID.match(value):
        raise _Invalid(
            f"{value!r} is not a valid id; expected letters, digits, '.', '_' or '-' (e.g. \"dr-chen\")"
        )
    return value


Checker = Callable[[Any], Any]
_CLINIC_KEYS: dict[str, tuple[bool, Checker]] = {
    "name": (True, _text),
    "address": (True, _lines),
    "phone": (True, _phone),
    "after_hours_phone": (True, _phone),
    "emergency": (False, _text),
    "emergency_number": (False, _phone),
    "website": (False, _website),
    "logo": (False, _text),
    "paper": (False, _paper),
    "country": (False, _country),
    "languages": (False, lambda v: tuple(_locale(x) for x in _list(v))),
}
_BRAND_KEYS: dict[str, tuple[bool, Checker]] = {
    "primary": (False, _colour),
    "accent": (False, _colour),
}
_PROVIDER_KEYS: dict[str, tuple[bool, Checker]] = {
    "id": (True, _provider_id),
    "name": (True, _text),
    "phone": (True, _phone),
    "procedures": (True, _str_list),
    "languages": (False, _str_list),
}
_REVIEW_KEYS: dict[str, tuple[bool, Checker]] = {
    "reviewer": (True, _text),
    "date": (True, lambda v: _review_date(v)),
}
_TOP_KEYS = ("clinic", "brand", "providers", "reviews", "websites")


def _review_date(value: Any) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _Invalid(f"{value!r} is not a date; expected a TOML date such as 2026-12-01 (no quotes)")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise _Invalid("expected a non-empty list")
    return value


class _Collector:
    """Gathers problems as ``key.path: message`` lines."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def table(
        self, path: str, data: Any, schema: Mapping[str, tuple[bool, Checker]]
    ) -> dict[str, Any]:
        """Check one TOML table against its schema; return the cleaned values."""
        if not isinstance(data, dict):
            self.add(path, "expected a table")
            return {}
        self.unknown_keys(path, data, schema)
        cleaned: dict[str, Any] = {}
        for key, (required, check) in schema.items():
            if key not in data:
                if required:
                    self.add(f"{path}.{key}", "missing")
                continue
            try:
                cleaned[key] = check(data[key])
            except _Invalid as exc:
                self.add(f"{path}.{key}", str(exc))
        return cleaned

    def unknown_keys(self, path: str, data: Mapping[str, Any], known: Iterable[str]) -> None:
        known = list(known)
        for key in data:
            if key not in known:
                hint = closest(key, known)
                suggestion = f" (did you mean \"{hint}\"?)" if hint else f"; expected one of: {', '.join(known)}"
                prefix = f"{path}.{key}" if path else key
                self.add(prefix, f"unknown key{suggestion}")


def default_clinic_path() -> Path | None:
    """This machine's default clinic, so the front desk never types ``--clinic``:
    ``HANDOUTS_CLINIC``, else ``clinic = "..."`` in ``$XDG_CONFIG_HOME/handouts/config.toml``
    (``~/.config/...``); None means the built-in demo clinic."""
    import os

    named = os.environ.get("HANDOUTS_CLINIC", "").strip()
    if named:
        return Path(named).expanduser()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "handouts" / "config.toml"
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(config), [f"cannot read ({exc})"]) from None
    value = data.get("clinic")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(str(config), ["clinic: expected the path of a clinic.toml, e.g. clinic = \"/srv/clinic/clinic.toml\""])
    path = Path(value).expanduser()
    return path if path.is_absolute() else config.parent / path


def load_clinic(path: Path | None = None, known_procedures: Iterable[str] | None = None) -> Clinic:
    """Read and validate a clinic file; with no path, the built-in demo clinic.

    Raises :class:`ConfigError` listing every problem found.
    """
    from . import speed

    speed.new_request()  # a request starts here: read HANDOUTS_CACHE and files afresh
    is_demo = path is None
    path = Path(path) if path is not None else demo_clinic_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read file ({exc.strerror})"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["not UTF-8 text; save the file as UTF-8"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"invalid TOML: {exc}"]) from None
    return parse_clinic(data, path, known_procedures=known_procedures, is_demo=is_demo)


def parse_clinic(
    data: Mapping[str, Any],
    path: Path,
    known_procedures: Iterable[str] | None = None,
    is_demo: bool = False,
) -> Clinic:
    """Validate already-parsed TOML data; relative paths resolve against ``path``'s folder."""
    c = _Collector()
    c.unknown_keys("", data, _TOP_KEYS)
    if "clinic" not in data:
        c.add("clinic", "missing; expected a [clinic] table with name, address, phone, after_hours_phone")
    clinic = c.table("clinic", data.get("clinic", {}), _CLINIC_KEYS)
    country = clinic.get("country", "US")
    if country not in _NINE_ONE_ONE and "emergency_number" not in clinic and "emergency" not in clinic:
        # A handout that says "call 911" in Germany sends a patient in trouble nowhere.
        c.add("clinic.emergency_number", f"missing: 911 is the default only in the US and Canada; set the number patients in {country} call (e.g. \"112\")")
    brand = c.table("brand", data.get("brand", {}), _BRAND_KEYS)
    base_dir = path.parent

    logo = None
    if "logo" in clinic:
        logo = _check_logo(c, base_dir / clinic["logo"])

    known = set(known_procedures) if known_procedures is not None else None
    providers: list[Provider] = []
    raw_providers = data.get("providers", [])
    if not isinstance(raw_providers, list):
        c.add("providers", "expected [[providers]] entries")
        raw_providers = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(raw_providers, start=1):
        where = f"providers[{number}]"
        values = c.table(where, entry, _PROVIDER_KEYS)
        pid = values.get("id")
        if pid is not None:
            if pid in seen:
                c.add(f"{where}.id", f"\"{pid}\" is already used by providers[{seen[pid]}]; ids must be unique")
            seen.setdefault(pid, number)
        for proc in values.get("procedures", ()):
            if known is not None and proc not in known:
                hint = closest(proc, sorted(known))
                extra = f" (did you mean \"{hint}\"?)" if hint else f"; expected one of: {', '.join(sorted(known))}"
                c.add(f"{where}.procedures", f"unknown procedure \"{proc}\"{extra}")
        if all(key in values for key, (required, _) in _PROVIDER_KEYS.items() if required):
            providers.append(Provider(**values))

    reviews: list[TranslationReview] = []
    raw_reviews = data.get("reviews", {})
    if not isinstance(raw_reviews, dict):
        c.add("reviews", "expected tables such as [reviews.es] with reviewer and date")
        raw_reviews = {}
    for code, entry in raw_reviews.items():
        values = c.table(f"reviews.{code}", entry, _REVIEW_KEYS)
        if len(values) == len(_REVIEW_KEYS):
            reviews.append(TranslationReview(code.replace("-", "_"), values["reviewer"], values["date"]))

    websites: list[tuple[str, str]] = []
    raw_websites = data.get("websites", {})
    if not isinstance(raw_websites, dict):
        c.add("websites", "expected a [websites] table of procedure = \"https://...\" lines")
        raw_websites = {}
    for proc, value in raw_websites.items():
        if known is not None and proc not in known:
            hint = closest(proc, sorted(known))
            extra = f" (did you mean \"{hint}\"?)" if hint else f"; expected one of: {', '.join(sorted(known))}"
            c.add(f"websites.{proc}", f"unknown procedure{extra}")
            continue
        try:
            websites.append((proc, _website(value)))
        except _Invalid as exc:
            c.add(f"websites.{proc}", str(exc))

    if c.problems:
        raise ConfigError(str(path), c.problems)

    templates_dir = base_dir / "templates"
    return Clinic(
        name=clinic["name"],
        address=clinic["address"],
        phone=clinic["phone"],
        after_hours_phone=clinic["after_hours_phone"],
        emergency=clinic.get("emergency"),
        emergency_number=clinic.get("emergency_number", "911"),
        website=clinic.get("website"),
        brand=Brand(logo=logo, **brand),
        paper=clinic.get("paper"),
        country=clinic.get("country", "US"),
        languages=clinic.get("languages", (Locale.parse("en"),)),
        providers=tuple(providers),
        source=path,
        is_demo=is_demo,
        templates_dir=templates_dir if not is_demo and templates_dir.is_dir() else None,
        reviews=tuple(reviews),
        locales_dir=base_dir / "locales" if not is_demo and (base_dir / "locales").is_dir() else None,
        websites=tuple(websites),
    )


_NINE_ONE_ONE = frozenset({"US", "CA"})  # where "call 911" may be the default


def _check_logo(c: _Collector, logo: Path) -> Path | None:
    """The logo must exist and be an image ReportLab can draw."""
    if logo.suffix.lower() not in _LOGO_SUFFIXES:
        c.add("clinic.logo", f"{logo.name}: expected a PNG, JPEG or SVG file")
        return None
    if not logo.is_file():
        c.add("clinic.logo", f"file not found: {logo}")
        return None
    from .brand import LogoError, read_logo, recorded_svg  # deferred: image libraries are slow to import

    try:
        # An SVG recorded by an earlier run is known to be readable: no svglib needed.
        recorded_svg(logo) if logo.suffix.lower() == ".svg" else read_logo(logo)
    except LogoError as exc:
        c.add("clinic.logo", f"cannot read image {logo}: {exc}")
        return None
    return logo.resolve()
