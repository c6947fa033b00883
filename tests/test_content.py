"""Procedures are data: a new one needs a folder, not Python."""

from __future__ import annotations

import datetime as dt

import pytest

from handouts.content import discover, load_procedure, procedure_dirs, read_metadata
from handouts.errors import ContentError, UsageError
from handouts.resources import templates_dir

from .conftest import pdf_text

NEW_PROCEDURE = """\
id = "ice-pack"
title = "Using an ice pack"
content_review_date = 2026-10-01
page_budget = 1

[[timeline]]
id = "cold"
label = "Cold therapy"
when = "First 2 days"
start = 0
end = 2
"""

NEW_TEMPLATE = """\
{% extends "layouts/handout.xml.j2" %}
{% import "layouts/parts.xml.j2" as parts with context %}
{% block key_points %}<keypoints title="{{ _('Key points') }}"><li>{% trans %}Wrap ice in a towel.{% endtrans %}</li></keypoints>{% endblock %}
{% block content %}<columns>
<section id="after" title="{{ _('After: what to expect') }}">{{ parts.timeline_chart() }}</section>
{{ parts.care_team() }}
</columns>{% endblock %}
"""


def test_builtin_metadata():
    proc = read_metadata(templates_dir() / "botox-neck")
    assert proc.id == "botox-neck"
    assert proc.review_date == dt.date(2026, 11, 20)
    assert proc.page_budget == 2
    assert [s.id for s in proc.timeline] == ["side-effects", "relief", "peak", "wears-off", "next"]
    assert proc.timeline[-1].end is None


def test_a_new_procedure_is_a_folder(cli, make_clinic, tmp_path):
    path = make_clinic()
    folder = path.parent / "templates" / "ice-pack"
    folder.mkdir(parents=True)
    (folder / "procedure.toml").write_text(NEW_PROCEDURE)
    (folder / "handout.xml.j2").write_text(NEW_TEMPLATE)
    listed = cli("list", "procedures", "--clinic", str(path))
    assert "ice-pack\tUsing an ice pack" in listed.stdout
    result = cli("generate", "ice-pack", "--clinic", str(path), "--visit-date", "2026-12-01", "-o", "ice.pdf")
    assert result.exit_code == 0, result.stderr
    text = pdf_text(tmp_path / "ice.pdf")
    assert "Using an ice pack" in text and "Cold therapy: December 1 – 3, 2026" in text


def test_broken_metadata_lists_every_problem(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "procedure.toml").write_text('id = "other"\npage_budget = "two"\n[[timeline]]\nid = "x"\nstart = 5\nend = 1\n')
    with pytest.raises(ContentError) as err:
        read_metadata(folder)
    message = str(err.value)
    for part in ['id: "other" must match the folder name "bad"', "title: missing", "content_review_date: missing",
                 "page_budget: expected int", "template: handout.xml.j2 not found", "timeline[1].label: missing",
                 "timeline[1].end: expected a whole number of days >= start"]:
        assert part in message


def test_unknown_procedure_suggests():
    with pytest.raises(UsageError, match='did you mean "botox-neck"'):
        load_procedure("botox_neck", procedure_dirs())


def test_clinic_folder_comes_first(tmp_path):
    (tmp_path / "botox-neck").mkdir()
    (tmp_path / "botox-neck" / "procedure.toml").write_text("")
    found = discover(procedure_dirs([tmp_path]))
    assert found["botox-neck"] == tmp_path / "botox-neck"
