"""handouts init: a new clinic folder that works at once, with its own wording."""

from __future__ import annotations

from .conftest import pdf_text


def test_init_makes_a_working_clinic_with_an_override_and_its_translation(cli, tmp_path):
    result = cli("init", "myclinic")
    assert result.exit_code == 0, result.stderr
    clinic = tmp_path / "myclinic" / "clinic.toml"
    for name in ("clinic.toml", "logo.svg", "README.md", "babel.cfg", "templates/botox-neck/handout.xml.j2"):
        assert (tmp_path / "myclinic" / name).is_file()
    assert cli("generate", "botox-neck", "--clinic", str(clinic), "-o", "en.pdf").exit_code == 0
    english = pdf_text(tmp_path / "en.pdf")
    assert "Bring your parking ticket: we validate it at the front desk." in english
    assert "We will not give the shots where the skin is infected." in english  # the rest is built-in
    assert cli("generate", "botox-neck", "--clinic", str(clinic), "--lang", "es", "-o", "es.pdf").exit_code == 0
    spanish = pdf_text(tmp_path / "es.pdf")
    assert "Traiga su boleto de estacionamiento" in spanish  # the clinic's own catalog
    assert "Puntos clave" in spanish  # the built-in catalog still translates the rest
    assert cli("check", "--clinic", str(clinic), "--procedure", "botox-neck").exit_code == 0


def test_init_never_overwrites(cli, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    result = cli("init", "busy")
    assert result.exit_code == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"


def test_translations_status_covers_the_clinic_catalogs(cli, tmp_path):
    assert cli("init", "c").exit_code == 0
    result = cli("translations", "status", "--clinic", str(tmp_path / "c" / "clinic.toml"))
    assert result.exit_code == 0
    assert "The clinic's own wording:" in result.stdout
    assert any(line.startswith("es ") and "1/1" in line and "complete" in line for line in result.stdout.splitlines()[-2:])
