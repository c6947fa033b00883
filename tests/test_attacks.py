"""What an attacker's clinic template can do through the CLI: nothing but fail, within
seconds, with one line naming the template and line, exit 1, and no file read, written
or deleted."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import clinic_template

ATTACKS = {
    "read a file": "{{ clinic.source.parent.joinpath('/etc/passwd').read_text() }}",
    "python internals": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "write through a path": "{{ clinic.templates_dir.joinpath('x').write_text('x') }}",
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "huge range": "{% for i in range(10**9) %}{% endfor %}",
    "huge string": "{{ 'x' * 10**9 }}",
    "doubling": "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "self recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "100,000 words": "<p>" + "word " * 100_000 + "</p>",
    "patient name upper": "{{ patient|upper }}",
    "center": "{{ 'x'|center(10**9) }}",
}


@pytest.mark.parametrize("name", ATTACKS)
def test_attacks_stop_with_one_line(cli, make_clinic, tmp_path, name):
    path = make_clinic()
    body = "<handout><section id='x' title='X'>\n" + ATTACKS[name] + "\n</section></handout>"
    clinic_template(path, body)
    before = sorted(p for p in tmp_path.rglob("*"))
    started = time.monotonic()
    result = cli("generate", "botox-neck", "--clinic", str(path), "--patient", "Ana", "-o", "out.pdf")
    assert time.monotonic() - started < 30
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(r"handout\.xml\.j2:[12]: ", lines[0]), lines[0]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / "out.pdf").exists()
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written, nothing deleted


def test_a_latin1_template_is_one_line(cli, make_clinic, tmp_path):
    path = make_clinic()
    template = clinic_template(path, "")
    template.write_bytes("<handout><section id='x' title='Caf\xe9'></section></handout>".encode("latin-1"))
    result = cli("generate", "botox-neck", "--clinic", str(path), "-o", "out.pdf")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("not UTF-8 text; save the template as UTF-8")
    assert len(result.stderr.strip().splitlines()) == 1


def test_nothing_compiled_is_written_to_disk(cli, make_clinic, tmp_path, monkeypatch):
    from handouts import speed

    monkeypatch.delenv("HANDOUTS_CACHE", raising=False)  # the disk cache is on
    speed.clear()  # so the QR code and logo are recorded (to disk) in this test
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    path = make_clinic()
    clinic_template(path, '{% extends "builtin:botox-neck/handout.xml.j2" %}')
    assert cli("generate", "botox-neck", "--clinic", str(path), "-o", "out.pdf").exit_code == 0
    written = [p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()]
    assert written and all(p.startswith("handouts/drawings/") for p in written), written  # only QR and logo recordings


def test_a_template_making_dozens_of_pages_stops(cli, make_clinic, tmp_path):
    path = make_clinic()
    clinic_template(path, "<handout><section id='x' title='X'>{% for i in range(600) %}<p>A sentence of plain words to fill the page, again and again.</p>{% endfor %}</section></handout>")
    started = time.monotonic()
    result = cli("generate", "botox-neck", "--clinic", str(path), "-o", "out.pdf")
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert "runs past 16 pages" in result.stderr
    assert not Path(tmp_path / "out.pdf").exists()
