"""Correct by construction: caches change speed, never bytes.

Every language of both procedures, with and without a provider, patient and visit,
built with every cache on (in a process that has built many other handouts) and with
``HANDOUTS_CACHE=off``, gives byte-identical PDFs; a clinic template that uses the
provider's fields too; and every ``batch`` item is byte-identical to the same
handout made alone, Hindi included.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

import handouts
from handouts import speed
from handouts.config import load_clinic
from handouts.i18n import available_languages

from .conftest import clinic_template

LANGUAGES = sorted(available_languages())
PERSONAL = dict(provider="dr-rivera", patient="Ana-María O'Brien & Þórdís", visit_date=dt.date(2026, 12, 28))


def _both(monkeypatch: pytest.MonkeyPatch, **request) -> tuple[bytes, bytes]:
    procedure = request.pop("procedure")
    monkeypatch.delenv("HANDOUTS_CACHE", raising=False)
    cached = handouts.render_pdf(procedure, **request)
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    try:
        fresh = handouts.render_pdf(procedure, **request)
    finally:
        monkeypatch.delenv("HANDOUTS_CACHE")
    return cached, fresh


@pytest.mark.parametrize("procedure", ["botox-neck", "botox-migraine"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_cached_and_uncached_builds_are_byte_identical(monkeypatch, procedure, lang):
    for personal in ({}, PERSONAL):
        cached, fresh = _both(monkeypatch, procedure=procedure, lang=lang, **personal)
        assert cached == fresh, (procedure, lang, bool(personal))


def test_a_clinic_template_using_provider_fields(monkeypatch, make_clinic):
    path = make_clinic(extra=(
        '\n[[providers]]\nid = "dr-two"\nname = "Bea Two, DO"\nphone = "(555) 010-4222"\nprocedures = ["botox-neck"]\n'
        '\n[[providers]]\nid = "dr-three"\nname = "Cy Three, NP"\nphone = "(555) 010-4333"\nprocedures = ["botox-neck"]\n'
    ))
    clinic_template(path, (
        '{% extends "builtin:botox-neck/handout.xml.j2" %}\n'
        "{% block before_visit_extra %}<p>Provider {{ provider.id }}: {{ provider.name|upper }}"
        "{% if provider.phone %} ({{ provider.phone }}){% else %} (no direct line){% endif %}</p>{% endblock %}"
    ))
    clinic = load_clinic(path, known_procedures=None)
    seen = set()
    for provider in ("dr-test", "dr-two", "dr-three", "dr-two"):
        cached, fresh = _both(monkeypatch, procedure="botox-neck", clinic=clinic, provider=provider)
        assert cached == fresh, provider
        seen.add(cached)
    assert len(seen) == 3


def test_every_batch_item_is_the_handout_made_alone(cli, tmp_path):
    result = cli("batch", "--jobs", "2", "--out", "out", "--procedure", "botox-neck",
                 "--lang", "en", "--lang", "hi", "--lang", "ar", "--lang", "zh_Hans", "--lang", "vi")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert len(manifest["items"]) >= 10
    speed.clear()
    for item in manifest["items"]:
        alone = handouts.render_pdf(item["procedure"], lang=item["language"], provider=item["provider"])
        assert (tmp_path / "out" / item["path"]).read_bytes() == alone, item["path"]
