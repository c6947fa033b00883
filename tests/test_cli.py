"""The CLI as the front desk uses it: exit codes, messages, files written."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts import __version__

from .conftest import DEMO_DATE, pdf_text

COMMANDS = [[], ["generate"], ["list"]]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli, command):
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: handouts" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_version(cli, command):
    result = cli(*command, "--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"handouts, version {__version__}"


def test_generate_demo_writes_default_path_and_says_so(cli, tmp_path):
    result = cli("generate", "botox-neck")
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "output" / "botox-neck.en.pdf"
    assert out.is_file()
    assert f"Wrote {Path('output') / 'botox-neck.en.pdf'}" in result.stdout
    assert "2 pages" in result.stdout
    assert len(PdfReader(str(out)).pages) == 2


def test_generate_personalised(cli, tmp_path):
    result = cli(
        "generate", "botox-neck", "--provider", "dr-okafor", "--patient", "Jane Q. Patient",
        "--visit-date", DEMO_DATE, "--paper", "a4", "-o", "out/jane.pdf",
    )
    assert result.exit_code == 0, result.stderr
    text = pdf_text(tmp_path / "out" / "jane.pdf")
    assert "Jane Q. Patient" in text
    assert "Chidi Okafor, DO" in text
    assert "December 1, 2026" in text


def test_patient_name_stays_out_of_default_file_name_and_output(cli, tmp_path):
    result = cli("generate", "botox-neck", "--provider", "dr-rivera", "--patient", "Zebulon Quux", "--visit-date", DEMO_DATE)
    assert result.exit_code == 0
    files = [p.name for p in (tmp_path / "output").iterdir()]
    assert files == ["botox-neck.en.dr-rivera.pdf"]
    assert "Zebulon" not in result.stdout + result.stderr
    assert DEMO_DATE not in result.stdout + result.stderr


def test_list_procedures_providers_languages(cli):
    procs = cli("list", "procedures")
    assert procs.exit_code == 0
    assert [line.split("\t")[0] for line in procs.stdout.splitlines()] == ["botox-migraine", "botox-neck"]
    provs = cli("list", "providers")
    assert provs.exit_code == 0
    assert [line.split("\t")[0] for line in provs.stdout.splitlines()] == ["dr-rivera", "dr-okafor", "np-lindqvist"]
    langs = cli("list", "languages")
    assert langs.exit_code == 0
    assert "en\tEnglish / English  (offered by this clinic)" in langs.stdout.splitlines()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["generate", "botox-nek"], 2, 'unknown procedure "botox-nek" (did you mean "botox-neck"?); available: botox-migraine, botox-neck'),
        (["generate", "botox-neck", "--provider", "dr-who"], 2, 'unknown provider "dr-who"; available: dr-rivera, dr-okafor, np-lindqvist'),
        (["generate", "botox-neck", "--lang", "xx"], 2, 'unknown language "xx"; available: '),
        (["generate", "botox-neck", "--visit-date", "2026-02-30"], 2, "'2026-02-30' is not a real date"),
        (["generate", "botox-neck", "--visit-date", "12/01/2026"], 2, "expected YYYY-MM-DD"),
        (["generate", "botox-neck", "--paper", "legal"], 2, "'legal' is not one of 'letter', 'a4'"),
        (["list", "things"], 2, "'things' is not one of"),
    ],
)
def test_bad_usage_is_one_clear_error(cli, args, code, message):
    result = cli(*args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_unwritable_output_path(cli, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    result = cli("generate", "botox-neck", "-o", str(blocker / "sub" / "h.pdf"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert "cannot create folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_output_path_that_is_a_folder(cli, tmp_path):
    result = cli("generate", "botox-neck", "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "is a folder" in result.stderr


def test_malformed_toml_reports_line(cli, make_clinic):
    path = make_clinic(text='[clinic]\nname = "Unclosed\nphone = "1"\n')
    result = cli("generate", "botox-neck", "--clinic", str(path))
    assert result.exit_code == 1
    assert "invalid TOML" in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_key_gets_a_suggestion(cli, make_clinic):
    path = make_clinic(extra='\n[brand.extra]\n')
    path.write_text(path.read_text().replace("after_hours_phone", "after_hour_phone"))
    result = cli("generate", "botox-neck", "--clinic", str(path))
    assert result.exit_code == 1
    assert 'clinic.after_hour_phone: unknown key (did you mean "after_hours_phone"?)' in result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('logo = "logo.png"', 'logo = "missing.png"'), "clinic.logo: file not found"),
        (('logo = "logo.png"', 'logo = "broken.png"'), "clinic.logo: cannot read image"),
        (('primary = "#2E5E4E"', 'primary = "teal"'), "brand.primary: 'teal' is not a colour; expected \"#RRGGBB\""),
        (('phone = "(555) 010-4111"', ""), "providers[1].phone: missing"),
    ],
)
def test_bad_clinic_values(cli, make_clinic, change, message):
    path = make_clinic()
    (path.parent / "broken.png").write_bytes(b"this is not a PNG")
    path.write_text(path.read_text().replace(*change))
    result = cli("generate", "botox-neck", "--clinic", str(path))
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (path.parent / "output").exists()


def test_provider_must_perform_the_procedure(cli, make_clinic):
    path = make_clinic()
    path.write_text(path.read_text().replace('procedures = ["botox-neck"]', 'procedures = []'))
    result = cli("generate", "botox-neck", "--clinic", str(path), "--provider", "dr-test")
    assert result.exit_code == 2
    assert 'provider "dr-test" does not perform "botox-neck"' in result.stderr


def test_a_letter_no_shipped_font_has_is_an_error_naming_it(cli, make_clinic, tmp_path):
    # Javanese script: none of the fonts handouts ships has it.
    path = make_clinic(name='"Klinik ꦗꦮ"')
    result = cli("generate", "botox-neck", "--clinic", str(path), "-o", "x.pdf")
    assert result.exit_code == 1
    assert "'ꦗ' (U+A997 JAVANESE LETTER JA)" in result.stderr
    assert "no font shipped with handouts" in result.stderr and "Atkinson Hyperlegible" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_garbage_collection_is_back_on_after_a_command_even_one_that_fails(cli, make_clinic, tmp_path):
    # Commands import their modules with the collector paused; leaving it off would let
    # a long batch or a test process grow without bound.
    import gc

    assert cli("generate", "botox-neck", "-o", str(tmp_path / "a.pdf")).exit_code == 0
    assert gc.isenabled()
    clinic = make_clinic(extra="\n[surprise]\n")
    assert cli("generate", "botox-neck", "--clinic", str(clinic)).exit_code != 0
    assert gc.isenabled()


def test_output_dash_writes_the_pdf_to_standard_output(tmp_path):
    from click.testing import CliRunner

    from handouts.cli import main

    runner = CliRunner()
    streamed = runner.invoke(main, ["generate", "botox-neck", "--provider", "dr-rivera", "-o", "-"])
    assert streamed.exit_code == 0, streamed.stderr
    assert streamed.stdout_bytes.startswith(b"%PDF-")
    to_file = runner.invoke(main, ["generate", "botox-neck", "--provider", "dr-rivera", "-o", str(tmp_path / "f.pdf")])
    assert to_file.exit_code == 0
    assert (tmp_path / "f.pdf").read_bytes() == streamed.stdout_bytes
    assert not list(tmp_path.glob(".handout-*"))


def test_a_symlink_or_a_device_at_the_output_path_is_refused(cli, tmp_path):
    import os

    target = tmp_path / "target.pdf"
    target.write_bytes(b"keep me")
    (tmp_path / "link.pdf").symlink_to(target)
    result = cli("generate", "botox-neck", "-o", "link.pdf")
    assert result.exit_code == 1
    assert "is a symbolic link" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "link.pdf").is_symlink() and target.read_bytes() == b"keep me"
    os.mkfifo(tmp_path / "pipe.pdf")
    result = cli("generate", "botox-neck", "-o", "pipe.pdf")
    assert result.exit_code == 1 and "is not a regular file" in result.stderr


def test_new_files_respect_the_umask(cli, tmp_path):
    import os
    import stat

    old = os.umask(0o077)
    try:
        assert cli("generate", "botox-neck", "-o", "private.pdf").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "private.pdf").stat().st_mode) == 0o600
    assert cli("generate", "botox-neck", "-o", "shared.pdf").exit_code == 0
    assert stat.S_IMODE((tmp_path / "shared.pdf").stat().st_mode) == 0o666 & ~old


def test_the_demo_clinic_for_a_patient_is_marked_sample_on_every_page(cli, tmp_path):
    from .conftest import page_texts

    result = cli("generate", "botox-neck", "--patient", "Ana Rivera", "-o", "named.pdf")
    assert result.exit_code == 0
    assert "demo clinic" in result.stderr and "sample" in result.stderr
    pages = page_texts(tmp_path / "named.pdf")
    assert pages and all("Sample — not for patient use" in text for text in pages)
    assert cli("generate", "botox-neck", "-o", "blank.pdf").exit_code == 0  # no patient: an evaluation copy
    assert not any("Sample — not" in text for text in page_texts(tmp_path / "blank.pdf"))


def test_a_default_clinic_per_machine(cli, make_clinic, tmp_path, monkeypatch):
    from .conftest import pdf_text

    path = make_clinic()
    monkeypatch.setenv("HANDOUTS_CLINIC", str(path))
    result = cli("generate", "botox-neck", "--patient", "Ana Rivera", "-o", "env.pdf")
    assert result.exit_code == 0 and "demo" not in result.stderr
    assert "Test Spine Clinic" in pdf_text(tmp_path / "env.pdf") and "Sample — not" not in pdf_text(tmp_path / "env.pdf")
    monkeypatch.delenv("HANDOUTS_CLINIC")
    config = tmp_path / "xdg" / "handouts"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f'clinic = "{path}"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert cli("generate", "botox-neck", "-o", "file.pdf").exit_code == 0
    assert "Test Spine Clinic" in pdf_text(tmp_path / "file.pdf")
    (config / "config.toml").write_text("clinic = 3\n")
    result = cli("generate", "botox-neck", "-o", "bad.pdf")
    assert result.exit_code == 1 and "config.toml: clinic: expected the path of a clinic.toml" in result.stderr
