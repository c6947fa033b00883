"""Procedures as data: discover them and read their ``procedure.toml`` metadata.

A procedure is a folder under ``templates/`` (built-in, or a clinic's own) holding a
``procedure.toml`` and the Jinja2 templates it names. Adding one needs no Python change.
Folders without a ``procedure.toml`` (such as ``layouts/``) hold shared parts.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import speed
from .errors import ContentError, UsageError, closest
from .resources import templates_dir

METADATA_FILE = "procedure.toml"


@dataclass(frozen=True)
class Milestone:
    """A timeline milestone as ``procedure.toml`` gives it: English source strings (the
    template shows them translated), days after the visit, and None for an open end."""

    id: str
    label: str
    when: str
    start: int
    end: int | None


@dataclass(frozen=True)
class Procedure:
    """A procedure's metadata; patient text lives in its templates."""

    id: str
    title: str
    subtitle: str
    review_date: dt.date
    page_budget: int  # pages the English handout may take
    page_budget_translated: int  # pages a translation may take (languages run longer)
    template: str  # loader name, e.g. "botox-neck/handout.xml.j2"
    timeline: tuple[Milestone, ...]
    folder: Path


def procedure_dirs(extra: Iterable[Path | None] = ()) -> list[Path]:
    """Template roots in lookup order: a clinic's own first, then the built-in ones."""
    roots = [p for p in extra if p is not None and p.is_dir()]
    roots.append(templates_dir())
    return roots


def discover(roots: Sequence[Path]) -> dict[str, Path]:
    """Procedure id -> folder; an earlier root wins (a clinic may replace a procedure)."""
    found: dict[str, Path] = {}
    for root in roots:
        for folder in sorted(root.iterdir()):
            if folder.name.startswith(("_", ".")) or not (folder / METADATA_FILE).is_file():
                continue
            found.setdefault(folder.name, folder)
    return found


def load_procedure(procedure_id: str, roots: Sequence[Path]) -> Procedure:
    """Read and validate one procedure's metadata; unknown ids list the valid ones."""
    available = discover(roots)
    if procedure_id not in available:
        names = ", ".join(sorted(available)) or "none"
        hint = closest(procedure_id, available)
        guess = f" (did you mean \"{hint}\"?)" if hint else ""
        raise UsageError(f"unknown procedure \"{procedure_id}\"{guess}; available: {names}")
    return read_metadata(available[procedure_id])


def read_metadata(folder: Path) -> Procedure:
    """Parse ``folder/procedure.toml``, reporting every problem at once (cached until
    the file changes)."""
    return _read_metadata(folder, speed.digest(folder / METADATA_FILE))


@speed.memo("procedures", 64)
def _read_metadata(folder: Path, _digest: str) -> Procedure:
    path = folder / METADATA_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ContentError(f"{path}: cannot read procedure metadata: {exc}") from None

    problems: list[str] = []

    def need(key: str, kind: type, where: dict[str, Any] = data, prefix: str = "") -> Any:
        value = where.get(key)
        if value is None:
            problems.append(f"{prefix}{key}: missing")
        elif not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"{prefix}{key}: expected {kind.__name__}, got {value!r}")
            return None
        return value

    pid = need("id", str)
    if pid is not None and pid != folder.name:
        problems.append(f"id: \"{pid}\" must match the folder name \"{folder.name}\"")
    title = need("title", str)
    subtitle = data.get("subtitle", "")
    review = need("content_review_date", dt.date)
    budget = need("page_budget", int)
    budget_translated = data.get("page_budget_translated", budget)
    if not isinstance(budget_translated, int) or isinstance(budget_translated, bool):
        problems.append(f"page_budget_translated: expected int, got {budget_translated!r}")
    template = data.get("template", "handout.xml.j2")
    if not (folder / template).is_file():
        problems.append(f"template: {template} not found in {folder}")

    milestones: list[Milestone] = []
    for n, row in enumerate(data.get("timeline", []), start=1):
        prefix = f"timeline[{n}]."
        mid = need("id", str, row, prefix)
        label = need("label", str, row, prefix)
        when = need("when", str, row, prefix)
        start = need("start", int, row, prefix)
        end = row.get("end")
        if end is not None and (not isinstance(end, int) or (start is not None and end < start)):
            problems.append(f"{prefix}end: expected a whole number of days >= start, got {end!r}")
        if None not in (mid, label, when, start):
            milestones.append(Milestone(mid, label, when, start, end))

    if problems:
        raise ContentError(f"{path}: " + "; ".join(problems))
    return Procedure(
        id=pid,
        title=title,
        subtitle=subtitle,
        review_date=review,
        page_budget=budget,
        page_budget_translated=budget_translated,
        template=f"{folder.name}/{template}",
        timeline=tuple(milestones),
        folder=folder,
    )
