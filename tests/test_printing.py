"""Front-desk printing through CUPS lp: the exact commands, the errors, and a real job
through a virtual PDF printer (cups-pdf)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from handouts import printing
from handouts.printing import PrintJob, lp_command

from .conftest import pdf_text

QUEUE = "HandoutsTestPDF"


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        (PrintJob("Front", 1, True, "letter", "t"), ["lp", "-d", "Front", "-n", "1", "-t", "t", "-o", "media=Letter", "-o", "sides=two-sided-long-edge", "--", "-"]),
        (PrintJob("Front", 3, False, "a4", "t"), ["lp", "-d", "Front", "-n", "3", "-t", "t", "-o", "media=A4", "-o", "sides=one-sided", "--", "-"]),
        (PrintJob(None, 2, True, "a4", "t"), ["lp", "-n", "2", "-t", "t", "-o", "media=A4", "-o", "sides=two-sided-long-edge", "--", "-"]),
        (PrintJob(None, 1, False, "letter", "t"), ["lp", "-n", "1", "-t", "t", "-o", "media=Letter", "-o", "sides=one-sided", "--", "-"]),
    ],
)
def test_lp_command_for_each_option(job, expected):
    assert lp_command(job) == expected


def test_dry_run_prints_the_command_without_the_patient(cli):
    result = cli("print", "botox-neck", "--printer", "Front Desk", "--copies", "2", "--no-duplex", "--paper", "a4", "--patient", "Jane Roe", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "lp -d 'Front Desk' -n 2 -t 'handout botox-neck en' -o media=A4 -o sides=one-sided -- -"
    assert "Jane" not in result.stdout


def test_no_cups_installed(cli, monkeypatch):
    monkeypatch.setattr(printing.shutil, "which", lambda name: None)
    result = cli("print", "botox-neck", "--printer", "X")
    assert result.exit_code == 1
    *warnings, error = result.stderr.strip().splitlines()
    assert error.startswith("Error: CUPS is not installed (no lp command)")
    assert all("demo clinic" in w for w in warnings)  # printing the demo clinic says so first


def test_scheduler_not_running(cli, monkeypatch):
    monkeypatch.setattr(printing.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(printing, "_run", lambda cmd: subprocess.CompletedProcess(cmd, 1, "scheduler is not running\n", ""))
    result = cli("print", "botox-neck", "--printer", "X")
    assert result.exit_code == 1
    assert "the CUPS scheduler is not running" in result.stderr


def test_unknown_printer_lists_the_real_ones(cli, monkeypatch):
    answers = {"-r": "scheduler is running\n", "-e": "Front\nBack\n"}
    monkeypatch.setattr(printing.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(printing, "_run", lambda cmd: subprocess.CompletedProcess(cmd, 0, answers.get(cmd[-1], ""), ""))
    result = cli("print", "botox-neck", "--printer", "Nope")
    assert result.exit_code == 2
    assert 'unknown printer "Nope"; available: Front, Back' in result.stderr


def test_preserve_job_files_setting(tmp_path):
    conf = tmp_path / "cupsd.conf"
    conf.write_text("LogLevel warn\n")
    assert printing.keeps_job_files(str(conf))
    conf.write_text("PreserveJobFiles No\n")
    assert not printing.keeps_job_files(str(conf))


@pytest.fixture(scope="module")
def virtual_printer():
    """A real CUPS queue that prints to PDF files (Debian cups + printer-driver-cups-pdf).
    Starts the scheduler if it is not running; CI runs as root."""
    for tool in ("cupsd", "lpadmin", "lp", "lpstat"):
        assert shutil.which(tool), f"{tool} missing: apt-get install cups printer-driver-cups-pdf"
    if "is running" not in subprocess.run(["lpstat", "-r"], capture_output=True, text=True).stdout:
        subprocess.run(["cupsd"], check=True)
        for _ in range(50):
            if "is running" in subprocess.run(["lpstat", "-r"], capture_output=True, text=True).stdout:
                break
            time.sleep(0.1)
    ppd = next(Path("/usr/share/ppd/cups-pdf").glob("CUPS-PDF*.ppd"))
    subprocess.run(["lpadmin", "-p", QUEUE, "-E", "-v", "cups-pdf:/", "-P", str(ppd)], check=True, capture_output=True)
    yield QUEUE
    subprocess.run(["lpadmin", "-x", QUEUE], capture_output=True)


def _cups_pdf_outputs(since: float) -> set[Path]:
    """PDFs cups-pdf wrote since a time (it reuses a job title's file name)."""
    folders = [Path.home() / "PDF", Path("/var/spool/cups-pdf")]
    return {p for folder in folders if folder.is_dir() for p in folder.rglob("*.pdf") if p.stat().st_mtime >= since}


def printed_pdf(since: float, procedure: str = "botox-neck") -> Path:
    """The PDF cups-pdf writes for a job of ``procedure`` sent since a time, once it is
    complete (the job passes CUPS's filters first). Jobs of other procedures, from other
    test runs sharing the machine's CUPS, are not it."""
    new: set[Path] = set()
    for _ in range(200):
        new = {p for p in _cups_pdf_outputs(since) if procedure in p.name}
        if new and all(p.stat().st_size > 0 for p in new):
            break
        time.sleep(0.1)
    assert new, "no PDF arrived from cups-pdf"
    printed = max(new, key=lambda p: p.stat().st_mtime)
    time.sleep(0.3)  # cups-pdf closes the file after its size is first seen
    return printed


def test_job_goes_through_a_real_virtual_printer(cli, virtual_printer, tmp_path):
    start = time.time() - 1
    result = cli("print", "botox-neck", "--printer", virtual_printer, "--patient", "Printy McPrint", "--visit-date", "2026-12-01")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Sent to {virtual_printer}: {virtual_printer}-")
    printed = printed_pdf(start)
    assert "botox-neck" in printed.name and "Printy" not in printed.name
    assert "Printy McPrint" in pdf_text(printed)
    # Nothing with the patient's name was left in the working folder.
    assert not list(tmp_path.rglob("*.pdf"))
