#!/usr/bin/env python3
"""Speed, memory and size of handouts, measured in one run on one machine.

    python benchmarks/run.py                        # the full table (about ten minutes on 2 cores)
    python benchmarks/run.py --quick                # fewer repetitions, smaller batches
    python benchmarks/run.py --only batch --quick   # just the batch rows, for a side-by-side
    python benchmarks/run.py --handouts /tmp/old/bin/handouts   # time another installation

Prints a Markdown table with the targets from the project's batch issue. This is a
measurement, not a test: it never fails on a slow machine, it reports.

Every batch runs twice over: with the caches on (the default) and with the environment
variable HANDOUTS_CACHE=off, which turns every in-memory and disk cache of handouts off
(a version without that switch ignores it, and the two rows then measure the same thing).

Memory: while a batch runs, its processes are read from /proc every 50 ms and each
one's VmHWM (its peak resident set) kept. "Per worker" is the largest of those of any
single worker (a process the batch started), not their sum; the batch's own process,
which makes the first handout of each language before the workers fork, is shown
apart as "main". A worker's resident set counts the pages it shares with the main
process after the fork. Without /proc, the largest max RSS of any process (getrusage)
stands in for both.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROVIDERS_50 = HERE / "providers-50.csv"
GROUPS = ("startup", "batch", "floor", "shaping")
SHAPED = ("en", "ru", "vi", "ar", "ja", "zh_Hans")  # the shaping rows' languages (issue 14: kerning, Arabic, Latin in CJK lines)
POLL_S = 0.05  # how often a batch's processes are read from /proc


def default_handouts() -> str:
    """The console script next to this Python, else the first on PATH."""
    beside = Path(sys.executable).parent / "handouts"
    return str(beside) if beside.exists() else shutil.which("handouts") or "handouts"


def python_of(exe: str) -> str:
    """The Python a ``handouts`` console script runs with (read from its first lines),
    so in-process measurements and callgrind use the same installation; this Python
    where that cannot be told."""
    try:
        with open(exe, "rb") as fh:
            head = fh.read(1024).decode("utf-8", "replace").splitlines()
    except OSError:
        return sys.executable
    if not head or not head[0].startswith("#!"):
        return sys.executable
    try:
        parts = shlex.split(head[0][2:])
        if parts and "python" in Path(parts[0]).name:
            return parts[0]
        if len(parts) > 1 and Path(parts[0]).name == "env" and "python" in parts[1]:
            return shutil.which(parts[1]) or sys.executable
        for line in head[1:4]:  # pip's form for long paths: #!/bin/sh then '''exec' PYTHON "$0" "$@"
            if line.startswith("'''exec' "):
                return shlex.split(line[len("'''exec' "):])[0]
    except ValueError:
        pass
    return sys.executable


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


def env_with(cache: bool) -> dict[str, str]:
    """This environment, with the caches of handouts on (the default) or off."""
    env = {k: v for k, v in os.environ.items() if k != "HANDOUTS_CACHE"}
    if not cache:
        env["HANDOUTS_CACHE"] = "off"
    return env


def note(message: str) -> None:
    """Progress, on stderr: the table alone goes to stdout."""
    print(message, file=sys.stderr, flush=True)


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
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env=env_with(True))
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
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd], cwd=cwd, capture_output=True, text=True,
        env=env_with(True),
    )
    found = [line for line in result.stderr.splitlines() if "Collected :" in line]
    return int(found[-1].split(":")[-1]) if result.returncode == 0 and found else None


# --- one measured run --------------------------------------------------------------------


@dataclass
class Run:
    output: str
    returncode: int
    wall: float  # seconds
    cpu: float  # user + system seconds of the command and every process it started
    peak_mb: float  # getrusage: largest max RSS of the command or any process it started
    steal: float  # share of the machine's CPU time taken by other guests meanwhile
    main_mb: float | None = None  # /proc: VmHWM of the command's own process
    workers_mb: list[float] = field(default_factory=list)  # /proc: VmHWM of each process it started

    @property
    def worker_mb(self) -> float | None:
        """The largest peak RSS of any single worker; None if none was seen."""
        return max(self.workers_mb) if self.workers_mb else None


def cpu_times() -> tuple[int, int]:
    """(steal, total) jiffies of all CPUs since boot; (0, 0) where /proc/stat is missing.
    On a shared virtual machine, steal is time our CPUs spent running someone else."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


_HAS_CHILDREN_FILE = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _children(pid: int) -> list[int]:
    if _HAS_CHILDREN_FILE:
        kids: list[int] = []
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return []
        for task in tasks:  # a child belongs to the thread that started it
            try:
                kids += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except (OSError, ValueError):
                pass
        return kids
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return kids


def _hwm_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _watch(top: int, peaks: dict[int, int], stop: threading.Event) -> None:
    """Every POLL_S until stopped: the peak RSS of ``top`` and each of its descendants."""
    while not stop.is_set():
        todo = [top]
        while todo:
            pid = todo.pop()
            kib = _hwm_kib(pid)
            if kib is not None:
                peaks[pid] = max(peaks.get(pid, 0), kib)
            todo += _children(pid)
        stop.wait(POLL_S)


def run_measured(cmd: list[str], cwd: Path, cache: bool = True) -> Run:
    """Run a command, watching its processes, and measure it."""
    steal0, total0 = cpu_times()
    peaks: dict[int, int] = {}
    stop = threading.Event()
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env_with(cache), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        watcher = threading.Thread(target=_watch, args=(proc.pid, peaks, stop), daemon=True)
        if Path("/proc").is_dir():
            watcher.start()
        # wait4: the resources of the command and of every process of it that was waited for.
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        if watcher.is_alive():
            watcher.join()
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    steal1, total1 = cpu_times()
    steal = (steal1 - steal0) / (total1 - total0) if total1 > total0 else 0.0
    main_kib = peaks.pop(proc.pid, None)
    return Run(
        output, proc.returncode, elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, steal,
        main_kib / 1024 if main_kib else None, [kib / 1024 for kib in peaks.values()],
    )


# --- batches ----------------------------------------------------------------------------


@dataclass
class Batch:
    written: int
    run: Run

    @property
    def failed(self) -> bool:
        return self.run.returncode != 0

    def rate(self) -> float:
        return self.written / self.run.wall if self.run.wall > 0 else 0.0


def bench_clinic(work: Path, demo: Path) -> Path:
    """The demo clinic's settings without its own providers, so a batch makes exactly
    the CSV's providers × languages."""
    text = demo.read_text(encoding="utf-8").split("[[providers]]")[0]
    path = work / "clinic.toml"
    path.write_text(text.replace('logo = "logo.svg"', f'logo = "{demo.parent / "logo.svg"}"'), encoding="utf-8")
    return path


def clinic_languages(clinic: Path) -> list[str]:
    try:
        import tomllib

        return list(tomllib.loads(clinic.read_text(encoding="utf-8"))["clinic"]["languages"])
    except Exception:  # noqa: BLE001 - a count for a label only
        return []


def batch(handouts: str, csv_path: Path, jobs: int, work: Path, name: str, cache: bool = True) -> Batch:
    out = work / name
    shutil.rmtree(out, ignore_errors=True)
    run = run_measured(
        [handouts, "batch", "--clinic", str(work / "clinic.toml"), "--providers", str(csv_path), "--out", str(out),
         "--jobs", str(jobs), "--force"], work, cache
    )
    if name.startswith("scale"):  # thousands of PDFs: free the disk
        shutil.rmtree(out, ignore_errors=True)
    written = 0
    for line in run.output.splitlines():
        if " written" in line:
            try:
                written = int(line.split(" written")[0].split()[-1])
            except (ValueError, IndexError):
                pass
    return Batch(written, run)


def scaled_csv(rows: int, work: Path) -> Path:
    """A provider CSV with ``rows`` providers × 1 language (English)."""
    path = work / f"providers-{rows}.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "credentials", "phone", "procedures", "languages"])
        for i in range(rows):
            w.writerow([f"p{i:05d}", f"Provider {i}", "MD", f"(555) 010-{i % 10000:04d}", "botox-neck", "en"])
    return path


def every_language_csv(rows: int, work: Path) -> Path:
    """The first ``rows`` providers of providers-50.csv with no languages of their own, so
    each gets every language the clinic offers."""
    with PROVIDERS_50.open(newline="") as fh:
        providers = list(csv.DictReader(fh))[:rows]
    path = work / f"providers-{rows}-all-languages.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "name", "credentials", "phone", "procedures", "languages"])
        w.writeheader()
        for row in providers:
            w.writerow({**row, "languages": ""})
    return path


def throughput(b: Batch, others: list[Batch] | None = None) -> str:
    if b.written == 0:
        return f"failed (exit {b.run.returncode}): {last_line(b.run.output)}"
    text = f"{b.rate():.1f} handouts/s ({b.written} in {b.run.wall:.1f} s; steal {b.run.steal:.0%})"
    if b.failed:
        text += f"; exit {b.run.returncode}: {last_line(b.run.output)}"
    if others and len(others) > 1:
        text += f"; median of {', '.join(f'{o.rate():.1f}' for o in others)}"
    return text


def cpu_per_handout(b: Batch) -> str:
    return f"{b.run.cpu / b.written * 1000:.0f} ms" if b.written else "–"


def per_worker(b: Batch) -> str:
    """Peak RSS of the largest worker, and of the main process."""
    r = b.run
    if r.worker_mb is not None:
        main = f"; main process {r.main_mb:.0f} MB" if r.main_mb is not None else ""
        return f"{r.worker_mb:.0f} MB ({len(r.workers_mb)} workers{main})"
    if r.main_mb is not None:
        return f"no worker seen; main process {r.main_mb:.0f} MB"
    return f"{r.peak_mb:.0f} MB (largest of any process, getrusage; no /proc)"


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[-1][:160] if lines else "no output").replace("|", "/")


# --- in-process -----------------------------------------------------------------------------


def floor_per_handout(count: int) -> tuple[float, float]:
    """Our in-process build time per handout, and ReportLab's floor for the same text:
    the handout's paragraphs in one plain frame, same fonts, no columns, graphics,
    header, QR code or logo. Runs in the Python of the installation measured (see
    ``--inprocess``)."""
    from dataclasses import replace
    from io import BytesIO

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from handouts import model as m
    from handouts.brand import Palette
    from handouts.config import Provider, load_clinic
    from handouts.fonts import stack_for
    from handouts.pipeline import build, make_request, template_roots
    from handouts.render import render_document
    from handouts.styles import Styles

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


def per_language(count: int) -> dict[str, tuple[float, float]]:
    """Per language of :data:`SHAPED`: the in-process build time of the first handout
    of a process (every paragraph shaped, broken and drawn afresh; the templates
    compiled and fonts read before, by a handout in another language), and of a batch
    handout after it (warm, a new provider each). Runs in the Python of the
    installation measured (see ``--perlanguage``)."""
    from dataclasses import replace

    from handouts.config import Provider, load_clinic
    from handouts.pipeline import build, make_request

    clinic = load_clinic(None)
    with PROVIDERS_50.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    build(make_request(clinic, "botox-migraine", "es", "dr-rivera"))  # start-up paid elsewhere
    out = {}
    for lang in SHAPED:
        request = make_request(clinic, "botox-neck", lang, "dr-rivera")
        start = time.perf_counter()
        build(request)
        first = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(count):
            row = rows[i % len(rows)]
            provider = Provider(row["id"], f"{row['name']}, {row['credentials']}", row["phone"], ("botox-neck",))
            build(replace(request, provider=provider, clinic=replace(request.clinic, providers=(provider,))))
        out[lang] = (first, (time.perf_counter() - start) / count)
    return out


_DEMO = (
    "import pathlib, handouts\n"
    "try:\n"
    "    from handouts.resources import demo_clinic_path; print(demo_clinic_path())\n"
    "except Exception:\n"
    "    print(pathlib.Path(handouts.__file__).parent / 'demo' / 'clinic.toml')\n"
)


def in_target(python: str, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([python, *args], capture_output=True, text=True, env=env_with(True))


# --- the table ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and smaller batches")
    parser.add_argument("--scale", type=int, metavar="N",
                        help="handouts in the scale batch (N providers × English; default 5000; 300 with --quick)")
    parser.add_argument("--only", default=",".join(GROUPS), metavar="GROUPS",
                        help=f"comma-separated groups to measure, of {', '.join(GROUPS)} (default: all). "
                             "startup: --help, cold generate, callgrind, PDF size; batch: every `handouts batch` row; "
                             "floor: in-process build vs plain ReportLab; "
                             "shaping: in-process build per handout in en/ru/vi/ar/ja/zh_Hans (run it with --handouts "
                             "for the code before a change, for a before/after)")
    parser.add_argument("--handouts", default=default_handouts(), metavar="PATH",
                        help="the handouts executable to measure (default: the one beside this Python, else on PATH); "
                             "in-process rows use the Python it runs with")
    parser.add_argument("--inprocess", type=int, metavar="N", help=argparse.SUPPRESS)  # floor_per_handout(N), in the target
    parser.add_argument("--perlanguage", type=int, metavar="N", help=argparse.SUPPRESS)  # per_language(N), in the target
    args = parser.parse_args()
    if args.inprocess:
        ours, floor = floor_per_handout(args.inprocess)
        print(ours, floor)
        return None
    if args.perlanguage:
        for lang, (first, warm) in per_language(args.perlanguage).items():
            print(lang, first, warm)
        return None
    groups = {g.strip() for g in args.only.split(",") if g.strip()}
    if not groups or groups - set(GROUPS):
        parser.error(f"--only takes some of {', '.join(GROUPS)}")
    handouts = shutil.which(args.handouts) or args.handouts
    handouts = str(Path(handouts).absolute())
    if not Path(handouts).is_file():
        parser.error(f"no handouts executable at {handouts} (choose one with --handouts PATH)")
    python = python_of(handouts)
    version = subprocess.run([handouts, "--version"], capture_output=True, text=True).stdout.strip() or "version unknown"
    repeat = 5 if args.quick else 9  # short commands: the median of several runs
    rows: list[tuple[str, str, str]] = []

    demo_out = in_target(python, ["-c", _DEMO])
    demo = Path(demo_out.stdout.strip() or "clinic.toml")
    if demo_out.returncode != 0 or not demo.is_file():
        sys.exit(f"cannot find the demo clinic of the handouts installed for {python}:\n{demo_out.stderr}")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clinic = bench_clinic(work, demo)

        if "startup" in groups:
            note("startup: --help, cold generate")
            help_s = wall([handouts, "--help"], work, repeat)
            cold = [handouts, "generate", "botox-neck", "--visit-date", "2026-12-01", "-o", "cold.pdf"]
            cold_s, cold_min, cold_cpu = timed(cold, work, repeat)
            # The console script run by the Python it was installed for.
            cold_ir = instructions([python, *cold], work)
            size_kb = (work / "cold.pdf").stat().st_size / 1024
            pages = subprocess.run(["pdfinfo", str(work / "cold.pdf")], capture_output=True, text=True).stdout if shutil.which("pdfinfo") else ""
            pages_n = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
            rows += [
                ("`handouts --help` wall time", f"{help_s:.3f} s", "≤ 0.15 s"),
                ("cold `handouts generate` (English, visit date) wall time", f"{cold_s:.2f} s (fastest {cold_min:.2f} s)", "≤ 0.6 s"),
                ("the same, CPU time (user + system)", f"{cold_cpu:.2f} s", ""),
                ("the same, instructions executed (callgrind; repeatable to 0.1 %)",
                 f"{cold_ir / 1e6:.0f} million" if cold_ir else "valgrind not installed", ""),
                ("PDF size, 2-page Latin handout", f"{size_kb:.0f} KB ({pages_n} pages)", "≤ 80 KB"),
            ]

        if "batch" in groups:
            csv_path = PROVIDERS_50
            note("batch: 50 providers × 5 languages, --jobs 1")
            b1 = batch(handouts, csv_path, 1, work, "batch-1")
            # jobs 2 is measured three times each way and the median run reported, with
            # the others: on a shared machine one run can lose half its CPU to other
            # guests. Caches on and off take turns, so a slow period hits both.
            on: list[Batch] = []
            off: list[Batch] = []
            for i in range(1 if args.quick else 3):
                note(f"batch: 50 providers × 5 languages, --jobs 2, caches on ({i + 1})")
                on.append(batch(handouts, csv_path, 2, work, "batch-2"))
                note(f"batch: 50 providers × 5 languages, --jobs 2, HANDOUTS_CACHE=off ({i + 1})")
                off.append(batch(handouts, csv_path, 2, work, "batch-2-off", cache=False))
            b2 = sorted(on, key=lambda b: b.run.wall)[len(on) // 2]
            b2_off = sorted(off, key=lambda b: b.run.wall)[len(off) // 2]
            any_process = max(b.run.peak_mb for b in [b1, *on, *off])

            note("batch: up-to-date re-run")
            rerun = run_measured([handouts, "batch", "--clinic", str(clinic), "--providers", str(csv_path),
                                  "--out", str(work / "batch-2"), "--jobs", "2"], work)

            big_n = args.scale or (300 if args.quick else 5000)
            note("batch: 100 × English, --jobs 2 (memory flatness)")
            small = batch(handouts, scaled_csv(100, work), 2, work, "scale-small")
            big_csv = scaled_csv(big_n, work)
            note(f"batch: {big_n} × English, --jobs 2, caches on")
            big = batch(handouts, big_csv, 2, work, "scale-on")
            note(f"batch: {big_n} × English, --jobs 2, HANDOUTS_CACHE=off")
            big_off = batch(handouts, big_csv, 2, work, "scale-off", cache=False)

            n_all = 10 if args.quick else 50
            langs = clinic_languages(clinic)
            n_langs = f"{len(langs)} languages" if langs else "every language"
            note(f"batch: {n_all} providers × {n_langs}, --jobs 2")
            every = batch(handouts, every_language_csv(n_all, work), 2, work, "every-language")

            def three(label: str, b: Batch, target: str = "", others: list[Batch] | None = None) -> list[tuple[str, str, str]]:
                return [
                    (label, throughput(b, others), target),
                    ("… CPU time per handout (user + system of the batch process and its workers)", cpu_per_handout(b), ""),
                    ("… peak RSS per worker process (largest VmHWM of any one worker)", per_worker(b), "≤ 150 MB"),
                ]

            rows += [
                ("batch 50 providers × 5 languages, `--jobs 1`", throughput(b1), ""),
                ("… CPU time per handout (user + system)", cpu_per_handout(b1), ""),
                *three("batch 50 providers × 5 languages, `--jobs 2`", b2, "≥ 40 handouts/s", on),
                *three("the same, `HANDOUTS_CACHE=off`", b2_off, "", off),
                ("up-to-date re-run of that batch (caches on)", f"{rerun.wall:.2f} s" if rerun.returncode == 0 and b2.written
                 else f"failed (exit {rerun.returncode}): {last_line(rerun.output)}", "seconds"),
                ("largest peak RSS of any process (main or worker) in the 50 × 5 batches (getrusage)", f"{any_process:.0f} MB", ""),
                *three(f"batch {big_n} providers × English, `--jobs 2`", big),
                *three("the same, `HANDOUTS_CACHE=off`", big_off),
                (f"peak RSS per worker, batch of 100 vs {big_n} handouts (caches on)",
                 f"{small.run.worker_mb or small.run.peak_mb:.0f} MB vs {big.run.worker_mb or big.run.peak_mb:.0f} MB"
                 if small.written and big.written else "–", "flat"),
                *three(f"batch {n_all} providers × {n_langs} (all the demo clinic offers), `--jobs 2`", every),
            ]

    if "floor" in groups:
        note("floor: in-process build vs plain ReportLab")
        floor_run = in_target(python, [str(Path(__file__).resolve()), "--inprocess", str(20 if args.quick else 50)])
        try:
            ours, floor = (float(v) for v in floor_run.stdout.split()[-2:])
            rows += [
                ("in-process build, per batch handout (warm, en/es/zh/vi/ar mix, a new provider each)", f"{ours * 1000:.0f} ms", ""),
                ("plain ReportLab floor for the same text, per handout", f"{floor * 1000:.0f} ms", ""),
                ("ratio handouts / floor (below 1: handouts reuses work across handouts, the floor does not)", f"{ours / floor:.1f}×", ""),
            ]
        except ValueError:
            rows.append(("in-process build vs plain ReportLab floor", f"not measured: {last_line(floor_run.stderr)}", ""))

    if "shaping" in groups:
        note("shaping: in-process build per handout, en/ru/vi/ar")
        # The median of a few processes: the first handout of a language is made once
        # per process.
        runs = [in_target(python, [str(Path(__file__).resolve()), "--perlanguage", str(10 if args.quick else 30)])
                for _ in range(3 if args.quick else 5)]
        measured: dict[str, list[tuple[float, float]]] = {}
        for run in runs:
            for line in run.stdout.splitlines():
                lang, first, warm = line.split()
                measured.setdefault(lang, []).append((float(first), float(warm)))
        if not measured:
            rows.append(("in-process build per language", f"not measured: {last_line(runs[-1].stderr)}", ""))
        for lang in SHAPED:
            if lang in measured:
                first = statistics.median(f for f, _ in measured[lang])
                warm = statistics.median(w for _, w in measured[lang])
                rows.append((f"in-process build, botox-neck `{lang}`: first of its language in a process / a batch handout after it",
                             f"{first * 1000:.0f} ms / {warm * 1000:.1f} ms", ""))

    print(f"Machine: {machine()}")
    print(f"Measured: {handouts} ({version}; Python {python})")
    print("(\"steal\": CPU time the virtual machine's host gave to other guests during that run. "
          "\"…\" rows are about the batch in the row above them.)\n")
    print("| measure | result | target |\n|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")
    return None


if __name__ == "__main__":
    sys.exit(main())
