"""One handout, end to end: resolve the request, render, check glyphs, lay out, write.

This is the library entry point the CLI (and later batch and print) call.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import speed
from .brand import Palette
from .catalogs import check as check_catalog
from .config import Clinic
from .content import Procedure, discover, load_procedure, procedure_dirs
from .errors import HandoutsError, OutputError, UsageError
from .fitting import build_pdf
from .fonts import stack_for
from .i18n import DATE_STYLES, Language, default_paper, resolve_language
from .model import Document
from .render import Request, fills, render_document
from .styles import PAGE_SIZES, LayoutOptions


@dataclass(frozen=True)
class Handout:
    """A built handout, still in memory."""

    pdf: bytes
    pages: int  # every page of the PDF
    document: Document
    procedure: Procedure
    language: Language
    paper: str
    own_pages: int = 0  # the handout's own pages; the rest are companion pages (a diary)

    @property
    def companion_pages(self) -> int:
        return self.pages - self.own_pages


def template_roots(clinic: Clinic) -> list[Path]:
    """Where this clinic's procedures come from (its own folder first)."""
    return procedure_dirs([clinic.templates_dir])


def procedures(clinic: Clinic) -> dict[str, Path]:
    """Every procedure this clinic can generate, by id."""
    return discover(template_roots(clinic))


def make_request(
    clinic: Clinic,
    procedure_id: str,
    lang: str = "en",
    provider_id: str | None = None,
    patient: str | None = None,
    visit_date: dt.date | None = None,
    allow_incomplete: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Request:
    """Check the front desk's choices against the clinic and the content.

    An incomplete catalog is an error, unless ``allow_incomplete``: then the missing
    messages print in English and ``warn`` is told how many.
    """
    speed.new_request()
    procedure = load_procedure(procedure_id, template_roots(clinic))
    language = resolve_language(lang)
    # Only the messages this procedure uses must be translated: a catalog that still
    # lacks a new procedure's sentences keeps serving the others.
    health = check_catalog(language, procedure=procedure.id)
    if not health.complete:
        counts = (
            f"{health.missing} of {health.total} messages not translated ({health.fuzzy} fuzzy, "
            f"{health.untranslated} untranslated, {len(health.placeholder_errors)} with placeholder errors)"
        )
        if not allow_incomplete:
            raise HandoutsError(f"the {language.code} catalog is incomplete: {counts}; use --allow-incomplete to print those in English")
        if warn is not None:
            warn(f"{language.code}: {counts}; they print in English")
    draft = language.catalog is not None and not (health.provenance.reviewed or clinic.review_for(language.code))
    provider = None
    if provider_id is not None:
        provider = clinic.provider(provider_id)
        if provider is None:
            ids = ", ".join(p.id for p in clinic.providers) or "none configured"
            raise UsageError(f"unknown provider \"{provider_id}\"; available: {ids}")
        if procedure.id not in provider.procedures:
            raise UsageError(f"provider \"{provider.id}\" does not perform \"{procedure.id}\"; they perform: {', '.join(provider.procedures)}")
    if patient is not None:
        patient = " ".join(patient.split()) or None
    return Request(procedure, clinic, language, provider, patient, visit_date, draft, allow_incomplete)


def build(
    request: Request, paper: str | None = None, large_print: bool = False, grayscale: bool = False, for_print: bool = False
) -> Handout:
    """Render and lay out one handout in memory. Large print grows the page count
    instead of shrinking anything, so it has no page budget.

    Not safe to call from several threads at once (layout shares paragraphs between
    handouts): :func:`handouts.api.render_pdf` is, and serialises builds."""
    speed.refresh()
    clinic = request.clinic
    paper = (paper or clinic.paper or default_paper(clinic.country)).lower()
    if paper not in PAGE_SIZES:
        raise UsageError(f"unknown paper size \"{paper}\"; expected one of: {', '.join(PAGE_SIZES)}")
    document = render_document(request, template_roots(clinic))
    stack = stack_for(request.language.code)
    options = LayoutOptions(
        paper=paper,
        author=clinic.name,
        subject=f"Patient handout: {request.procedure.id} ({request.language.code})",
        keywords=f"patient education, {request.procedure.id}, {request.language.code}",
        large_print=large_print,
        grayscale=grayscale,
        # The built-in demo clinic's fake phone numbers must never reach a real patient.
        sample=clinic.is_demo and (request.patient is not None or for_print),
    )
    palette = Palette.from_hex(clinic.brand.primary, clinic.brand.accent)
    budget = None if large_print else page_budget(request)
    # Aim for the English handout's pages (one sheet): a translation takes its extra
    # page only when it needs more than a few lines of it.
    target = None if large_print else request.procedure.page_budget
    built = build_pdf(document, clinic, stack, palette, options, budget, fills(request), target)
    if budget is not None and target is not None and request.visit_date is not None:
        # Last resort before a page more: shorter timeline dates ("Dec 28, 2026 – Jan 1,
        # 2027", then "Dec 28 – Jan 1"), which keep each milestone on one line. The
        # template output is the same; only the slots are filled differently.
        # Each is tried by counting its pages; only one that saves a page is drawn.
        kept = None
        for style in DATE_STYLES[1:]:
            if built.own <= min(target, budget) or not (built.own > budget or built.near(target)):
                break
            shorter = build_pdf(document, clinic, stack, palette, options, budget, fills(request, style), target, draw=False)
            if shorter.own < built.own:
                built, kept = shorter, style
        if kept is not None:
            built = build_pdf(document, clinic, stack, palette, options, budget, fills(request, kept), target, fit=built.fit)
    pdf, pages, own = built.pdf, built.pages, built.own
    return Handout(pdf, pages, document, request.procedure, request.language, paper, own)


def page_budget(request: Request) -> int:
    """How many pages this handout may take: translations may run longer."""
    proc = request.procedure
    return proc.page_budget if request.language.catalog is None else proc.page_budget_translated


def _umask() -> int:
    """The process's umask: from /proc on Linux (reading it through os.umask means
    setting it for a moment, which another thread could notice)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_output(request: Request, output_dir: Path = Path("output")) -> Path:
    """``output/<procedure>.<lang>[.<provider>].pdf``; never the patient's name or date."""
    parts = [request.procedure.id, request.language.code]
    if request.provider is not None:
        parts.append(request.provider.id)
    return output_dir / (".".join(parts) + ".pdf")


def write_atomic(data: bytes | Iterable[bytes], path: Path) -> Path:
    """Write via a temporary file in the same folder and rename: never a partial PDF.
    ``data`` may come in pieces (a large manifest is never one string in memory).

    Only a regular file (or nothing) is replaced: a symbolic link, a device such as
    ``/dev/stdout`` or a pipe at ``path`` is refused, not silently swapped for a file.
    The new file gets the permissions the user's umask allows, as any new file."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_symlink():
        raise OutputError(f"{path}: is a symbolic link; give the path of a regular file (or - for standard output)")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; expected a file name ending in .pdf")
    if path.exists() and not path.is_file():
        raise OutputError(f"{path}: is not a regular file (a device or pipe); give a file name, or - for standard output")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create folder {folder} ({exc.strerror or exc})") from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".handout-", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {folder} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                fh.writelines(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a new file honours the umask
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
