#!/usr/bin/env python3
"""Speed, memory and size of handouts, measured in one run on one machine.

    python benchmarks/run.py            # the full table (about two minutes on 2 cores)
    python benchmarks/run.py --quick    # fewer repetitions, smaller batches

Prints a Markdown table with the targets from the project's batch issue. This is a
measurement, not a test: it never fails on a slow machine, it reports.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROVIDERS_50 = HERE / "providers-50.csv"
HANDOUTS = shutil.which("handouts") or "handouts"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def wall(cmd: list[str], cwd: Path, repeat: int) -> float:
    """Median wall time of a command, in seconds."""
    return timed(cmd, cwd, repeat)[0]


def timed(cmd: list[str], cwd: Path, repeat: int) -> tuple[float, float, float]:
    """Median wall time, fastest wall time and median CPU time (user + system) of a
    command, in seconds."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def instructions(cmd: list[str], cwd: Path) -> int | None:
    """Instructions a command executes, counted by valgrind's callgrind: unlike seconds,
    the same on every run whatever else the machine is doing (a change of 1 % shows).
    None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd], cwd=cwd, capture_output=True, text=True
    )
    found = [line for line in result.stderr.splitlines() if "Collected :" in line]
    return int(found[-1].split(":")[-1]) if result.returncode == 0 and found else None


_PEAK = (
    "import resource, subprocess, sys;"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
    "sys.stdout.write(r.stdout);"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
    "print(u.ru_utime + u.ru_stime);"
    "print(u.ru_maxrss)"
)


@dataclass
class Run:
    output: str
    wall: float  # seconds
    cpu: float  # user + system seconds of every process the command started
    peak_mb: float  # largest resident set of any one of them (a batch worker)
    steal: float  # share of the machine's CPU time taken by other guests meanwhile


def cpu_times() -> tuple[int, int]:
    """(steal, total) jiffies of all CPUs since boot; (0, 0) where /proc/stat is missing.
    On a shared virtual machine, steal is time our CPUs spent running someone else."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def run_measured(cmd: list[str], cwd: Path) -> Run:
    """Run a command in a wrapper process and measure it."""
    steal0, total0 = cpu_times()
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _PEAK, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    steal1, total1 = cpu_times()
    *output, cpu, peak_kib = result.stdout.rstrip("\n").split("\n")
    steal = (steal1 - steal0) / (total1 - total0) if total1 > total0 else 0.0
    return Run("\n".join(output), elapsed, float(cpu), int(peak_kib) / 1024, steal)


def bench_clinic(work: Path) -> Path:
    """The demo clinic's settings without its own providers, so a batch makes exactly
    the CSV's providers × languages."""
    from handouts.resources import demo_clinic_path

    demo = demo_clinic_path()
    text = demo.read_text(encoding="utf-8").split("[[providers]]")[0]
    path = work / "clinic.toml"
    path.write_text(text.replace('logo = "logo.svg"', f'logo = "{demo.parent / "logo.svg"}"'), encoding="utf-8")
    return path


def batch(csv_path: Path, jobs: int, work: Path, name: str) -> tuple[int, Run]:
    out = work / name
    shutil.rmtree(out, ignore_errors=True)
    run = run_measured(
        [HANDOUTS, "batch", "--clinic", str(work / "clinic.toml"), "--providers", str(csv_path), "--out", str(out),
         "--jobs", str(jobs), "--force"], work
    )
    written = int(run.output.split(" written")[0]) if " written" in run.output else 0
    return written, run


def scaled_csv(rows: int, work: Path) -> Path:
    """A provider CSV with ``rows`` providers × 1 language (English)."""
    path = work / f"providers-{rows}.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "credentials", "phone", "procedures", "languages"])
        for i in range(rows):
            w.writerow([f"p{i:05d}", f"Provider {i}", "MD", f"(555) 010-{i % 10000:04d}", "botox-neck", "en"])
    return path


def floor_per_handout(count: int) -> tuple[float, float]:
    """Our in-process build time per handout, and ReportLab's floor for the same text:
    the handout's paragraphs in one plain frame, same fonts, no columns, graphics,
    header, QR code or logo."""
    from io import BytesIO

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from handouts import model as m
    from handouts.brand import Palette
    from handouts.config import load_clinic
    from handouts.fonts import stack_for
    from handouts.layout import Styles
    from handouts.pipeline import build, make_request, template_roots
    from handouts.render import render_document

    from dataclasses import replace

    from handouts.config import Provider

    clinic = load_clinic(None)
    langs = ["en", "es", "zh_Hans", "vi", "ar"]
    # As a batch makes them: no patient, no visit date.
    requests = [make_request(clinic, "botox-neck", lang, "dr-rivera") for lang in langs]
    for r in requests:  # warm caches, as a batch worker would be
        build(r)
    # Then a new provider for every handout, as in a batch (their names and phones
    # cannot come from a cache).
    with PROVIDERS_50.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    start = time.perf_counter()
    for i in range(count):
        row = rows[i % len(rows)]
        provider = Provider(row["id"], f"{row['name']}, {row['credentials']}", row["phone"], ("botox-neck",))
        request = requests[i % len(requests)]
        build(replace(request, provider=provider, clinic=replace(request.clinic, providers=(provider,))))
    ours = (time.perf_counter() - start) / count

    docs = [render_document(r, template_roots(clinic)) for r in requests]
    stories = []
    for doc, lang in zip(docs, langs):
        styles = Styles(stack_for(lang), Palette.from_hex("#1F4E79", "#B3261E"), 12, "en" if lang == "ar" else lang, False)
        texts = [t for t in doc.texts() if t]
        stories.append((styles, texts))
    start = time.perf_counter()
    for i in range(count):
        styles, texts = stories[i % len(stories)]
        body = ParagraphStyle("b", fontName=styles.body.fontName, fontSize=12, leading=15, wordWrap=styles.body.wordWrap)
        story = [Paragraph(styles.markup((m.Run(t),)), body) for t in texts]
        SimpleDocTemplate(BytesIO(), invariant=1).build(story)
    floor = (time.perf_counter() - start) / count
    return ours, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and smaller batches")
    parser.add_argument("--scale", type=int, default=1000, help="handouts in the memory-flatness batch (default 1000)")
    args = parser.parse_args()
    repeat = 5 if args.quick else 9  # short commands: the median of several runs
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bench_clinic(work)
        help_s = wall([HANDOUTS, "--help"], work, repeat)
        cold = [HANDOUTS, "generate", "botox-neck", "--visit-date", "2026-12-01", "-o", "cold.pdf"]
        cold_s, cold_min, cold_cpu = timed(cold, work, repeat)
        # The console script run by this Python (the environment handouts is installed in).
        cold_ir = instructions([sys.executable, *cold], work)
        size_kb = (work / "cold.pdf").stat().st_size / 1024
        pages = subprocess.run(["pdfinfo", str(work / "cold.pdf")], capture_output=True, text=True).stdout
        pages_n = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")

        csv_path = PROVIDERS_50
        n1, b1 = batch(csv_path, 1, work, "batch-1")
        # jobs 2 is measured three times and the median run reported, with the others:
        # on a shared machine one run can lose half its CPU to other guests.
        twos = sorted((batch(csv_path, 2, work, "batch-2") for _ in range(1 if args.quick else 3)), key=lambda r: r[1].wall)
        n2, b2 = twos[len(twos) // 2]
        rss_batch = max(b1.peak_mb, *(r.peak_mb for _, r in twos))

        big_n = 300 if args.quick else args.scale
        rss_small = batch(scaled_csv(100, work), 2, work, "m-small")[1].peak_mb
        rss_big = batch(scaled_csv(big_n, work), 2, work, "m-big")[1].peak_mb

        rerun_s = wall([HANDOUTS, "batch", "--clinic", str(work / "clinic.toml"), "--providers", str(csv_path),
                        "--out", str(work / "batch-2"), "--jobs", "2"], work, 1)

    ours, floor = floor_per_handout(20 if args.quick else 50)

    rows = [
        ("`handouts --help` wall time", f"{help_s:.3f} s", "≤ 0.15 s"),
        ("cold `handouts generate` (English, visit date) wall time", f"{cold_s:.2f} s (fastest {cold_min:.2f} s)", "≤ 0.6 s"),
        ("the same, CPU time (user + system)", f"{cold_cpu:.2f} s", ""),
        ("the same, instructions executed (callgrind; repeatable to 0.1 %)",
         f"{cold_ir / 1e6:.0f} million" if cold_ir else "valgrind not installed", ""),
        ("PDF size, 2-page Latin handout", f"{size_kb:.0f} KB ({pages_n} pages)", "≤ 80 KB"),
        ("batch 50 providers × 5 languages, `--jobs 1`", f"{n1 / b1.wall:.1f} handouts/s ({n1} in {b1.wall:.1f} s; steal {b1.steal:.0%})", ""),
        ("batch 50 providers × 5 languages, `--jobs 2`", f"{n2 / b2.wall:.1f} handouts/s ({n2} in {b2.wall:.1f} s; steal {b2.steal:.0%})"
         + (f"; median of {', '.join(f'{n / r.wall:.1f}' for n, r in twos)}" if len(twos) > 1 else ""), "≥ 40 handouts/s"),
        ("CPU time per handout in that batch (all processes, user + system)", f"{b2.cpu / max(n2, 1) * 1000:.0f} ms", ""),
        ("up-to-date re-run of that batch", f"{rerun_s:.2f} s", "seconds"),
        ("peak RSS of one process during the batches", f"{rss_batch:.0f} MB", "≤ 150 MB per worker"),
        (f"peak RSS of one process, batch of 100 vs {big_n} handouts", f"{rss_small:.0f} MB vs {rss_big:.0f} MB", "flat"),
        ("in-process build, per batch handout (warm, en/es/zh/vi/ar mix, a new provider each)", f"{ours * 1000:.0f} ms", ""),
        ("plain ReportLab floor for the same text, per handout", f"{floor * 1000:.0f} ms", ""),
        ("ratio handouts / floor (below 1: handouts reuses work across handouts, the floor does not)", f"{ours / floor:.1f}×", ""),
    ]
    print(f"Machine: {machine()}")
    print("(\"steal\": CPU time the virtual machine's host gave to other guests during that run.)\n")
    print("| measure | result | target |\n|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")


if __name__ == "__main__":
    sys.exit(main())
