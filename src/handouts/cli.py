"""The ``handouts`` command line. Thin: parse options, call the library, report.

Heavy modules (ReportLab, Babel data, Jinja2) are imported inside the commands so that
``handouts --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import HandoutsError

F = TypeVar("F", bound=Callable[..., Any])


class VisitDate(click.ParamType):
    """A calendar date written as YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            # fromisoformat says "day is out of range for month" for 2026-02-30.
            real = "range" in str(exc) or "must be in" in str(exc)
            reason = f"not a real date ({exc})" if real else "not a date"
        raise click.BadParameter(f"{text!r} is {reason}; expected YYYY-MM-DD, e.g. 2026-12-01", ctx, param)


def reports_errors(func: F) -> F:
    """Turn library errors into one ``Error: ...`` line and the right exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HandoutsError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # output piped into `head` and the like: not an error
            sys.stderr.close()
            sys.exit(0)
        except Exception as exc:  # a bug: still one line, unless debugging
            if os.environ.get("HANDOUTS_DEBUG"):
                raise
            click.echo(
                f"Error: internal error ({exc.__class__.__name__}: {exc}); "
                "set HANDOUTS_DEBUG=1 for details and please report it",
                err=True,
            )
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


@contextmanager
def _loading() -> Iterator[None]:
    """Import a command's modules with the cyclic garbage collector paused.

    Importing ReportLab, Jinja2 and Babel creates a few hundred thousand objects that live
    until the process ends; the collector scanned them again and again while they were
    being made, and every later collection scanned them once more (about 5 % of a cold
    ``handouts generate``, counted in instructions). Once imported they are frozen out of
    collections (``gc.freeze``). Only the first command in a process freezes anything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
        if was_enabled:
            gc.enable()


clinic_option = click.option(
    "--clinic",
    "clinic_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The clinic's clinic.toml. Without it, the built-in demo clinic is used.",
)


def _load_clinic(clinic_path: Path | None):
    from .config import default_clinic_path, load_clinic
    from .content import discover, procedure_dirs

    clinic_path = clinic_path or default_clinic_path()
    known = None
    if clinic_path is not None:
        extra = clinic_path.parent / "templates"
        known = discover(procedure_dirs([extra]))
    return load_clinic(clinic_path, known_procedures=known)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handouts")
def main() -> None:
    """Printable, branded, translated patient handouts (PDF).

    Handouts support, and never replace, the clinician and the FDA Medication Guide.
    Clinics review the content, and every translation, before use.
    """


version_option = click.version_option(__version__, prog_name="handouts")


def handout_options(func: F) -> F:
    """The options that choose one handout (shared by generate and print)."""
    options = [
        click.argument("procedure"),
        clinic_option,
        click.option("--provider", "provider_id", metavar="ID", help="Provider id from clinic.toml (see: handouts list providers)."),
        click.option("--lang", default="en", show_default=True, metavar="CODE", help="Language of the handout (see: handouts list languages)."),
        click.option("--patient", metavar="NAME", help="Patient's name, printed on the handout only (never in file names or logs)."),
        click.option("--visit-date", type=VisitDate(), help="Visit date: the timeline then shows calendar dates."),
        click.option(
            "--paper",
            type=click.Choice(["letter", "a4"], case_sensitive=False),
            help="Paper size (default: the clinic's setting, else what its country uses).",
        ),
        click.option("--allow-incomplete", is_flag=True, help="Print untranslated messages in English instead of stopping."),
        click.option("--large-print", is_flag=True, help="18 pt text, 1.5 line spacing, one column; the handout takes more pages."),
        click.option("--grayscale", is_flag=True, help="Only greys, for black-and-white printers (tiers still differ by words and icons)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _build(procedure: str, clinic_path: Path | None, provider_id: str | None, lang: str, patient: str | None,
           visit_date: dt.date | None, paper: str | None, allow_incomplete: bool, large_print: bool = False,
           grayscale: bool = False, for_print: bool = False):
    """The request and the built handout, with warnings on stderr."""
    with _loading():
        from .pipeline import build, make_request, page_budget

    clinic = _load_clinic(clinic_path)
    if clinic.is_demo and (patient is not None or for_print):
        click.echo(
            "Warning: this handout uses the built-in demo clinic (its phone numbers are not real), so every page is "
            "marked as a sample; give --clinic, or set HANDOUTS_CLINIC or ~/.config/handouts/config.toml (see README)",
            err=True,
        )
    request = make_request(
        clinic, procedure, lang, provider_id, patient, visit_date,
        allow_incomplete=allow_incomplete, warn=lambda message: click.echo(f"Warning: {message}", err=True),
    )
    handout = build(request, paper, large_print=large_print, grayscale=grayscale, for_print=for_print)
    if handout.document.untranslated:
        count = len(handout.document.untranslated)
        click.echo(f"Warning: {request.language.code}: {count} message(s) this handout uses have no translation and print in English", err=True)
    budget = page_budget(request)
    if handout.own_pages > budget and not large_print:
        click.echo(f"Warning: {handout.own_pages} pages, over the procedure's budget of {budget}", err=True)
    return request, handout


@main.command()
@version_option
@handout_options
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, allow_dash=True),
    help="Where to write the PDF (default: output/<procedure>.<lang>[.<provider>].pdf); - for standard output.",
)
@reports_errors
def generate(output: Path | None, **choice: Any) -> None:
    """Make one handout PDF for PROCEDURE (e.g. botox-neck)."""
    from .pipeline import default_output, write_atomic

    request, handout = _build(**choice)
    if output is not None and str(output) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(handout.pdf)
        sys.stdout.buffer.flush()
        click.echo(f"Wrote the PDF to standard output ({handout.pages} pages)", err=True)
        return
    path = write_atomic(handout.pdf, output or default_output(request))
    size = "Letter" if handout.paper == "letter" else "A4"
    click.echo(f"Wrote {path} ({handout.pages} pages, {size})")


@main.command("print")
@version_option
@handout_options
@click.option("--printer", metavar="NAME", help="CUPS queue (default: the system default printer).")
@click.option("--copies", type=click.IntRange(min=1, max=99), default=1, show_default=True)
@click.option("--duplex/--no-duplex", default=True, show_default=True, help="Print on both sides of the sheet.")
@click.option("--dry-run", is_flag=True, help="Show the lp command instead of printing.")
@reports_errors
def print_(printer: str | None, copies: int, duplex: bool, dry_run: bool, **choice: Any) -> None:
    """Print a handout for PROCEDURE through CUPS. The PDF goes to lp from memory:
    nothing with the patient's name is left on disk."""
    import shlex

    from .printing import PrintJob, job_title, keeps_job_files, lp_command, send

    request, handout = _build(**choice, for_print=True)
    job = PrintJob(printer, copies, duplex, handout.paper, title=job_title(request.procedure.id, request.language.code))
    if dry_run:
        click.echo(shlex.join(lp_command(job)))
        return
    request_id = send(handout.pdf, job)
    click.echo(f"Sent to {printer or 'the default printer'}: {request_id} ({handout.pages} pages x {copies})")
    if request.patient and keeps_job_files():
        click.echo("Note: CUPS keeps a copy of printed documents (PreserveJobFiles); set it to No in cupsd.conf on front-desk machines", err=True)


@main.command()
@version_option
@clinic_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Any but loopback (127.0.0.1, ::1) needs HANDOUTS_TOKEN.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port (0: any free one).")
@click.option("--printer", metavar="NAME", help="The form's printer (default: the system default printer).")
@click.option("--workers", type=click.IntRange(1, 16), help="Processes that build handouts (default: one per CPU, at least 2, at most 4).")
@click.option("--open", "open_browser", is_flag=True, help="Open the form in the default browser.")
@reports_errors
def serve(clinic_path: Path | None, host: str, port: int, printer: str | None, workers: int | None, open_browser: bool) -> None:
    """Serve the front desk's form: preview, print and download handouts in a browser.

    Listens on this machine only unless --host says otherwise, which then needs an
    access token in HANDOUTS_TOKEN. The patient's name is never logged or stored."""
    import logging
    import signal

    from .config import default_clinic_path
    from .web.server import create_server, open_page

    # The access log: method, path and status only (see handouts.web.app.AccessLog).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(clinic_path or default_clinic_path(), host, port, printer, os.environ.get("HANDOUTS_TOKEN"), workers)
    # systemd stops a service with SIGTERM: stop the workers too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if server.clinic.is_demo:
        click.echo("Warning: serving the built-in demo clinic (its phone numbers are not real); every handout with a patient's name, "
                   "or printed, is marked as a sample; give --clinic, or set HANDOUTS_CLINIC (see README)", err=True)
    token = " (add ?token=<HANDOUTS_TOKEN> once in the browser)" if os.environ.get("HANDOUTS_TOKEN") else ""
    click.echo(f"Serving {server.clinic.name} at {server.url}{token}; Ctrl+C stops", err=False)
    sys.stdout.flush()
    if open_browser:
        open_page(server.url, lambda message: click.echo(message, err=True))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@main.command("list")
@version_option
@click.argument("what", type=click.Choice(["procedures", "providers", "languages"]))
@clinic_option
@reports_errors
def list_(what: str, clinic_path: Path | None) -> None:
    """List the PROCEDURES, PROVIDERS or LANGUAGES available."""
    clinic = _load_clinic(clinic_path)
    if what == "procedures":
        from .content import read_metadata
        from .pipeline import procedures

        for pid, folder in sorted(procedures(clinic).items()):
            meta = read_metadata(folder)
            click.echo(f"{pid}\t{meta.title} (reviewed {meta.review_date.isoformat()})")
    elif what == "providers":
        if not clinic.providers:
            click.echo("No providers configured.", err=True)
        for p in clinic.providers:
            click.echo(f"{p.id}\t{p.name}\t{', '.join(p.procedures)}")
    else:
        from .i18n import available_languages

        offered = {str(loc) for loc in clinic.languages}
        for code, language in sorted(available_languages().items()):
            name = language.locale.get_display_name("en")
            native = language.locale.get_display_name(language.locale)
            mark = "  (offered by this clinic)" if code in offered else ""
            click.echo(f"{code}\t{name} / {native}{mark}")


@main.command()
@version_option
@clinic_option
@click.option(
    "--providers",
    "providers_csv",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV export of providers (columns: id, name, credentials, phone, procedures, languages). "
    "Rows override clinic.toml providers with the same id.",
)
@click.option("--provider", "only", multiple=True, metavar="ID", help="Only this provider (repeatable).")
@click.option("--procedure", "procedures", multiple=True, metavar="ID", help="Only this procedure (repeatable).")
@click.option("--lang", "languages", multiple=True, metavar="CODE", help="Only this language (repeatable; default: all the provider offers).")
@click.option("--paper", type=click.Choice(["letter", "a4"], case_sensitive=False), help="Paper size for every handout.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("output"), show_default=True, help="Output folder.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@click.option("--force", is_flag=True, help="Rebuild everything, even what is up to date.")
@click.option("--merge", is_flag=True, help="Also write one print-ready PDF per provider (duplex-safe, bookmarked).")
@click.option(
    "--merge-by",
    type=click.Choice(["provider", "language"]),
    default="provider",
    show_default=True,
    help="With --merge: one PDF per provider, or per provider and language.",
)
@reports_errors
def batch(
    clinic_path: Path | None,
    providers_csv: Path | None,
    only: tuple[str, ...],
    procedures: tuple[str, ...],
    languages: tuple[str, ...],
    paper: str | None,
    out_dir: Path,
    jobs: int | None,
    force: bool,
    merge: bool,
    merge_by: str,
) -> None:
    """Make every handout for each provider: procedure × language.

    Writes OUT/<provider>/<procedure>/<procedure>.<lang>.pdf and OUT/manifest.json. A
    re-run rebuilds only what changed. A failing item does not stop the others; the
    exit code is 1 if anything failed.
    """
    with _loading():
        from . import batch as b
        from .pipeline import procedures as clinic_procedures

    clinic = _load_clinic(clinic_path)
    providers = list(clinic.providers)
    failures: list[b.Failure] = []
    if providers_csv is not None:
        rows, failures = b.read_provider_csv(providers_csv, clinic_procedures(clinic))
        by_id = {p.id: p for p in providers}
        by_id.update({p.id: p for p in rows})
        providers = list(by_id.values())
    items, plan_failures = b.plan(clinic, providers, procedures, languages, only)
    failures += plan_failures
    items = b.fingerprints(clinic, items, paper)
    jobs = jobs or b.default_jobs()
    with b.locked(out_dir):
        if sys.stderr.isatty() and items:
            with click.progressbar(length=len(items), label="Handouts", file=sys.stderr) as bar:
                summary = b.run(clinic, items, out_dir, jobs, force, progress=bar.update)
        else:
            summary = b.run(clinic, items, out_dir, jobs, force)
        summary.failures = failures + summary.failures
        manifest = b.write_manifest(out_dir, summary.entries, summary.failures)
        if merge and summary.entries:
            summary.bundles = b.merge(out_dir, summary.entries, by_language=merge_by == "language")
    click.echo(f"{summary.written} written, {summary.skipped} up to date, {len(summary.failures)} failed; manifest: {manifest}")
    for bundle in summary.bundles:
        click.echo(f"Bundle: {bundle}")
    if summary.failures:
        for failure in summary.failures:
            click.echo(f"Failed: {failure.what}: {failure.reason}", err=True)
        sys.exit(1)


@main.command()
@version_option
@clinic_option
@click.option("--procedure", "procedures", multiple=True, metavar="ID", help="Only this procedure (repeatable).")
@click.option("--lang", "languages", multiple=True, metavar="CODE", help="Only this language (repeatable; default: the clinic's).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable findings.")
@click.option("--strict", is_flag=True, help="Warnings count as errors (for CI of clinic content).")
@reports_errors
def check(clinic_path: Path | None, procedures: tuple[str, ...], languages: tuple[str, ...], as_json: bool, strict: bool) -> None:
    """Measure the handouts against the print and plain-language rules: reading level,
    sentence and list length, type size, spacing, margins, contrast, glyphs, pages,
    catalogs and review dates. Exit code 1 on errors (or warnings with --strict)."""
    with _loading():
        from .quality import ERROR, WARNING, run
        from .quality import as_json as findings_json

    clinic = _load_clinic(clinic_path)
    findings = run(clinic, procedures, languages)
    errors = [f for f in findings if f.level == ERROR or (strict and f.level == WARNING)]
    if as_json:
        import json

        click.echo(json.dumps({"findings": findings_json(findings), "errors": len(errors)}, indent=2, ensure_ascii=False))
    else:
        widths = (15, 8, 34, 12, 24)
        header = ("procedure", "lang", "check", "result", "value")
        click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths)) + "  detail")
        for f in findings:
            row = (f.procedure, f.language, f.check, f.level, f.value)
            click.echo("  ".join(str(v)[:w].ljust(w) for v, w in zip(row, widths)) + f"  {f.detail}")
        counts = {level: sum(f.level == level for f in findings) for level in ("ok", "warning", "error", "not measured")}
        click.echo(", ".join(f"{n} {level}" for level, n in counts.items()))
    if errors:
        sys.exit(1)


@main.command()
@version_option
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@reports_errors
def init(folder: Path) -> None:
    """Start a clinic FOLDER: a commented clinic.toml, a sample logo, an example template
    override with its Spanish translation, and a README for the clinic admin."""
    from .scaffold import create

    for path in create(folder):
        click.echo(f"Wrote {path}")
    click.echo(f"Next: edit {folder / 'clinic.toml'}, then run: handouts check --clinic {folder / 'clinic.toml'}")


@main.group()
@version_option
def translations() -> None:
    """Translation catalogs: what is translated and reviewed."""


@translations.command("update")
@version_option
@reports_errors
def translations_update() -> None:
    """Bring every catalog up to date with locales/handouts.pot (after `pybabel
    extract`), keeping each catalog's provenance headers. New messages arrive empty."""
    from .catalogs import update_catalogs

    for code, missing in update_catalogs():
        click.echo(f"{code}: {missing} to translate")


@translations.command("status")
@version_option
@clinic_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@reports_errors
def translations_status(clinic_path: Path | None, as_json: bool) -> None:
    """Per language: translated, fuzzy and untranslated counts, placeholder errors and
    review state. Fuzzy entries and empty plural forms do not count as translated. With
    --clinic, the clinic's own catalogs are listed too."""
    from dataclasses import asdict

    from .catalogs import clinic_status, status

    rows = status()
    clinic = _load_clinic(clinic_path) if clinic_path is not None else None
    own = clinic_status(clinic.locales_dir) if clinic is not None and clinic.locales_dir else []
    if as_json:
        import json

        data = [h.as_dict() for h in rows]
        if clinic_path is not None:
            click.echo(json.dumps({"builtin": data, "clinic": [asdict(c) for c in own]}, indent=2, ensure_ascii=False))
        else:
            click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    header = f"{'lang':8} {'translated':>10} {'fuzzy':>6} {'untransl.':>9} {'errors':>6}  {'state':10}  review"
    click.echo(header)
    click.echo("-" * len(header))
    for h in rows:
        p = h.provenance
        if h.language.catalog is None:
            review = "source language"
        elif p.reviewed:
            review = f"reviewed by {p.reviewer} on {p.review_date.isoformat() if p.review_date else 'an unknown date'}"
        else:
            review = f"not reviewed ({p.method or 'method unknown'})"
        state = "complete" if h.complete else "incomplete"
        click.echo(
            f"{h.language.code:8} {h.translated:>5}/{h.total:<4} {h.fuzzy:>6} {h.untranslated:>9} {len(h.placeholder_errors):>6}  {state:10}  {review}"
        )
        for error in h.placeholder_errors:
            click.echo(f"         {error}")
    if own:
        click.echo("\nThe clinic's own wording:")
        for c in own:
            state = "complete" if c.translated == c.total and not c.placeholder_errors else "incomplete"
            click.echo(f"{c.code:8} {c.translated:>5}/{c.total:<4} {c.fuzzy:>6} {c.untranslated:>9} {len(c.placeholder_errors):>6}  {state}")
            for error in c.placeholder_errors:
                click.echo(f"         {error}")


if __name__ == "__main__":  # pragma: no cover
    main()
