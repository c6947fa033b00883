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
    folder = path.parent / "templates" / "botox-neck"
    folder.mkdir(parents=True)
    (folder / "procedure.toml").write_text(
        (Path(__file__).parents[1] / "templates" / "botox-neck" / "procedure.toml").read_text()
    )
    (folder / "handout.xml.j2").write_text(body)
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
    folder = path.parent / "templates" / "botox-neck"
    folder.mkdir(parents=True)
    (folder / "handout.xml.j2").write_text(
        '{% extends "builtin:botox-neck/handout.xml.j2" %}\n'
        "{% block before_visit_extra %}<p>Bring your parking ticket: we validate it.</p>{% endblock %}"
    )
    result = cli("generate", "botox-neck", "--clinic", str(path), "-o", "o.pdf")
    assert result.exit_code == 0, result.stderr
    from .conftest import pdf_text

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
