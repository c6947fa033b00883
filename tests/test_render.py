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
        "combined", "faq", "medication-guide", "care-team", "teach-back",
    ]
    fields = next(b for b in doc.blocks if isinstance(b, m.Fields))
    assert fields.fields == (("For", "Pat"), ("Visit date", "December 1, 2026"), ("Provider", "Ana Rivera, MD"))
    before = next(s for s in doc.sections() if s.id == "before")
    checklist = [b for b in before.blocks if isinstance(b, m.ItemList) and b.kind == "check"]
    assert sum(len(b.items) for b in checklist) == 7
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


def test_user_data_is_escaped_by_the_template(demo):
    request = make_request(demo, "botox-neck", patient='</field><evil x="1"/> & more')
    xml = render_xml(request, template_roots(demo))
    assert "&lt;/field&gt;&lt;evil" in xml
    doc = render_document(request, template_roots(demo))
    fields = next(b for b in doc.blocks if isinstance(b, m.Fields))
    assert fields.fields[0][1] == '</field><evil x="1"/> & more'


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


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_provider_filled_into_kept_output_matches_a_full_render(demo, lang):
    from handouts import render

    render._FILLABLE.clear()
    providers, replace = _providers(
        demo, ("Ana Rivera, MD", "(555) 010-0111"), ("O'Brien & Sons <Spine>", "(555) 010-0222"),
        ("Dr \"Zed\" Ü. Llanfair-Pwllgwyngyll, DO, PhD, FAAPMR", "+1 555 010 0333"), ("محمد", "(555) 010-0444"),
    )
    roots = template_roots(demo)
    for provider in providers:
        clinic = replace(demo, providers=(provider,))
        request = make_request(clinic, "botox-neck", lang, provider.id)
        assert render_xml(request, roots) == render._render_xml(request, roots)
    assert list(render._FILLABLE.values()) and all(render._FILLABLE.values())  # the kept output was used


def test_template_that_does_more_than_print_the_provider_is_always_run(tmp_path, make_clinic):
    from handouts import render

    body = "<handout><section id='x' title='X'><p>{{ provider.name|upper }} {{ provider.name|length }}</p></section></handout>"
    clinic = _clinic_with_template(tmp_path, make_clinic, body)
    providers, replace = _providers(clinic, ("Theo Test", "(555) 010-1"), ("Ann Bee", "(555) 010-2"))
    roots = template_roots(clinic)
    texts = []
    for provider in providers:
        request = make_request(replace(clinic, providers=(provider,)), "botox-neck", "en", provider.id)
        texts.append(m.plain(next(render_document(request, roots).sections()).blocks[0].runs))
    assert texts == ["THEO TEST 9", "ANN BEE 7"]
    assert "" in render._FILLABLE.values()  # marked: always render
