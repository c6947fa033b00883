"""The endpoints. Each parses the form, calls the library and answers; errors are
raised as :class:`~handouts.errors.HandoutsError` and answered by :mod:`.app`.

    GET  /             the form
    POST /handout      the PDF (as `handouts generate`)
    POST /preview      the pages as PNG images (JSON)
    POST /print        sends the handout to CUPS (as `handouts print`)
    GET  /api/options  procedures, providers, languages, printers (JSON)
    GET  /healthz      {"status": "ok", "workers": N, "warm": M} while the server can build
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, render_template, request, send_file

from .. import printing
from . import forms
from .app import state
from .builder import Built, Choice
from .preview import page_images

blueprint = Blueprint("handouts", __name__)

_STATIC = Path(__file__).parent / "static"


def _fonts() -> dict[str, Path]:
    """The handouts' own typefaces (OFL-1.1, from their PyPI packages), so the page
    draws every language name the same way on any machine, offline."""
    from ..fonts import pypi_family

    found = {}
    for key in ("atkinson", "fira", "plex_arabic", "hind"):
        family = pypi_family(key)
        found[f"{key}-regular.ttf"] = family.regular
        if family.bold is not None:
            found[f"{key}-bold.ttf"] = family.bold
    return found


def assets() -> dict[str, tuple[Path, str]]:
    """Every file the page loads: name -> (file, media type). Nothing from elsewhere."""
    files = {
        "app.css": (_STATIC / "app.css", "text/css"),
        "app.js": (_STATIC / "app.js", "text/javascript"),
    }
    files.update({name: (path, "font/ttf") for name, path in _fonts().items()})
    return files


def paths() -> list[str]:
    """Every path this app answers (for the access log)."""
    return ["/", "/handout", "/preview", "/print", "/api/options", "/healthz"] + [f"/assets/{name}" for name in assets()]


def _form(allowed: tuple[str, ...]) -> dict[str, list[str]]:
    """The request's fields; /handout and /preview also take (and ignore) the print
    fields, which the page sends with every button."""
    form = request.form.to_dict(flat=False)
    forms.check_fields(form, allowed)
    return form


def _build(form: dict[str, list[str]], for_print: bool = False) -> tuple[Choice, Built]:
    choice = forms.parse_choice(form)
    return choice, state().builder.build(choice, for_print=for_print)


def _printers() -> list[str]:
    if shutil.which("lpstat") is None:
        return []
    try:
        return printing.printers()
    except OSError:
        return []


@blueprint.get("/")
def index() -> str:
    s = state()
    return render_template(
        "index.html",
        options=s.options,
        csrf=s.settings.csrf,
        today=dt.date.today().isoformat(),
        printer=s.settings.printer or "",
        printers=_printers(),
    )


@blueprint.get("/assets/<name>")
def asset(name: str) -> Response:
    found = assets().get(name)
    if found is None:
        abort(404)
    assert found is not None  # abort() raises
    path, media_type = found
    return send_file(path, mimetype=media_type, max_age=86400, conditional=True)


@blueprint.get("/healthz")
def healthz() -> Response:
    builder = state().builder
    workers = builder.size
    # warm: workers that have built every procedure × language once (the rest are still warming up)
    response = jsonify(status="ok" if workers else "starting", workers=workers, warm=builder.warmed())
    response.status_code = 200 if workers else 503
    return response


@blueprint.get("/api/options")
def api_options() -> Response:
    s = state()
    return jsonify(
        **s.options.as_dict(),
        printers=_printers(),
        default_printer=s.settings.printer,
        csrf=s.settings.csrf,
        fields={"handout": list(forms.HANDOUT_FIELDS), "print": list(forms.HANDOUT_FIELDS + forms.PRINT_FIELDS)},
    )


@blueprint.post("/handout")
def handout() -> Response:
    choice, built = _build(_form(forms.HANDOUT_FIELDS + forms.PRINT_FIELDS))
    # As `handouts generate` names it: never the patient's name or the date.
    name = ".".join([built.procedure, built.lang] + ([choice.provider] if choice.provider else [])) + ".pdf"
    response = Response(built.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.post("/preview")
def preview() -> Response:
    _, built = _build(_form(forms.HANDOUT_FIELDS + forms.PRINT_FIELDS))
    images = page_images(built.pdf, dpi=state().settings.preview_dpi)
    pages = ["data:image/png;base64," + base64.b64encode(png).decode("ascii") for png in images]
    return jsonify(pages=pages, count=len(pages), paper=built.paper)


@blueprint.post("/print")
def print_() -> Response:
    s = state()
    form = _form(forms.HANDOUT_FIELDS + forms.PRINT_FIELDS)
    where = forms.parse_print(form, s.settings.printer)
    forms.parse_choice(form)  # a wrong field is reported before CUPS is asked
    printing.check_ready(where.printer)  # a missing printer is reported before building
    choice, built = _build(form, for_print=True)
    job = printing.PrintJob(where.printer, where.copies, where.duplex, built.paper, title=printing.job_title(built.procedure, built.lang))
    request_id = printing.send(built.pdf, job)
    copies = "1 copy" if where.copies == 1 else f"{where.copies} copies"
    pages = "1 page" if built.pages == 1 else f"{built.pages} pages"
    sides = "both sides" if where.duplex else "one side"
    notes = []
    if s.options.demo:
        notes.append("This is the built-in demo clinic, so every page is marked as a sample; start the server with --clinic for real handouts.")
    if choice.patient and printing.keeps_job_files():
        notes.append("CUPS keeps a copy of printed documents (PreserveJobFiles); set it to No in cupsd.conf on front-desk machines.")
    return jsonify(
        message=f"Sent to {where.printer or 'the default printer'} as job {request_id}: {pages}, {copies}, printed on {sides}.",
        notes=notes,
        job=request_id,
        printer=where.printer,
        pages=built.pages,
        copies=where.copies,
    )
