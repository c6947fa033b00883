"""Printing at the front desk through CUPS ``lp``.

The PDF goes to ``lp`` on its standard input: no file with a patient's name is ever
written to disk. The job title names the procedure and language only.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from .errors import HandoutsError, UsageError

MEDIA = {"letter": "Letter", "a4": "A4"}


class PrintError(HandoutsError):
    """CUPS is missing, not running, or refused the job."""


@dataclass(frozen=True)
class PrintJob:
    printer: str | None  # None: the system's default destination
    copies: int = 1
    duplex: bool = True
    paper: str = "letter"
    title: str = "handout"


def job_title(procedure: str, lang: str) -> str:
    """A print job's title, which CUPS logs and shows: procedure and language only."""
    return f"handout {procedure} {lang}"


def lp_command(job: PrintJob) -> list[str]:
    """The exact ``lp`` command line for a job (the PDF comes on standard input)."""
    if job.copies < 1:
        raise UsageError("copies must be 1 or more")
    cmd = ["lp"]
    if job.printer:
        cmd += ["-d", job.printer]
    cmd += [
        "-n", str(job.copies),
        "-t", job.title,
        "-o", f"media={MEDIA[job.paper]}",
        "-o", "sides=two-sided-long-edge" if job.duplex else "sides=one-sided",
        "--",
        "-",
    ]
    return cmd


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)


def printers() -> list[str]:
    """The print queues CUPS knows about."""
    result = _run(["lpstat", "-e"])
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def check_ready(printer: str | None) -> None:
    """Clear errors for the three ways printing fails before it starts."""
    if shutil.which("lp") is None or shutil.which("lpstat") is None:
        raise PrintError("CUPS is not installed (no lp command); on Debian or Ubuntu: apt-get install cups-client (and cups for a local printer)")
    status = _run(["lpstat", "-r"])
    if "is running" not in status.stdout or "not running" in status.stdout:
        raise PrintError("the CUPS scheduler is not running; start it (for example: systemctl start cups, or run cupsd)")
    available = printers()
    if printer is None:
        default = _run(["lpstat", "-d"]).stdout
        if "no system default" in default or ":" not in default:
            raise UsageError(f"no default printer; choose one with --printer ({', '.join(available) or 'none are set up'})")
    elif printer not in available:
        raise UsageError(f"unknown printer \"{printer}\"; available: {', '.join(available) or 'none are set up'}")


def keeps_job_files(conf: str = "/etc/cups/cupsd.conf") -> bool:
    """Whether CUPS keeps a copy of printed documents on disk (its default: one day).
    False only when the configuration says ``PreserveJobFiles No``."""
    try:
        with open(conf, encoding="utf-8", errors="replace") as fh:
            settings = [line.split() for line in fh if line.strip().lower().startswith("preservejobfiles")]
    except OSError:
        return True
    return not any(len(words) > 1 and words[1].lower() in ("no", "off", "false") for words in settings)


def send(pdf: bytes, job: PrintJob) -> str:
    """Print ``pdf``; returns CUPS's request id (e.g. "PDF-12")."""
    check_ready(job.printer)
    cmd = lp_command(job)
    try:
        result = subprocess.run(cmd, input=pdf, capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        raise PrintError("lp did not answer within 60 seconds") from None
    out = result.stdout.decode(errors="replace").strip()
    if result.returncode != 0:
        err = result.stderr.decode(errors="replace").strip().splitlines()
        raise PrintError(f"lp refused the job: {err[-1] if err else 'exit code ' + str(result.returncode)}")
    # "request id is PDF-3 (1 file(s))"
    return out.split("request id is", 1)[-1].split("(")[0].strip() if "request id is" in out else out
