"""A clinic's own catalogs are held to the built-in catalogs' rules: a malformed file is
one error naming file and line; a translation with broken placeholders or markup is
reported and never used; translated text is escaped like any other data; the clinic's
own wording counts toward completeness."""

from __future__ import annotations

import json

from tests.conftest import clinic_template, pdf_text

# The clinic's own wording, in a template extending the built-in one.
OWN_WORDING = """\
{% extends "builtin:botox-neck/handout.xml.j2" %}
{% block key_points %}<keypoints title="{{ _('Key points') }}"><li>{% trans %}Free parking behind the building.{% endtrans %}</li>\
<li>{% trans phone=clinic.phone %}Questions? Call {{ phone }}.{% endtrans %}</li></keypoints>{% endblock %}
"""

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: es\\n"\n\n'


def clinic_with_wording(make_clinic, po: str | None, lang: str = "es"):
    path = make_clinic()
    clinic_template(path, OWN_WORDING)
    if po is not None:
        folder = path.parent / "locales" / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "handouts.po").write_bytes(po.encode("utf-8") if isinstance(po, str) else po)
    return path


def test_the_clinics_own_wording_untranslated_stops_a_spanish_handout(cli, make_clinic, tmp_path):
    path = clinic_with_wording(make_clinic, None)
    result = cli("generate", "botox-neck", "--clinic", str(path), "--lang", "es", "-o", "es.pdf")
    assert result.exit_code == 1
    assert "the es translation lacks 2 of the clinic's own message(s) this handout uses" in result.stderr
    assert "Free parking behind the building." in result.stderr and "--allow-incomplete" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "es.pdf").exists()
    allowed = cli("generate", "botox-neck", "--clinic", str(path), "--lang", "es", "--allow-incomplete", "-o", "es.pdf")
    assert allowed.exit_code == 0, allowed.stderr
    assert "2 message(s) this handout uses have no translation and print in English" in allowed.stderr
    assert "Free parking behind the building." in pdf_text(tmp_path / "es.pdf")


def test_translated_clinic_wording_prints_and_counts_as_complete(cli, make_clinic, tmp_path):
    po = HEADER + (
        'msgid "Free parking behind the building."\nmsgstr "Estacionamiento gratis detrás del edificio."\n\n'
        'msgid "Questions? Call %(phone)s."\nmsgstr "¿Preguntas? Llame al %(phone)s."\n'
    )
    path = clinic_with_wording(make_clinic, po)
    result = cli("generate", "botox-neck", "--clinic", str(path), "--lang", "es", "-o", "es.pdf")
    assert result.exit_code == 0, result.stderr
    text = pdf_text(tmp_path / "es.pdf")
    assert "Estacionamiento gratis detrás del edificio." in text and "¿Preguntas? Llame al" in text


def test_batch_and_check_see_untranslated_clinic_wording(cli, make_clinic, tmp_path):
    path = clinic_with_wording(make_clinic, None)
    providers = path.parent / "providers.csv"
    providers.write_text("id,name,credentials,phone,procedures,languages\nkim,Hana Kim,MD,(555) 010-2000,botox-neck,en;es\n")
    batch = cli("batch", "--clinic", str(path), "--providers", str(providers), "--out", "o", "--jobs", "1")
    assert batch.exit_code == 1
    assert "Failed: kim/botox-neck/es: the es translation lacks 2 of the clinic's own message(s)" in batch.stderr
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert {(entry["language"], entry["catalog_complete"]) for entry in manifest["items"]} == {("en", True)}
    check = cli("check", "--clinic", str(path), "--lang", "es", "--procedure", "botox-neck")
    assert check.exit_code != 0
    assert "clinic wording" in check.stdout and "2 not translated" in check.stdout


def test_a_malformed_clinic_catalog_is_one_line_with_file_and_line(cli, make_clinic, tmp_path):
    po = HEADER + 'msgid "Free parking behind the building."\nmsgstr "Estacionamiento gratis\n'
    path = clinic_with_wording(make_clinic, po)
    result = cli("generate", "botox-neck", "--clinic", str(path), "--lang", "es", "-o", "es.pdf")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "locales/es/LC_MESSAGES/handouts.po:7: expected msgid, msgstr or a quoted string" in lines[0]
    status = cli("translations", "status", "--clinic", str(path))
    assert status.exit_code == 1 and "handouts.po:7:" in status.stderr


def test_a_clinic_catalog_that_is_not_utf8_names_the_line(cli, make_clinic):
    po = (HEADER + 'msgid "Free parking behind the building."\nmsgstr "Aparcamiento ').encode() + "gratuït\"\n".encode("latin-1")
    path = clinic_with_wording(make_clinic, po)
    result = cli("generate", "botox-neck", "--clinic", str(path), "--lang", "es", "--allow-incomplete")
    assert result.exit_code == 1
    assert "handouts.po:7: not UTF-8 text" in result.stderr


def test_broken_placeholders_and_markup_are_reported_and_never_used(cli, make_clinic, tmp_path):
    po = HEADER + (
        'msgid "Free parking behind the building."\nmsgstr "<script>Estacionamiento</script> gratis."\n\n'
        'msgid "Questions? Call %(phone)s."\nmsgstr "¿Preguntas? Llame al %(telefono)s."\n'
    )
    path = clinic_with_wording(make_clinic, po)
    status = cli("translations", "status", "--clinic", str(path))
    assert status.exit_code == 0, status.stderr
    assert "has markup the English does not" in status.stdout
    assert "placeholders ['phone'] became ['telefono']" in status.stdout and "handouts.po:" in status.stdout
    check = cli("check", "--clinic", str(path), "--lang", "es", "--procedure", "botox-neck")
    assert "clinic catalog" in check.stdout and check.exit_code != 0
    # Never used: the handout falls back to the English (so it is incomplete).
    result = cli("generate", "botox-neck", "--clinic", str(path), "--lang", "es", "--allow-incomplete", "-o", "es.pdf")
    assert result.exit_code == 0, result.stderr
    text = pdf_text(tmp_path / "es.pdf")
    assert "Free parking behind the building." in text and "telefono" not in text and "script" not in text


def test_translated_text_is_escaped_like_any_other_data(cli, make_clinic, tmp_path):
    po = HEADER + (
        'msgid "Free parking behind the building."\nmsgstr "Estacionamiento gratis: Smith & Sons, 3 < 4."\n\n'
        'msgid "Questions? Call %(phone)s."\nmsgstr "¿Preguntas? Llame al %(phone)s."\n'
    )
    path = clinic_with_wording(make_clinic, po)
    result = cli("generate", "botox-neck", "--clinic", str(path), "--lang", "es", "-o", "es.pdf")
    assert result.exit_code == 0, result.stderr
    assert "Estacionamiento gratis: Smith & Sons, 3 < 4." in pdf_text(tmp_path / "es.pdf")
