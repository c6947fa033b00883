#!/usr/bin/env python3
"""`handouts serve` under load, measured in one run on one machine.

    python benchmarks/serve.py                  # the full run: 10,000 requests (about three minutes on 2 cores)
    python benchmarks/serve.py --quick          # 1,000 requests, fewer repetitions
    python benchmarks/serve.py --workers 4      # the server's --workers (default: its own default)
    python benchmarks/serve.py --handouts /tmp/old/bin/handouts   # another installation

Starts the real server (`handouts serve --port 0`: waitress and its build workers) in a
subprocess with the built-in demo clinic (2 procedures × 15 languages), and measures:

- cold `handouts generate` (English, visit date: the request of benchmarks/run.py), the
  median wall time of several fresh processes;
- how long the server takes to listen, to answer a build, and to finish warming its
  workers (from /healthz);
- warm `POST /handout`, one client at a time: the median over a realistic mix of
  requests, and over the very request timed cold, each against the cold time;
- 16 clients at once (threads, each with its own keep-alive `http.client`
  connection), 10,000 requests of the same mix: failures, p50, p99, the slowest;
- the resident memory (VmRSS from /proc) of the server and of each of its child
  processes before those 10,000 requests, after the first 1,000, and at the end.

The mix, drawn with a fixed seed: both procedures; English, Spanish, Chinese
(Simplified), Arabic, Hindi, Vietnamese, Korean and Russian; with and without a
provider, a patient's name (in Latin, Arabic, Chinese and Devanagari script) and a
visit date; now and then A4, large print or grayscale. Every answer must be a 200
with a PDF to count as a success.

Prints a Markdown table with the targets of issue 13; progress goes to stderr. This is
a measurement, not a test: it never fails on a slow machine, it reports.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from run import _children, cpu_times, default_handouts, machine, note

COLD = ["generate", "botox-neck", "--visit-date", "2026-12-01", "-o", "cold.pdf"]
COLD_FIELDS = {"procedure": "botox-neck", "lang": "en", "visit_date": "2026-12-01"}
LANGS = ("en", "es", "zh_Hans", "ar", "hi", "vi", "ko", "ru")
# Front desks see mostly English and Spanish; the rest in turn.
WEIGHTS = (30, 25, 10, 10, 10, 5, 5, 5)
NAMES = (
    "Maria Lopez", "James O'Connor", "Nguyễn Thị Lan", "Zofia Wiśniewska", "Aiyana Redcloud",
    "محمد عبد الله", "فاطمة الزهراء", "王小明", "李静", "राहुल शर्मा", "प्रिया पटेल", "김민준",
)
DATES = ("2026-12-01", "2027-01-15", "2027-03-09", "2027-06-30")
CLIENTS = 16


@dataclass
class Result:
    seconds: float
    error: str | None = None  # None: a 200 with a PDF


def mix(seed: int, count: int, options: dict) -> list[dict[str, str]]:
    """``count`` form posts, as the front desk would send them."""
    rnd = random.Random(seed)
    procedures = [p["id"] for p in options["procedures"]]
    offered = {lang["code"] for lang in options["languages"]}
    langs = [lang for lang in LANGS if lang in offered]
    weights = [w for lang, w in zip(LANGS, WEIGHTS) if lang in offered]
    posts = []
    for _ in range(count):
        procedure = rnd.choice(procedures)
        fields = {"procedure": procedure, "lang": rnd.choices(langs, weights)[0]}
        providers = [p["id"] for p in options["providers"] if procedure in p["procedures"]]
        if providers and rnd.random() < 0.7:
            fields["provider"] = rnd.choice(providers)
        if rnd.random() < 0.6:
            fields["patient"] = rnd.choice(NAMES)
        if rnd.random() < 0.6:
            fields["visit_date"] = rnd.choice(DATES)
        if rnd.random() < 0.05:
            fields["paper"] = "a4"
        if rnd.random() < 0.05:
            fields["large_print"] = "1"
        if rnd.random() < 0.03:
            fields["grayscale"] = "1"
        posts.append(fields)
    return posts


# --- the server ---------------------------------------------------------------------------


def clean_env(config: Path) -> dict[str, str]:
    """This environment, with the demo clinic whatever this machine's default clinic is,
    the caches on and no access token."""
    env = {k: v for k, v in os.environ.items() if k not in ("HANDOUTS_CLINIC", "HANDOUTS_CACHE", "HANDOUTS_TOKEN")}
    env["XDG_CONFIG_HOME"] = str(config)  # no config.toml there: no default clinic
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Server:
    """``handouts serve --port 0`` in a subprocess, and a connection to it per thread."""

    def __init__(self, handouts: str, workers: int | None, work: Path, env: dict[str, str]) -> None:
        cmd = [handouts, "serve", "--port", "0"] + (["--workers", str(workers)] if workers else [])
        self.log = (work / "serve.log").open("wb")
        self.start = time.perf_counter()
        self.process = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log)
        line = self.process.stdout.readline().decode("utf-8", "replace")  # "Serving ... at http://127.0.0.1:PORT/; ..."
        self.listening = time.perf_counter() - self.start
        if "http://" not in line:
            self.stop()
            sys.exit(f"handouts serve did not start: {line!r}\n{(work / 'serve.log').read_text()[-2000:]}")
        url = urllib.parse.urlsplit(line.split(" at ", 1)[1].split(";", 1)[0].strip())
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.options = json.loads(self.get("/api/options"))
        self.csrf = self.options["csrf"]

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    def get(self, path: str) -> bytes:
        conn = self.connect()
        try:
            conn.request("GET", path)
            return conn.getresponse().read()
        finally:
            conn.close()

    def health(self) -> dict:
        conn = self.connect()
        try:
            conn.request("GET", "/healthz")
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def post(self, conn: http.client.HTTPConnection, fields: dict[str, str]) -> Result:
        """One POST /handout on ``conn``; its wall time and what went wrong, if anything."""
        body = urllib.parse.urlencode({**fields, "csrf": self.csrf}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        start = time.perf_counter()
        try:
            conn.request("POST", "/handout", body, headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()  # the next request reconnects
            return Result(time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
        elapsed = time.perf_counter() - start
        if response.status != 200:
            return Result(elapsed, f"{response.status}: {data[:200].decode('utf-8', 'replace').strip()}")
        if response.getheader("Content-Type") != "application/pdf" or not data.startswith(b"%PDF-"):
            return Result(elapsed, "not a PDF")
        return Result(elapsed)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def wait_for(server: Server, ready: str, timeout: float = 300) -> float | None:
    """Seconds from the server's start until /healthz says ``ready`` ("build": a worker
    has started; "warm": every worker has warmed its caches); None if /healthz never
    says so (an installation without that field) within ``timeout``."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            health = server.health()
        except (OSError, ValueError, http.client.HTTPException):
            health = {}
        if ready == "build" and health.get("status") == "ok":
            return time.perf_counter() - server.start
        if ready == "warm":
            if "warm" not in health:
                return None
            if health.get("status") == "ok" and health["warm"] >= health.get("workers", 1):
                return time.perf_counter() - server.start
        time.sleep(0.05)
    return None


# --- memory -----------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def role(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return "gone"
    return "resource tracker" if "resource_tracker" in cmdline else "worker"


def memory(server_pid: int) -> dict[str, tuple[int, float]]:
    """Resident memory of the server and each child, by role: name -> (pid, MB)."""
    found: dict[str, tuple[int, float]] = {}
    mb = rss_mb(server_pid)
    if mb is not None:
        found["server"] = (server_pid, mb)
    counts: dict[str, int] = {}
    for pid in sorted(_children(server_pid)):
        mb = rss_mb(pid)
        if mb is None:
            continue
        kind = role(pid)
        counts[kind] = counts.get(kind, 0) + 1
        found[f"{kind} {counts[kind]}" if kind == "worker" else kind] = (pid, mb)
    return found


# --- load ------------------------------------------------------------------------------------


@dataclass
class Load:
    results: list[Result] = field(default_factory=list)
    samples: list[tuple[int, dict[str, tuple[int, float]]]] = field(default_factory=list)  # (requests done, memory)
    wall: float = 0.0
    steal: float = 0.0  # share of the machine's CPU time taken by other guests meanwhile

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if r.error is not None]


def sequential(server: Server, posts: list[dict[str, str]]) -> list[Result]:
    conn = server.connect()
    try:
        return [server.post(conn, fields) for fields in posts]
    finally:
        conn.close()


def concurrent(server: Server, posts: list[dict[str, str]], clients: int, every: int) -> Load:
    """``posts`` sent by ``clients`` threads at once; memory read before the first and
    after every ``every`` answers."""
    load = Load()
    lock = threading.Lock()
    todo = iter(enumerate(posts))
    done = [0]
    next_sample = [every]
    load.samples.append((0, memory(server.process.pid)))

    def client() -> None:
        conn = server.connect()
        try:
            while True:
                with lock:
                    item = next(todo, None)
                if item is None:
                    return
                result = server.post(conn, item[1])
                with lock:
                    load.results.append(result)
                    done[0] += 1
                    sample = done[0] >= next_sample[0]
                    if sample:
                        next_sample[0] += every
                        count = done[0]
                if sample:
                    load.samples.append((count, memory(server.process.pid)))
                    note(f"  {count} requests, {len([r for r in load.results if r.error])} failed")
        finally:
            conn.close()

    steal0, total0 = cpu_times()
    start = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load.wall = time.perf_counter() - start
    steal1, total1 = cpu_times()
    load.steal = (steal1 - steal0) / (total1 - total0) if total1 > total0 else 0.0
    if load.samples[-1][0] != len(posts):
        load.samples.append((len(posts), memory(server.process.pid)))
    load.samples.sort(key=lambda s: s[0])
    return load


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def cold_generate(handouts: str, work: Path, env: dict[str, str], repeat: int) -> tuple[float, float]:
    """Median and fastest wall time of ``handouts generate`` in a fresh process."""
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([handouts, *COLD], cwd=work, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), min(walls)


def memory_rows(load: Load) -> list[tuple[str, str, str]]:
    """Per process: MB before the load, after the first 1,000 requests, at the end."""
    first, end = load.samples[0], load.samples[-1]
    after = next((s for s in load.samples if s[0] >= 1000), end)
    rows = []
    for name in sorted(set(first[1]) | set(end[1]), key=lambda n: (n != "server", n)):
        values = [s[1].get(name) for s in (first, after, end)]
        text = " / ".join(f"{v[1]:.0f}" if v else "–" for v in values)
        pids = {v[0] for v in values if v}
        replaced = "" if len(pids) <= 1 else " (replaced during the run)"
        series = ", ".join(f"{s[1][name][1]:.0f}" for s in load.samples if name in s[1])
        rows.append((f"RSS of the {name}, MB: before / after {after[0]:,} / after {end[0]:,} requests{replaced}",
                     f"{text} (every {load.samples[1][0] - load.samples[0][0]:,}: {series})" if len(load.samples) > 3 else text,
                     "flat"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 requests under load, fewer repetitions")
    parser.add_argument("--requests", type=int, metavar="N", help="requests under load (default 10,000; 1,000 with --quick)")
    parser.add_argument("--workers", type=int, metavar="N", help="the server's --workers (default: the server's own default)")
    parser.add_argument("--handouts", default=default_handouts(), metavar="PATH",
                        help="the handouts executable to measure (default: the one beside this Python, else on PATH)")
    args = parser.parse_args()
    handouts = str(Path(shutil.which(args.handouts) or args.handouts).absolute())
    if not Path(handouts).is_file():
        parser.error(f"no handouts executable at {handouts} (choose one with --handouts PATH)")
    version = subprocess.run([handouts, "--version"], capture_output=True, text=True).stdout.strip() or "version unknown"
    total = args.requests or (1000 if args.quick else 10_000)
    repeat = 5 if args.quick else 9
    sequential_n = 100 if args.quick else 300
    rows: list[tuple[str, str, str]] = []

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "config").mkdir()
        env = clean_env(work / "config")

        note(f"cold generate: {repeat} fresh processes")
        cold, cold_min = cold_generate(handouts, work, env, repeat)

        note("starting handouts serve")
        server = Server(handouts, args.workers, work, env)
        try:
            build_ready = wait_for(server, "build")
            first = server.post(server.connect(), COLD_FIELDS)
            first_answer = time.perf_counter() - server.start
            warm_ready = wait_for(server, "warm")
            warmed = memory(server.process.pid)
            workers = server.health().get("workers", "?")

            note(f"warm: {sequential_n} mixed requests and {repeat * 3} of the cold one, one at a time")
            posts = mix(1, sequential_n, server.options)
            mixed = sequential(server, posts)
            same = sequential(server, [COLD_FIELDS] * (repeat * 3))
            warm = statistics.median(r.seconds for r in mixed if r.error is None)
            warm_same = statistics.median(r.seconds for r in same if r.error is None)
            seq_failures = [r for r in [first, *mixed, *same] if r.error]

            note(f"load: {total:,} mixed requests from {CLIENTS} clients at once")
            load = concurrent(server, mix(2, total, server.options), CLIENTS, 1000)
            times = [r.seconds for r in load.results]
            log_text = (work / "serve.log").read_text(encoding="utf-8", errors="replace")
        finally:
            server.stop()

    errors: dict[str, int] = {}
    for r in load.failures + seq_failures:
        errors[r.error or ""] = errors.get(r.error or "", 0) + 1

    rows += [
        ("cold `handouts generate` (English, visit date) wall time, median of fresh processes",
         f"{cold:.3f} s (fastest {cold_min:.3f} s; {repeat} runs)", ""),
        ("`handouts serve` listening (the page answers)", f"{server.listening:.2f} s", ""),
        ("… first build answered (a worker has started)",
         f"{build_ready:.2f} s (healthz); first PDF at {first_answer:.2f} s" if build_ready else f"first PDF at {first_answer:.2f} s", ""),
        ("… every worker warm (every procedure × language built once)", f"{warm_ready:.1f} s" if warm_ready else "not reported by /healthz", ""),
        (f"warm `POST /handout`, one client, median of {len(mixed)} mixed requests",
         f"{warm * 1000:.0f} ms = {warm / cold:.2f} × cold (p90 {percentile([r.seconds for r in mixed], 90) * 1000:.0f} ms)", "≤ 0.3 × cold"),
        (f"warm `POST /handout`, the request timed cold, median of {len(same)}",
         f"{warm_same * 1000:.0f} ms = {warm_same / cold:.2f} × cold", "≤ 0.3 × cold"),
        (f"{CLIENTS} clients at once, {len(load.results):,} mixed requests: failures",
         f"{len(load.failures)}" + (f" ({'; '.join(f'{n} × {e}' for e, n in errors.items())[:300]})" if errors else ""), "0"),
        ("… latency p50 / p99 / slowest", f"{statistics.median(times) * 1000:.0f} ms / {percentile(times, 99) * 1000:.0f} ms / "
         f"{max(times) * 1000:.0f} ms", "p99 < 2 s"),
        ("… throughput", f"{len(times) / load.wall:.1f} handouts/s ({load.wall:.0f} s; steal {load.steal:.0%})", ""),
        *memory_rows(load),
    ]
    if "internal error" in log_text or "Traceback" in log_text:
        rows.append(("server log", "has internal errors or tracebacks: see above", "none"))

    print(f"Machine: {machine()}")
    print(f"Measured: {handouts} ({version}); `handouts serve` with {workers} workers, the demo clinic "
          f"({len(server.options['procedures'])} procedures × {len(server.options['languages'])} languages)")
    print(f"Warm-up memory (MB, before the load): {', '.join(f'{k} {v[1]:.0f}' for k, v in warmed.items())}\n")
    print("| measure | result | target |\n|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")


if __name__ == "__main__":
    sys.exit(main())
