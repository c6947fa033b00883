"""Templates: sandboxed, strict, escaped, and parsed into the document model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from handouts import model as m
from handouts.config import load_clinic
from handouts.errors import ContentError
from handouts.pipeline import make_request, template_roots
from handouts.render import render_document, render_xml

from .conftest import clinic_template, pdf_text


@pytest.fixture
def demo():
    return load_clinic(None)


def test_document_structure(demo):
    request = make_request(demo, "botox-neck", "en", "dr-rivera", "Pat", dt.date(2026, 12, 1))
    doc = render_document(request, template_roots(demo))
    assert doc.title == "Botox injections for neck pain"
    assert [s.id for s in doc.sections()] == [
        "how-it-works", "who-it-helps", "before", "during", "after", "side-effects",
        "medication-guide", "care-team", "teach-back",
    ]
    fields = next(b for b in doc.blocks if isinstance(b, m.Fields))
    # The patient and the visit date are slots, filled by layout; the provider is text.
    assert [(label, [(r.slot, r.text) for r in value]) for label, value in fields.fields] == [
        ("For", [("patient", "")]), ("Visit date", [("visit_date", "")]), ("Provider", [(None, "Ana Rivera, MD")])
    ]
    before = next(s for s in doc.sections() if s.id == "before")
    checklist = [b for b in before.blocks if isinstance(b, m.ItemList) and b.kind == "check"]
    assert sum(len(b.items) for b in checklist) == 7  # 6 about you, 1 about your medicines
    tiers = [b.level for s in doc.sections() for b in s.blocks if isinstance(b, m.Tier)]
    assert tiers == ["mild", "call", "emergency"]


def test_every_list_has_at_most_seven_items(demo):
    doc = render_document(make_request(demo, "botox-neck"), template_roots(demo))
    for section in doc.sections():
        for block in section.blocks:
            items = block.blocks if isinstance(block, m.Tier) else (block,)
            for b in items:
                if isinstance(b, m.ItemList):
                    assert len(b.items) <= 7, section.id


def test_clinic_data_is_escaped_by_the_template(demo):
    from dataclasses import replace

    from handouts.config import Provider

    evil = '</field><evil x="1"/> & more'
    clinic = replace(demo, providers=(Provider("p", evil, "", ("botox-neck",)),))
    request = make_request(clinic, "botox-neck", provider_id="p")
    xml = render_xml(request, template_roots(clinic))
    assert "&lt;/field&gt;&lt;evil" in xml
    doc = render_document(request, template_roots(clinic))
    fields = next(b for b in doc.blocks if isinstance(b, m.Fields))
    assert m.plain(fields.fields[2][1]) == evil


def test_patient_and_visit_never_reach_the_template_output(demo):
    request = make_request(demo, "botox-neck", patient="Zephyrine Quellmalz", visit_date=dt.date(2026, 12, 28))
    xml = render_xml(request, template_roots(demo))
    assert "Zephyrine" not in xml and "December 28" not in xml and "2027" not in xml
    assert '<slot name="patient"/>' in xml and '<slot name="visit_date"/>' in xml


def _clinic_with_template(tmp_path: Path, make_clinic, body: str):
    path = make_clinic()
    template = clinic_template(path, body)
    (template.parent / "procedure.toml").write_text(
        (Path(__file__).parents[1] / "templates" / "botox-neck" / "procedure.toml").read_text()
    )
    return load_clinic(path)


def test_sandbox_blocks_python_internals(tmp_path, make_clinic):
    clinic = _clinic_with_template(tmp_path, make_clinic, "<handout>{{ ''.__class__.__mro__ }}</handout>")
    with pytest.raises(ContentError, match=r"handout.xml.j2:1: template tried something unsafe and was stopped"):
        render_document(make_request(clinic, "botox-neck"), template_roots(clinic))


def test_undefined_variables_are_errors_with_file_and_line(tmp_path, make_clinic):
    clinic = _clinic_with_template(tmp_path, make_clinic, "<handout>\n{{ clinic.nmae }}</handout>")
    with pytest.raises(ContentError, match=r"handout.xml.j2:2: template uses an undefined value"):
        render_document(make_request(clinic, "botox-neck"), template_roots(clinic))


def test_syntax_error_names_file_and_line(tmp_path, make_clinic):
    clinic = _clinic_with_template(tmp_path, make_clinic, "<handout>\n\n{% if %}</handout>")
    with pytest.raises(ContentError, match=r"handout.xml.j2:3: template syntax error"):
        render_document(make_request(clinic, "botox-neck"), template_roots(clinic))


def test_clinic_override_needs_only_the_template(cli, make_clinic, tmp_path):
    path = make_clinic()
    clinic_template(
        path,
        '{% extends "builtin:botox-neck/handout.xml.j2" %}\n'
        "{% block before_visit_extra %}<p>Bring your parking ticket: we validate it.</p>{% endblock %}",
    )
    result = cli("generate", "botox-neck", "--clinic", str(path), "-o", "o.pdf")
    assert result.exit_code == 0, result.stderr
    text = pdf_text(tmp_path / "o.pdf")
    assert "Bring your parking ticket: we validate it." in text
    assert "We will not give the shots where the skin is infected." in text


def test_clinic_override_extends_builtin_block(tmp_path, make_clinic):
    body = (
        '{% extends "builtin:botox-neck/handout.xml.j2" %}\n'
        "{% block during %}<section id=\"during\" title=\"During\"><p>Bring your parking ticket.</p></section>{% endblock %}"
    )
    clinic = _clinic_with_template(tmp_path, make_clinic, body)
    doc = render_document(make_request(clinic, "botox-neck"), template_roots(clinic))
    during = next(s for s in doc.sections() if s.id == "during")
    assert m.plain(during.blocks[0].runs) == "Bring your parking ticket."
    assert any(s.id == "before" for s in doc.sections())  # the rest is inherited


def test_unknown_element_is_a_content_error(tmp_path, make_clinic):
    clinic = _clinic_with_template(tmp_path, make_clinic, "<handout><section id='x' title='X'><blink>hi</blink></section></handout>")
    with pytest.raises(ContentError, match="<blink>: unknown element"):
        render_document(make_request(clinic, "botox-neck"), template_roots(clinic))


def _providers(clinic, *names_and_phones):
    from dataclasses import replace

    from handouts.config import Provider

    base = clinic.providers[0]
    return [Provider(f"p{i}", name, phone, base.procedures) for i, (name, phone) in enumerate(names_and_phones)], replace


def test_templates_that_use_provider_fields_get_each_provider(tmp_path, make_clinic):
    """Template output is made for every handout: a template that prints the provider's
    id or branches on the name shows each provider their own."""
    body = (
        "<handout><section id='x' title='X'><p>{{ provider.id }} {{ provider.name|upper }} "
        "{{ provider.name|length }}{% if provider.name.startswith('Ann') %} branch-ann{% endif %}</p></section></handout>"
    )
    clinic = _clinic_with_template(tmp_path, make_clinic, body)
    providers, replace = _providers(clinic, ("Theo Test", "(555) 010-1"), ("Ann Bee", "(555) 010-2"), ("Cy Dee", "(555) 010-3"), ("Di Eve", "(555) 010-4"))
    roots = template_roots(clinic)
    texts = []
    for provider in providers:
        request = make_request(replace(clinic, providers=(provider,)), "botox-neck", "en", provider.id)
        texts.append(m.plain(next(render_document(request, roots).sections()).blocks[0].runs))
    assert texts == ["p0 THEO TEST 9", "p1 ANN BEE 7 branch-ann", "p2 CY DEE 6", "p3 DI EVE 6"]


@pytest.mark.parametrize(
    "expression",
    ["patient|upper", "patient.split()[0]", "patient ~ ''", "patient|length", "patient[0]", "'%s'|format(patient)",
     "visit_date_text|replace(' ', '')", "timeline[0].when|lower", "patient|list", "patient|string"],
)
def test_templates_cannot_read_or_change_personal_text(tmp_path, make_clinic, expression):
    clinic = _clinic_with_template(tmp_path, make_clinic, f"<handout><section id='x' title='X'><p>{{{{ {expression} }}}}</p></section></handout>")
    request = make_request(clinic, "botox-neck", patient="Zoë Ng", visit_date=dt.date(2026, 12, 28))
    with pytest.raises(ContentError, match=r"handout.xml.j2:1: "):
        render_document(request, template_roots(clinic))


def test_templates_get_plain_data_only(demo):
    from handouts.i18n import translations_for
    from handouts.render import context

    request = make_request(demo, "botox-neck", "en", "dr-rivera", "Pat", dt.date(2026, 12, 1))
    values = context(request, translations_for(request.language))

    def plain(value, where):
        if isinstance(value, dict):
            for key, item in value.items():
                plain(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                plain(item, f"{where}[{index}]")
        else:
            allowed = (str, int, float, bool, type(None), dt.date)
            assert isinstance(value, allowed) or callable(value) or type(value).__name__ == "Slot", where

    plain(values, "context")
    assert values["clinic"] == {**values["clinic"]} and "source" not in values["clinic"]


def test_only_sections_inside_columns(tmp_path, make_clinic):
    clinic = _clinic_with_template(tmp_path, make_clinic, "<handout><columns><fields><field label='x'>y</field></fields></columns></handout>")
    with pytest.raises(ContentError, match="only <section> is allowed inside <columns>"):
        render_document(make_request(clinic, "botox-neck"), template_roots(clinic))


def test_malformed_output_names_the_line(tmp_path, make_clinic):
    clinic = _clinic_with_template(tmp_path, make_clinic, "<handout>\n<section id='x' title='X'>\n<p>open</section></handout>")
    with pytest.raises(ContentError, match=r"template output is not well-formed at line 3"):
        render_document(make_request(clinic, "botox-neck"), template_roots(clinic))
