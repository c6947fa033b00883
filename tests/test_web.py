"""handouts serve, at the HTTP level: every endpoint and error path, the access token,
cross-site requests, limits, headers, and the patient's name kept out of the logs.

The app runs with its real build worker (a process) through Flask's test client; the
browser tests (test_web_browser.py) drive the real server."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from handouts.api import load
from handouts.errors import UsageError
from handouts.web import builder as builder_module
from handouts.web.app import Settings, create_app
from handouts.web.builder import Builder, BuildTimeout, Choice
from handouts.web.options import options_for
from handouts.web.preview import PreviewError, split_pngs
from handouts.web.server import check_address, create_server, is_loopback

from .conftest import pdf_text
from .test_printing import printed_pdf, virtual_printer  # noqa: F401 (a fixture: the cups-pdf queue)

NAME = "Zephyrine Quillfeather-Obasanjo"  # appears in no template, log format or path
HANDOUT = dict(procedure="botox-neck", lang="es", provider="dr-rivera", patient=NAME, visit_date="2026-12-01")


def _app(builder: Builder, **settings):
    settings.setdefault("allowed_hosts", frozenset({"localhost"}))
    return create_app(Settings(**settings), options_for(load(None)), builder)


@pytest.fixture(scope="module")
def builder():
    pool = Builder(None, workers=1, timeout=120)
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def app(builder):
    return _app(builder)


@pytest.fixture
def client(app):
    return app.test_client()


def post(client, path: str, csrf: str | None = "", **fields):
    """POST a form as the page does (the CSRF token of the app unless told otherwise)."""
    data = {k: v for k, v in fields.items() if v is not None}
    if csrf == "":
        csrf = client.application.extensions["handouts"].settings.csrf
    if csrf is not None:
        data["csrf"] = csrf
    return client.post(path, data=data)


def one_line(response) -> str:
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    assert text.count("\n") == 1 and text.endswith(".\n"), text
    assert "Traceback" not in text and "File \"" not in text
    return text.strip()


# --- the page and the options ------------------------------------------------------


def test_form_page_lists_the_clinic_and_names_each_language_in_itself(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    for autonym, tag in [("Español", "es"), ("Tiếng Việt", "vi"), ("العربية", "ar"), ("中文 (简体)", "zh-Hans"), ("हिन्दी", "hi")]:
        pattern = rf'<span class="autonym" lang="{tag}" dir="(ltr|rtl)">{re.escape(autonym)}</span>'
        assert re.search(pattern, html.replace("（", " (").replace("）", ")")), autonym
    assert 'lang="ar" dir="rtl"' in html
    patient = re.search(r"<input id=\"patient\"[^>]*>", html).group(0)
    assert 'autocomplete="off"' in patient
    # Every field has a label; every asset comes from this server.
    for field in ("procedure", "provider", "patient", "visit_date", "paper", "printer", "copies"):
        assert f'<label for="{field}">' in html, field
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert f'value="{dt.date.today().isoformat()}"' in html  # the visit date defaults to today
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_assets_ship_with_the_package(client):
    for name, media_type in [("app.css", "text/css"), ("app.js", "text/javascript"), ("atkinson-regular.ttf", "font/ttf"), ("plex_arabic-regular.ttf", "font/ttf")]:
        response = client.get(f"/assets/{name}")
        assert response.status_code == 200, name
        assert response.mimetype == media_type
        assert len(response.get_data()) > 500
        response.close()
    css = client.get("/assets/app.css").get_data(as_text=True)
    for url in re.findall(r'url\("([^"]+)"\)', css):
        assert url.startswith("/assets/") and client.get(url).status_code == 200, url
    assert client.get("/assets/../app.py").status_code == 404
    assert client.get("/assets/nothing.css").status_code == 404


def test_api_options(client):
    response = client.get("/api/options")
    assert response.status_code == 200
    data = response.get_json()
    assert [p["id"] for p in data["procedures"]] == ["botox-migraine", "botox-neck"]
    assert {"id": "dr-okafor", "name": "Chidi Okafor, DO", "procedures": ["botox-neck"]} in data["providers"]
    spanish = next(lang for lang in data["languages"] if lang["code"] == "es")
    assert spanish == {"code": "es", "name": "Español", "english": "Spanish", "tag": "es", "dir": "ltr"}
    assert data["languages"][0]["code"] == "en"
    assert data["demo"] is True and data["paper"] == "letter"
    assert data["csrf"] == client.application.extensions["handouts"].settings.csrf
    assert "visit_date" in data["fields"]["handout"] and "copies" in data["fields"]["print"]


def test_healthz(client, builder):
    assert builder.wait_ready(120, warm=True)  # this pool has nothing to warm: ready is warm
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "workers": 1, "warm": 1}


# --- handouts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "args"),
    [
        (HANDOUT, ["--lang", "es", "--provider", "dr-rivera", "--patient", NAME, "--visit-date", "2026-12-01"]),
        (dict(procedure="botox-migraine", lang="zh", paper="a4", large_print="1", grayscale="on"), ["--lang", "zh", "--paper", "a4", "--large-print", "--grayscale"]),
    ],
)
def test_handout_is_byte_identical_to_generate(client, cli, tmp_path, fields, args):
    response = post(client, "/handout", **fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    result = cli("generate", fields["procedure"], *args, "-o", "cli.pdf")
    assert result.exit_code == 0, result.stderr
    assert response.get_data() == (tmp_path / "cli.pdf").read_bytes()
    assert response.headers["Cache-Control"] == "no-store"
    expected = "botox-neck.es.dr-rivera.pdf" if fields is HANDOUT else "botox-migraine.zh_Hans.pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert not any("Zephyrine" in value for _, value in response.headers.items())


def test_print_fields_sent_by_the_page_are_taken_and_ignored_by_handout(client):
    plain = post(client, "/handout", procedure="botox-neck").get_data()
    with_print_fields = post(client, "/handout", procedure="botox-neck", printer="Front", copies="2", duplex="0").get_data()
    assert plain == with_print_fields and plain.startswith(b"%PDF")


def test_preview_is_the_pages_as_png_images(client):
    response = post(client, "/preview", **HANDOUT)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    pdf = post(client, "/handout", **HANDOUT).get_data()
    assert data["count"] == len(PdfReader(io.BytesIO(pdf)).pages) == len(data["pages"])
    assert data["paper"] == "letter"
    for uri in data["pages"]:
        assert uri.startswith("data:image/png;base64,")
        import base64

        image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
        assert image.format == "PNG" and image.size == (816, 1056)  # Letter at 96 dpi


def test_split_pngs_refuses_what_is_not_a_whole_png():
    image = io.BytesIO()
    Image.new("RGB", (3, 2)).save(image, "PNG")
    png = image.getvalue()
    assert split_pngs(png + png) == [png, png]
    with pytest.raises(PreviewError, match="not a PNG"):
        split_pngs(b"garbage")
    with pytest.raises(PreviewError, match="middle of an image"):
        split_pngs(png[:-6])


def test_preview_without_pdftoppm_is_one_sentence(client, monkeypatch):
    from handouts.web import preview

    monkeypatch.setattr(preview.shutil, "which", lambda name: None)
    response = post(client, "/preview", procedure="botox-neck")
    assert response.status_code == 503
    assert one_line(response).startswith("The preview needs pdftoppm, which is not installed")


# --- errors: one sentence, 4xx ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fields", "status", "message"),
    [
        ("/handout", dict(procedure="botox-neck", lang="xx"), 400, 'Unknown language "xx"; available: ar, en, es'),
        ("/handout", dict(procedure="botox-knee"), 400, 'Unknown procedure "botox-knee"'),
        ("/handout", dict(procedure=""), 400, "Choose a procedure (the procedure field is empty)."),
        ("/handout", dict(procedure="botox-neck", provider="dr-nobody"), 400, 'Unknown provider "dr-nobody"; available: dr-rivera, dr-okafor'),
        ("/handout", dict(procedure="botox-migraine", provider="dr-okafor"), 400, 'Provider "dr-okafor" does not perform "botox-migraine"'),
        ("/preview", dict(procedure="botox-neck", visit_date="2026-02-30"), 400, "Visit_date '2026-02-30' is not a real date"),
        ("/preview", dict(procedure="botox-neck", visit_date="tomorrow"), 400, "Visit_date 'tomorrow' is not a date; expected YYYY-MM-DD"),
        ("/handout", dict(procedure="botox-neck", paper="a3"), 400, 'Paper must be letter or a4, not "a3".'),
        ("/handout", dict(procedure="botox-neck", grayscale="maybe"), 400, 'Grayscale must be 1 or 0 (on or off), not "maybe".'),
        ("/handout", dict(procedure="botox-neck", visit_dat="2026-12-01"), 400, 'Unknown field "visit_dat" (did you mean visit_date?)'),
        ("/handout", dict(procedure="botox-neck", patient="x" * 201), 400, "Patient is too long: at most 200 characters."),
        ("/handout", dict(procedure="botox-neck", patient="Ana\nRivera"), 400, "Patient must be one line of text."),
        ("/print", dict(procedure="botox-neck", copies="0"), 400, "Copies must be from 1 to 99, not 0."),
        ("/print", dict(procedure="botox-neck", copies="two"), 400, 'Copies must be a whole number from 1 to 99, not "two".'),
    ],
)
def test_bad_input_is_a_4xx_with_one_sentence(client, path, fields, status, message):
    response = post(client, path, **fields)
    assert response.status_code == status
    assert one_line(response).startswith(message)


def test_unknown_printer_lists_the_real_ones(client, virtual_printer):  # noqa: F811
    response = post(client, "/print", procedure="botox-neck", printer="Nope")
    assert response.status_code == 400
    assert one_line(response).startswith('Unknown printer "Nope"; available: ')
    assert virtual_printer in one_line(response)


def test_cups_not_installed_is_a_503_sentence(client, monkeypatch):
    from handouts import printing

    monkeypatch.setattr(printing.shutil, "which", lambda name: None)
    response = post(client, "/print", procedure="botox-neck", printer="Front")
    assert response.status_code == 503
    assert one_line(response).startswith("CUPS is not installed (no lp command)")


def test_http_errors_are_one_sentence(client):
    assert client.get("/nowhere").status_code == 404
    assert one_line(client.get("/nowhere")) == "There is no such page here; the form is at /."
    response = client.get("/handout")
    assert response.status_code == 405
    assert one_line(response) == "That method is not allowed here."
    assert "POST" in response.headers["Allow"]


def _incomplete_spanish(root: str) -> None:
    """Worker initializer: the catalogs of ``root`` (a copy with a hole in Spanish)."""
    import handouts.catalogs
    import handouts.i18n

    handouts.i18n.locales_dir = lambda: Path(root)  # type: ignore[assignment]
    handouts.catalogs.locales_dir = lambda: Path(root)  # type: ignore[assignment]


def test_an_incomplete_catalog_is_a_422_sentence(tmp_path):
    import handouts.i18n

    root = tmp_path / "locales"
    shutil.copytree(Path(handouts.i18n.locales_dir()), root)
    po = root / "es" / "LC_MESSAGES" / "handouts.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Puntos clave"', 'msgstr ""'), encoding="utf-8")
    pool = Builder(None, workers=1, initializer=_incomplete_spanish, initargs=(str(root),))
    try:
        response = post(_app(pool).test_client(), "/handout", procedure="botox-neck", lang="es")
    finally:
        pool.close()
    assert response.status_code == 422
    assert re.match(r"The es catalog is incomplete: 1 of \d+ messages not translated", one_line(response))


# --- a build that hangs, or breaks ------------------------------------------------------


def _hang() -> None:
    """Worker initializer: every build waits forever."""
    builder_module._build = lambda *args: time.sleep(3600)  # type: ignore[assignment]


def _break() -> None:
    """Worker initializer: every build hits a bug whose message quotes the patient."""

    def broken(clinic, choice, for_print):
        raise RuntimeError(f"bug while drawing {choice.patient}")

    builder_module._build = broken  # type: ignore[assignment]


def test_a_build_past_its_time_limit_is_stopped_and_its_worker_replaced():
    pool = Builder(None, workers=1, timeout=120, initializer=_hang)
    try:
        assert pool.wait_ready(120)  # the limit below is for the build alone, not the start
        pool.timeout = 3
        first = pool._idle.queue[0].process  # noqa: SLF001 (the worker that will hang)
        response = post(_app(pool).test_client(), "/handout", procedure="botox-neck")
        assert response.status_code == 503
        assert one_line(response) == "The handout was not ready within 3 seconds; the build was stopped."
        assert not first.is_alive()
        assert pool.size == 1  # a new worker took its place
    finally:
        pool.close()


def test_a_worker_bug_is_a_500_sentence_without_the_patient(caplog):
    caplog.set_level(logging.DEBUG)
    pool = Builder(None, workers=1, initializer=_break)
    try:
        response = post(_app(pool).test_client(), "/handout", procedure="botox-neck", patient=NAME)
    finally:
        pool.close()
    assert response.status_code == 500
    assert one_line(response) == "Internal error (RuntimeError); please report it."
    assert "internal error (RuntimeError)" in caplog.text
    assert "Zephyrine" not in caplog.text


def test_builder_refuses_no_workers():
    with pytest.raises(UsageError):
        Builder(None, workers=0)


def test_builder_raises_the_library_errors(builder):
    with pytest.raises(UsageError, match="unknown language"):
        builder.build(Choice("botox-neck", lang="xx"))
    built = builder.build(Choice("botox-neck", lang="zh"), for_print=True)
    assert (built.procedure, built.lang, built.paper) == ("botox-neck", "zh_Hans", "letter")
    assert built.pages == len(PdfReader(io.BytesIO(built.pdf)).pages)


def test_busy_workers_answer_within_the_time_limit():
    pool = Builder(None, workers=1, timeout=1)
    try:
        held = pool._idle.get()  # noqa: SLF001 (every worker busy)
        with pytest.raises(BuildTimeout, match="every worker stayed busy for 1 seconds"):
            pool.build(Choice("botox-neck"))
        pool._idle.put(held)  # noqa: SLF001
    finally:
        pool.close()


# --- printing through a real CUPS queue --------------------------------------------------



def test_print_goes_through_the_real_virtual_printer(client, virtual_printer):  # noqa: F811
    start = time.time() - 1
    response = post(client, "/print", **HANDOUT, printer=virtual_printer, copies="1", duplex="0")
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["message"].startswith(f"Sent to {virtual_printer} as job {virtual_printer}-")
    assert answer["message"].endswith("1 copy, printed on one side.")
    assert any("demo clinic" in note for note in answer["notes"])
    assert response.headers["Cache-Control"] == "no-store"
    printed = printed_pdf(start)
    assert "botox-neck" in printed.name and "Zephyrine" not in printed.name
    assert NAME in pdf_text(printed)


# --- security: cross-site requests, the token, the address, limits --------------------------


def test_posts_without_the_form_token_are_refused(client):
    for csrf in (None, "wrong"):
        response = post(client, "/handout", csrf=csrf, procedure="botox-neck")
        assert response.status_code == 403
        assert one_line(response).startswith("The form is out of date (or came from elsewhere)")


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({"Origin": "http://evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}, 200),
    ],
)
def test_cross_site_posts_are_refused_even_with_the_token(client, headers, status):
    csrf = client.application.extensions["handouts"].settings.csrf
    response = client.post("/handout", data={"procedure": "botox-neck", "csrf": csrf}, headers=headers)
    assert response.status_code == status
    if status == 403:
        assert one_line(response) == "A request from another site was refused."


def test_a_loopback_server_answers_only_its_own_host_names(client):
    response = client.get("/", headers={"Host": "rebound.example"})
    assert response.status_code == 400
    assert one_line(response).startswith("This server answers only at localhost")


def test_the_request_body_is_limited(client):
    response = post(client, "/handout", procedure="botox-neck", patient="x" * 20_000)
    assert response.status_code == 413
    assert one_line(response) == f"The request is too large: at most {16 * 1024} bytes."


TOKEN = "correct-horse-battery-staple-42"


@pytest.fixture(scope="module")
def guarded(builder):
    return _app(builder, token=TOKEN, allowed_hosts=None)


def test_a_token_guarded_server_wants_the_token_on_every_request(guarded):
    client = guarded.test_client()
    for path in ("/", "/healthz", "/api/options", "/assets/app.css"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert one_line(response).startswith("This server needs its access token")
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    csrf = guarded.extensions["handouts"].settings.csrf
    assert client.post("/handout", data={"procedure": "botox-neck", "csrf": csrf}).status_code == 401


def test_the_token_once_in_the_address_becomes_a_strict_cookie(guarded):
    client = guarded.test_client()
    assert client.get("/?token=wrong").status_code == 401
    response = client.get(f"/?token={TOKEN}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"  # out of the address bar and history
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"handouts_token={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/").status_code == 200  # the cookie from now on
    csrf = guarded.extensions["handouts"].settings.csrf
    response = client.post("/handout", data={"procedure": "botox-neck", "csrf": csrf})
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_the_token_is_compared_in_constant_time(guarded, monkeypatch):
    from handouts.web import app as web_app

    compared = []
    real = web_app.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(web_app.hmac, "compare_digest", spy)
    guarded.test_client().get("/", headers={"Authorization": "Bearer guess"})
    assert (b"guess", TOKEN.encode()) in compared


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("192.0.2.7", False), ("::", False), ("frontdesk.local", False)])
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_other_addresses_need_a_long_token():
    check_address("127.0.0.1", None)
    with pytest.raises(UsageError, match="needs an access token: set HANDOUTS_TOKEN"):
        check_address("0.0.0.0", None)
    with pytest.raises(UsageError, match="HANDOUTS_TOKEN is too short"):
        check_address("0.0.0.0", "short")
    check_address("0.0.0.0", TOKEN)


def test_serve_refuses_to_start_on_a_shared_address_without_a_token(cli, monkeypatch):
    monkeypatch.delenv("HANDOUTS_TOKEN", raising=False)
    result = cli("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: listening on 0.0.0.0 lets other machines reach the form, so it needs an access token")


def test_create_server_binds_a_free_port_and_knows_its_names():
    server = create_server(None, "127.0.0.1", 0, warm=False)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)
        port = server.url.rsplit(":", 1)[1].strip("/")
        settings = server.settings
        assert settings.allowed_hosts == frozenset({f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"})
        assert settings.token is None
    finally:
        server.close()


# --- privacy: the patient's name in no log --------------------------------------------------


def test_the_patient_name_never_reaches_a_log(client, caplog, virtual_printer):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    requests = [
        ("/handout", HANDOUT, 200),
        ("/preview", HANDOUT, 200),
        ("/print", {**HANDOUT, "printer": "Nope"}, 400),
        ("/handout", {**HANDOUT, "visit_date": "2026-02-30"}, 400),
        ("/handout", {**HANDOUT, "lang": "xx"}, 400),
        ("/handout", {**HANDOUT, "csrf": "forged"}, 403),
    ]
    for path, fields, status in requests:
        fields = dict(fields)
        csrf = fields.pop("csrf", "")
        assert post(client, path, csrf=csrf, **fields).status_code == status
    client.get(f"/{NAME}")  # a name typed into the address
    client.get(f"/?patient={NAME}")
    access = [r.getMessage() for r in caplog.records if r.name == "handouts.web.access"]
    assert access == [
        "POST /handout 200", "POST /preview 200", "POST /print 400", "POST /handout 400", "POST /handout 400",
        "POST /handout 403", "GET (other) 404", "GET / 200",
    ]
    for word in ("Zephyrine", "Quillfeather", "Obasanjo"):
        assert word not in caplog.text


def test_options_json_is_what_the_form_lists(client):
    data = json.loads(client.get("/api/options").get_data(as_text=True))
    html = client.get("/").get_data(as_text=True)
    for language in data["languages"]:
        assert f'value="{language["code"]}"' in html
    for procedure in data["procedures"]:
        assert f'<option value="{procedure["id"]}">{procedure["title"]}</option>' in html


def test_a_taken_port_is_one_sentence():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=rf"cannot listen on 127.0.0.1 port {port}: .*; choose another --port or --host"):
            create_server(None, "127.0.0.1", port, warm=False)
