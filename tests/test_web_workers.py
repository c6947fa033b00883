"""handouts serve's build workers: the warm-up (every procedure × language of the
clinic, in each worker, without holding up requests), many clients at once, the
defaults, and ``--open``. No timings are asserted here: benchmarks/serve.py measures."""

from __future__ import annotations

import datetime as dt
import http.client
import io
import json
import os
import re
import threading
import time
import urllib.parse
import webbrowser
from dataclasses import replace

import pytest
from pypdf import PdfReader

from handouts.api import load
from handouts.errors import HandoutsError
from handouts.web import builder as builder_module
from handouts.web import server as server_module
from handouts.web.app import Settings, create_app
from handouts.web.builder import Builder, Choice
from handouts.web.options import options_for
from handouts.web.server import (
    MAX_DEFAULT_WORKERS,
    MAX_MEMO_SCALE,
    WARM_PATIENT,
    Server,
    create_server,
    default_workers,
    memo_scale,
    open_page,
    warm_choices,
)

from .conftest import CLINIC_TOML

# --- what each worker builds -----------------------------------------------------------------

_SEEN: list[list[str | None]] = []  # in a worker: every build, in order


def _record(slow_lang: str | None = None) -> None:
    """Worker initializer: note every build; a build of the procedure "report" answers
    with the worker's id and what it built; builds in ``slow_lang`` take a second more
    (so a request surely comes while one of them is under way)."""
    real = builder_module._build

    def recording(clinic, choice, for_print):
        if choice.procedure == "report":
            raise HandoutsError(json.dumps({"pid": os.getpid(), "seen": _SEEN}))
        _SEEN.append([choice.procedure, choice.lang, choice.patient])
        if choice.lang == slow_lang:
            time.sleep(1)
        return real(clinic, choice, for_print)

    builder_module._build = recording  # type: ignore[assignment]


def _report(pool: Builder) -> dict:
    with pytest.raises(HandoutsError) as raised:
        pool.build(Choice("report"))
    return json.loads(str(raised.value))


def test_warm_up_is_every_procedure_in_every_language_the_clinic_offers(make_clinic):
    text = CLINIC_TOML.format(name='"Warm Clinic"', paper="a4").replace(
        'paper = "a4"', 'paper = "a4"\nlanguages = ["es", "vi", "en", "ar"]'
    )
    clinic = load(make_clinic(text=text))
    options = options_for(clinic)
    warm = warm_choices(clinic, options)
    procedures = [p.id for p in options.procedures]
    assert set(procedures) == {"botox-neck", "botox-migraine"}
    # Each pair twice: as the front desk makes it (provider, a name, today), then plain.
    pairs = [(lang, p) for lang in ("en", "es", "vi", "ar") for p in procedures]  # English first, then the clinic's order
    assert [(c.lang, c.procedure) for c in warm] == pairs + pairs
    today = dt.date.today()
    for choice in warm[: len(pairs)]:
        assert (choice.patient, choice.visit_date) == (WARM_PATIENT, today)
        assert choice.provider == ("dr-test" if choice.procedure == "botox-neck" else None)  # dr-test does neck only
    assert all(c == Choice(c.procedure, c.lang) for c in warm[len(pairs):])


def test_every_worker_builds_the_whole_warm_up_and_healthz_says_so():
    clinic = load(None)
    options = options_for(clinic)
    warm = warm_choices(clinic, options)
    assert {(c.procedure, c.lang) for c in warm} == {(p.id, lang.code) for p in options.procedures for lang in options.languages}
    assert len(options.languages) == 15
    pool = Builder(None, workers=2, timeout=300, warm=warm, initializer=_record, memo_scale=memo_scale(options))
    try:
        assert pool.wait_ready(300, warm=True)
        health = create_app(Settings(allowed_hosts=frozenset({"localhost"})), options, pool).test_client().get("/healthz")
        assert health.get_json() == {"status": "ok", "workers": 2, "warm": 2}
        reports = {}
        for _ in range(4):  # the workers take turns; two reports are enough unless one is slow to come back
            report = _report(pool)
            reports[report["pid"]] = report["seen"]
            if len(reports) == 2:
                break
        assert len(reports) == 2
        for seen in reports.values():
            assert seen == [[c.procedure, c.lang, c.patient] for c in warm]
    finally:
        pool.close()


def test_a_request_during_the_warm_up_waits_for_one_warm_up_build_not_all():
    warm = [Choice("botox-neck", "en")] + [Choice("botox-neck", "fr")] * 3
    pool = Builder(None, workers=1, timeout=120, warm=warm, initializer=_record, initargs=("fr",))
    try:
        assert pool.wait_ready(120)  # the first warm-up handout is built; three slow ones to go
        assert pool.warmed() == 0
        assert pool.build(Choice("botox-neck", "es")).lang == "es"
        assert pool.wait_ready(120, warm=True)
        seen = [lang for _, lang, _ in _report(pool)["seen"]]
        assert sorted(seen) == ["en", "es", "fr", "fr", "fr"]
        assert seen.index("es") < 4, seen  # answered before the warm-up ended
    finally:
        pool.close()


def test_a_warm_up_that_fails_is_skipped():
    pool = Builder(None, workers=1, timeout=120, warm=[Choice("botox-neck", "xx"), Choice("nope"), Choice("botox-neck", "es")],
                   initializer=_record)
    try:
        assert pool.wait_ready(120, warm=True)
        assert [lang for _, lang, _ in _report(pool)["seen"]] == ["xx", "en", "es"]
        assert pool.build(Choice("botox-neck")).lang == "en"
    finally:
        pool.close()


# --- many clients at once ---------------------------------------------------------------------

FIRST_NAMES = ("Zebulon", "Xanthe", "Ysolde", "Wolfram", "Vesna", "Ulrika", "Thaddeus", "Saoirse",
               "Rafferty", "Quorra", "Peregrine", "Ottoline", "Kasimir", "Marisol", "Leocadia", "Jovanka")
LANGS = ("en", "es", "zh_Hans", "ar", "hi", "vi")


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_sixteen_clients_at_once_all_get_their_own_handout():
    """The real server (waitress, two workers): 16 clients post at once, 3 handouts
    each in mixed languages; every answer is a PDF with that client's patient only."""
    server = create_server(None, "127.0.0.1", 0, workers=2, warm=False)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    answers: dict[int, list[tuple[int, str, bytes]]] = {}
    start = threading.Barrier(len(FIRST_NAMES))

    def client(i: int) -> None:
        start.wait(60)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        got = answers.setdefault(i, [])
        for j in range(3):
            fields = {"procedure": ("botox-neck", "botox-migraine")[(i + j) % 2], "lang": LANGS[(i + j) % len(LANGS)],
                      "patient": f"{FIRST_NAMES[i]} Quillfeather", "csrf": server.settings.csrf}
            if j != 1:
                fields["visit_date"] = "2026-12-01"
            conn.request("POST", "/handout", urllib.parse.urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            got.append((response.status, response.getheader("Content-Type") or "", response.read()))
        conn.close()

    try:
        clients = [threading.Thread(target=client, args=(i,)) for i in range(len(FIRST_NAMES))]
        for t in clients:
            t.start()
        for t in clients:
            t.join(300)
        assert not any(t.is_alive() for t in clients)
    finally:
        server.close()
        serving.join(30)
    assert sorted(answers) == list(range(len(FIRST_NAMES)))
    for i, got in answers.items():
        assert [(status, kind) for status, kind, _ in got] == [(200, "application/pdf")] * 3, [g[2][:200] for g in got]
        for j, (_, _, pdf) in enumerate(got):
            text = _text(pdf)
            assert not [name for name in FIRST_NAMES if name != FIRST_NAMES[i] and name in text]
            if LANGS[(i + j) % len(LANGS)] not in ("ar", "hi"):  # where a Latin name reads back whole
                assert FIRST_NAMES[i] in text


# --- defaults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("cpus", "workers"), [(1, 2), (2, 2), (3, 3), (4, 4), (64, MAX_DEFAULT_WORKERS)])
def test_default_workers_one_per_cpu_from_two_to_four(monkeypatch, cpus, workers):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    assert default_workers() == workers


def test_the_caches_grow_with_the_clinic_up_to_a_limit():
    options = options_for(load(None))
    assert memo_scale(options) == 5  # 2 procedures × 15 languages, 6 pairs per scale
    assert memo_scale(replace(options, languages=options.languages[:1])) == 1
    assert memo_scale(replace(options, procedures=options.procedures * 40)) == MAX_MEMO_SCALE


# --- --open ---------------------------------------------------------------------------------------


@pytest.fixture
def desktop(monkeypatch):
    """A graphical session, and webbrowser.open recorded instead of run."""
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("BROWSER", raising=False)
    opened: list[tuple[str, int]] = []
    event = threading.Event()

    def fake_open(url: str, new: int = 0, autoraise: bool = True) -> bool:
        opened.append((url, new))
        event.set()
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)
    return opened, event


def test_serve_open_starts_the_default_browser_on_the_page(cli, monkeypatch, desktop):
    opened, event = desktop
    monkeypatch.delenv("HANDOUTS_TOKEN", raising=False)
    monkeypatch.delenv("HANDOUTS_CLINIC", raising=False)
    monkeypatch.setattr(Server, "run", lambda self: event.wait(60))  # serve until the browser was started
    result = cli("serve", "--port", "0", "--workers", "1", "--open")
    assert result.exit_code == 0, result.output
    url = re.search(r"at (http://127\.0\.0\.1:\d+/);", result.stdout).group(1)
    assert opened == [(url, 2)]  # a new tab, on the page itself


def test_open_page_on_every_address_opens_loopback(desktop):
    opened, _ = desktop
    said: list[str] = []
    open_page("http://0.0.0.0:8080/", said.append).join(10)
    open_page("http://[::]:8080/", said.append).join(10)
    assert opened == [("http://127.0.0.1:8080/", 2), ("http://[::1]:8080/", 2)]
    assert said == []


def test_open_page_says_when_no_browser_starts(monkeypatch, desktop):
    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: False)
    said: list[str] = []
    open_page("http://127.0.0.1:8080/", said.append).join(10)
    assert said == ["Could not start a browser; open http://127.0.0.1:8080/ in one"]


def test_open_page_starts_no_text_browser_without_a_desktop(monkeypatch):
    monkeypatch.setattr(server_module.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(webbrowser, "open", pytest.fail)  # it would start lynx in the server's terminal
    said: list[str] = []
    assert open_page("http://127.0.0.1:8080/", said.append) is None
    assert said == ["Not opening a browser: there is no graphical session here (DISPLAY and WAYLAND_DISPLAY are not set); "
                    "open http://127.0.0.1:8080/ in one"]
    monkeypatch.setenv("BROWSER", "firefox")  # the user's own choice is tried
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: opened.append(url) or True)
    open_page("http://127.0.0.1:8080/", said.append).join(10)
    assert opened == ["http://127.0.0.1:8080/"]
