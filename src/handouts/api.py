"""The public Python API: one handout, as PDF bytes, safe to call from many threads.

    import handouts
    pdf = handouts.render_pdf("botox-neck", lang="es", provider="dr-rivera",
                              patient="Ana Rivera", visit_date=datetime.date(2026, 12, 1))

The CLI's ``generate``, ``batch`` and the web app build through the same functions
(:func:`handouts.pipeline.make_request` and :func:`handouts.pipeline.build`).
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Clinic
from .errors import UsageError

if TYPE_CHECKING:
    from .pipeline import Handout

# Layout shares paragraphs (ReportLab objects that drawing mutates) between handouts,
# and ReportLab's font registry is process-wide: builds in one process run one at a
# time. The work is CPU-bound, so threads would not build faster side by side under the
# GIL; processes do (``handouts batch --jobs``).
_BUILD_LOCK = threading.Lock()


def load(clinic: str | Path | Clinic | None) -> Clinic:
    """A loaded clinic: as given, read from a ``clinic.toml`` path, or the demo."""
    from .config import load_clinic
    from .content import discover, procedure_dirs

    if isinstance(clinic, Clinic):
        return clinic
    if clinic is None:
        return load_clinic(None)
    path = Path(clinic)
    return load_clinic(path, known_procedures=discover(procedure_dirs([path.parent / "templates"])))


def render_pdf(
    procedure: str,
    *,
    clinic: str | Path | Clinic | None = None,
    lang: str = "en",
    provider: str | None = None,
    patient: str | None = None,
    visit_date: dt.date | None = None,
    paper: str | None = None,
    large_print: bool = False,
    grayscale: bool = False,
    allow_incomplete: bool = False,
) -> bytes:
    """One handout as PDF bytes: byte-identical to ``handouts generate`` with the same
    options, and to the same call made alone, from any thread.

    ``clinic`` is a path to a ``clinic.toml``, a loaded :class:`~handouts.config.Clinic`,
    or None for the built-in demo clinic. Raises :class:`~handouts.errors.HandoutsError`
    (with a one-line message) for anything wrong with the request or the clinic's files.
    """
    return build_handout(
        procedure, clinic=clinic, lang=lang, provider=provider, patient=patient, visit_date=visit_date,
        paper=paper, large_print=large_print, grayscale=grayscale, allow_incomplete=allow_incomplete,
    ).pdf


def build_handout(
    procedure: str,
    *,
    clinic: str | Path | Clinic | None = None,
    lang: str = "en",
    provider: str | None = None,
    patient: str | None = None,
    visit_date: dt.date | None = None,
    paper: str | None = None,
    large_print: bool = False,
    grayscale: bool = False,
    allow_incomplete: bool = False,
    for_print: bool = False,
) -> Handout:
    """:func:`render_pdf`, keeping what was built with the bytes (page count, paper,
    resolved language). ``for_print`` is what ``handouts print`` builds: on the demo
    clinic it carries the SAMPLE mark even without a patient's name."""
    from .pipeline import build, make_request

    if visit_date is not None and not isinstance(visit_date, dt.date):
        raise UsageError(f"visit_date must be a datetime.date, not {type(visit_date).__name__}")
    loaded = load(clinic)
    with _BUILD_LOCK:
        request = make_request(loaded, procedure, lang, provider, patient, visit_date, allow_incomplete)
        return build(request, paper, large_print, grayscale, for_print=for_print)

