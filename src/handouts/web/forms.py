"""The form fields of ``POST /handout``, ``/preview`` and ``/print``, checked.

Fields are named like the CLI options (``visit_date`` for ``--visit-date``). Each
problem is one sentence, raised as :class:`~handouts.errors.UsageError`; what the
choice itself means (an unknown procedure, language or provider) is for the library to
say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import UsageError, closest
from .builder import Choice

HANDOUT_FIELDS = ("procedure", "provider", "lang", "patient", "visit_date", "paper", "large_print", "grayscale")
PRINT_FIELDS = ("printer", "copies", "duplex")
CSRF_FIELD = "csrf"
MAX_FIELD = 200  # characters in any one field: a name, a printer, an id
MAX_COPIES = 99  # as `handouts print --copies`
_TRUE = ("1", "on", "true", "yes")
_FALSE = ("0", "off", "false", "no", "")


@dataclass(frozen=True)
class PrintChoice:
    """Where and how to print: the options of ``handouts print``."""

    printer: str | None
    copies: int = 1
    duplex: bool = True


def _one(form: Mapping[str, Sequence[str]], name: str) -> str | None:
    """A field's value, stripped; the last one when it is sent twice (a hidden
    ``duplex=0`` before the check box that may send ``duplex=1``)."""
    values = form.get(name) or []
    if not values:
        return None
    value = values[-1]
    if len(value) > MAX_FIELD:
        raise UsageError(f"{name} is too long: at most {MAX_FIELD} characters")
    if any(ord(c) < 32 for c in value):
        raise UsageError(f"{name} must be one line of text")
    return value.strip()


def _flag(form: Mapping[str, Sequence[str]], name: str, default: bool) -> bool:
    value = _one(form, name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise UsageError(f"{name} must be 1 or 0 (on or off), not \"{value}\"")


def visit_date(text: str) -> dt.date:
    """A YYYY-MM-DD date, with the CLI's wording when it is not one."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        real = "range" in str(exc) or "must be in" in str(exc)
        reason = f"not a real date ({exc})" if real else "not a date"
    raise UsageError(f"visit_date {text!r} is {reason}; expected YYYY-MM-DD, e.g. 2026-12-01")


def check_fields(form: Mapping[str, Sequence[str]], allowed: Sequence[str]) -> None:
    """Refuse a field this endpoint does not know (a typo would otherwise be ignored)."""
    for name in form:
        if name not in allowed and name != CSRF_FIELD:
            hint = closest(name, allowed)
            also = f" (did you mean {hint}?)" if hint else ""
            raise UsageError(f"unknown field \"{name[:40]}\"{also}; expected: {', '.join(allowed)}")


def parse_choice(form: Mapping[str, Sequence[str]]) -> Choice:
    """The handout the form asks for."""
    procedure = _one(form, "procedure")
    if not procedure:
        raise UsageError("choose a procedure (the procedure field is empty)")
    date = _one(form, "visit_date")
    paper = (_one(form, "paper") or "").lower() or None
    if paper not in (None, "letter", "a4"):
        raise UsageError(f"paper must be letter or a4, not \"{paper}\"")
    return Choice(
        procedure=procedure,
        lang=_one(form, "lang") or "en",
        provider=_one(form, "provider") or None,
        patient=_one(form, "patient") or None,
        visit_date=visit_date(date) if date else None,
        paper=paper,
        large_print=_flag(form, "large_print", False),
        grayscale=_flag(form, "grayscale", False),
    )


def parse_print(form: Mapping[str, Sequence[str]], default_printer: str | None) -> PrintChoice:
    """Where to print: the form's printer, else the server's ``--printer``, else the
    system's default printer (None)."""
    copies_text = _one(form, "copies") or "1"
    try:
        copies = int(copies_text)
    except ValueError:
        raise UsageError(f"copies must be a whole number from 1 to {MAX_COPIES}, not \"{copies_text}\"") from None
    if not 1 <= copies <= MAX_COPIES:
        raise UsageError(f"copies must be from 1 to {MAX_COPIES}, not {copies}")
    return PrintChoice(printer=_one(form, "printer") or default_printer, copies=copies, duplex=_flag(form, "duplex", True))
