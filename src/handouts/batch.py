"""Batch generation: every provider × procedure × language, in worker processes,
incrementally, with failures kept to their own items.

Layout of the output: ``<out>/<provider>/<procedure>/<procedure>.<lang>.pdf`` plus a
``manifest.json`` that lists every file (no patient data: batches are never
personalised). A re-run rebuilds only items whose inputs changed: the fingerprint of an
item covers the code, the procedure's templates, the language's catalog, the clinic file
and logo, the provider's row and the paper size.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from . import __version__
from .config import Clinic, Provider, _Invalid, _phone, _provider_id, _text
from .errors import HandoutsError, UsageError
from .speed import code_version

MANIFEST = "manifest.json"
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
CSV_COLUMNS = ("id", "name", "credentials", "phone", "procedures", "languages")


@dataclass(frozen=True)
class Item:
    """One handout to make."""

    provider: Provider
    procedure: str
    language: str
    path: Path  # relative to the output folder
    paper: str | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class Failure:
    what: str  # "provider dr-x", "dr-x/botox-neck/es"
    reason: str


@dataclass
class Summary:
    written: int = 0
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    bundles: list[Path] = field(default_factory=list)


# --- providers ---------------------------------------------------------------------------


def read_provider_csv(path: Path, known_procedures: Iterable[str]) -> tuple[list[Provider], list[Failure]]:
    """Providers from a practice-management export. A bad row is a failure of that
    provider only; the others still go ahead."""
    known = set(known_procedures)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise HandoutsError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise HandoutsError(f"{path}: not UTF-8 text; export the CSV as UTF-8") from None
    # The csv module, not str.splitlines(): a quoted field may hold a line break, and a
    # name may hold U+2028, neither of which ends a row. The delimiter is sniffed from
    # the header: Excel writes ";" where the decimal mark is a comma.
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count) if header else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    fieldnames = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = fieldnames
    missing = [c for c in CSV_COLUMNS if c not in fieldnames]
    if missing:
        raise HandoutsError(f"{path}: missing column(s) {', '.join(missing)}; expected: {', '.join(CSV_COLUMNS)}")
    providers: list[Provider] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for line, row in _rows(reader, path):
        where = f"{path.name} line {line}"
        if None in row:  # more fields than columns
            failures.append(Failure(f"provider at {where}", f"{len(fieldnames) + len(row[None])} fields; expected {len(fieldnames)}"))
            continue
        try:
            pid = _provider_id((row.get("id") or "").strip())
            if pid in seen:
                raise _Invalid(f"id \"{pid}\" appears twice")
            seen.add(pid)
            name = _text(row.get("name") or "")
            credentials = (row.get("credentials") or "").strip()
            procedures = tuple(p for p in re.split(r"[;,\s]+", row.get("procedures") or "") if p)
            unknown = [p for p in procedures if p not in known]
            if not procedures or unknown:
                raise _Invalid(f"procedures: {', '.join(unknown) or 'none given'}; expected some of: {', '.join(sorted(known))}")
            languages = tuple(lang for lang in re.split(r"[;,\s]+", row.get("languages") or "") if lang)
            providers.append(
                Provider(pid, f"{name}, {credentials}" if credentials else name, _phone(row.get("phone") or ""), procedures, languages)
            )
        except _Invalid as exc:
            failures.append(Failure(f"provider at {where}", str(exc)))
    return providers, failures


def _rows(reader: csv.DictReader, path: Path) -> Iterator[tuple[int, dict]]:
    """(line where the row starts, row); a CSV the reader cannot parse (a field longer
    than the csv module's limit, a stray quote) is one error naming the line."""
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise HandoutsError(f"{path}: line {start}: not a readable CSV row ({exc})") from None
        yield start, row
        start = reader.line_num + 1


# --- planning ------------------------------------------------------------------------------


def safe_segment(name: str) -> str:
    """A provider id as one safe folder name: no separators, no dots-only names, no
    device names."""
    segment = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "provider"
    if segment.lower().split(".")[0] in _RESERVED:
        segment = f"_{segment}"
    return segment


def plan(
    clinic: Clinic,
    providers: Sequence[Provider],
    procedures: Sequence[str] = (),
    languages: Sequence[str] = (),
    only: Sequence[str] = (),
) -> tuple[list[Item], list[Failure]]:
    """Every (provider, procedure, language) to make, with safe relative paths."""
    from .i18n import resolve_language
    from .pipeline import procedures as clinic_procedures

    available = clinic_procedures(clinic)
    for proc in procedures:
        if proc not in available:
            raise UsageError(f"unknown procedure \"{proc}\"; available: {', '.join(sorted(available))}")
    wanted = [p for p in providers if not only or p.id in only]
    for pid in only:
        if pid not in {p.id for p in providers}:
            raise UsageError(f"unknown provider \"{pid}\"; available: {', '.join(p.id for p in providers)}")
    # Two ids that land in one folder would overwrite each other: refuse before writing.
    folders: dict[str, str] = {}
    for p in wanted:
        key = safe_segment(p.id).lower()
        if key in folders and folders[key] != p.id:
            raise HandoutsError(f"providers \"{folders[key]}\" and \"{p.id}\" would share the folder {safe_segment(p.id)}; give them distinct ids")
        folders[key] = p.id
    items: list[Item] = []
    failures: list[Failure] = []
    clinic_langs = tuple(str(loc) for loc in clinic.languages)
    for p in wanted:
        for proc in p.procedures:
            if procedures and proc not in procedures:
                continue
            offered = p.languages or clinic_langs
            chosen = [lang for lang in offered if not languages or lang in languages or _same_language(lang, languages)]
            for lang in chosen:
                try:
                    code = resolve_language(lang).code
                except HandoutsError as exc:
                    failures.append(Failure(f"{p.id}/{proc}/{lang}", str(exc)))
                    continue
                path = Path(safe_segment(p.id)) / proc / f"{proc}.{code}.pdf"
                items.append(Item(p, proc, code, path))
    return items, failures


def _same_language(lang: str, wanted: Sequence[str]) -> bool:
    from .i18n import resolve_language

    try:
        code = resolve_language(lang).code
        return any(resolve_language(w).code == code for w in wanted)
    except HandoutsError:
        return False


# --- fingerprints ----------------------------------------------------------------------


def _hash_files(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file():
            digest.update(str(path.name).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprints(clinic: Clinic, items: Sequence[Item], paper: str | None) -> list[Item]:
    """Items with the hash of everything that goes into each of them."""
    from .i18n import resolve_language
    from .pipeline import procedures as clinic_procedures
    from .resources import templates_dir

    folders = clinic_procedures(clinic)
    shared_templates = _hash_files((templates_dir() / "layouts").rglob("*"))
    clinic_files = [p for p in (clinic.source, clinic.brand.logo) if p is not None]
    if clinic.templates_dir is not None:
        clinic_files += list(clinic.templates_dir.rglob("*"))
    if clinic.locales_dir is not None:  # the clinic's own catalogs
        clinic_files += list(clinic.locales_dir.rglob("*.po"))
    clinic_hash = _hash_files(clinic_files)
    proc_hash = {name: _hash_files(folder.rglob("*")) for name, folder in folders.items()}
    catalogs: dict[str, str] = {}
    out = []
    for item in items:
        if item.language not in catalogs:
            catalog = resolve_language(item.language).catalog
            catalogs[item.language] = _hash_files([catalog]) if catalog else "source"
        parts = [code_version(), shared_templates, proc_hash.get(item.procedure, ""), catalogs[item.language],
                 clinic_hash, repr(item.provider), item.procedure, item.language, paper or ""]
        out.append(replace(item, paper=paper, fingerprint=hashlib.sha256("\n".join(parts).encode()).hexdigest()))
    return out


# --- running ---------------------------------------------------------------------------------

_WORKER: dict[str, object] = {}


def _init_worker(clinic: Clinic) -> None:
    """Per-process set-up, once: the clinic, fonts, catalogs, QR code and logo are cached
    by the modules that own them, so the first build warms them all."""
    _WORKER["clinic"] = clinic


def _make(task: tuple[Item, str]) -> dict:
    """Build and write one handout; returns its manifest entry (or its failure)."""
    item, out_dir = task
    clinic: Clinic = _WORKER["clinic"]  # type: ignore[assignment]
    from .catalogs import check
    from .pipeline import build, make_request, write_atomic

    try:
        clinic = replace(clinic, providers=(item.provider,))
        request = make_request(clinic, item.procedure, item.language, item.provider.id)
        handout = build(request, item.paper)
        target = Path(out_dir) / item.path
        write_atomic(handout.pdf, target)
        health = check(request.language, procedure=item.procedure)
        review = "source" if request.language.catalog is None else ("reviewed" if not request.draft else "draft")
        return {
            "provider": item.provider.id,
            "procedure": item.procedure,
            "language": item.language,
            "path": item.path.as_posix(),
            "pages": handout.pages,
            "bytes": len(handout.pdf),
            "sha256": hashlib.sha256(handout.pdf).hexdigest(),
            "paper": handout.paper,
            "catalog_review_state": review,
            # The clinic's own wording counts: a message the templates used that no
            # catalog translates makes the catalog incomplete for this handout.
            "catalog_complete": health.complete and not handout.document.untranslated,
            "content_review_date": request.procedure.review_date.isoformat(),
            "fingerprint": item.fingerprint,
        }
    except HandoutsError as exc:
        return {"failure": f"{item.provider.id}/{item.procedure}/{item.language}", "reason": str(exc)}


JOURNAL = ".manifest.journal"  # one line per item made since the manifest was last written
LOCK = ".batch.lock"


def read_manifest(out_dir: Path) -> dict[str, dict]:
    """Previous entries by path: the manifest, then the journal of items finished after
    it was last written (a batch that was killed). Unreadable parts just mean: rebuild."""
    entries: dict[str, dict] = {}
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        entries = {e["path"]: e for e in data.get("items", []) if "path" in e}
    except (OSError, ValueError, AttributeError, TypeError):
        pass
    try:
        with (out_dir / JOURNAL).open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                    entries[entry["path"]] = entry
                except (ValueError, KeyError, TypeError):
                    continue  # the line being written when the batch was stopped
    except OSError:
        pass
    return entries


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for one batch: a second batch into the same folder at the
    same time stops with one line instead of interleaving files and manifests."""
    import fcntl

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = (out_dir / LOCK).open("a")
    except OSError as exc:
        raise HandoutsError(f"{out_dir}: cannot write there ({exc.strerror or exc})") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HandoutsError(f"{out_dir}: another batch is writing into this folder; wait for it to finish") from None
        yield


def _up_to_date(item: Item, entry: dict | None, out_dir: Path) -> bool:
    if not entry or entry.get("fingerprint") != item.fingerprint:
        return False
    path = out_dir / item.path
    try:
        if path.stat().st_size != entry.get("bytes"):
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == entry.get("sha256")
    except OSError:
        return False


def write_manifest(out_dir: Path, entries: Iterable[dict], failures: Sequence[Failure], keep_journal: bool = False) -> Path:
    """Write the manifest (atomically); the journal it now covers goes, unless a batch
    is still appending to it."""
    from .pipeline import write_atomic

    def pieces() -> Iterator[bytes]:
        # One item per line, written as it goes: a manifest of ten thousand handouts is
        # never built as one string (nor as the half-million small ones indent= makes).
        yield f'{{\n  "generated_by": {json.dumps(f"handouts {__version__}")},\n  "items": ['.encode()
        for index, entry in enumerate(sorted(entries, key=lambda e: e["path"])):
            yield ("," if index else "").encode() + b"\n    " + json.dumps(entry, ensure_ascii=False).encode("utf-8")
        yield f'\n  ],\n  "failures": {json.dumps([asdict(f) for f in failures], ensure_ascii=False)}\n}}\n'.encode()

    path = write_atomic(pieces(), out_dir / MANIFEST)
    if not keep_journal:
        (out_dir / JOURNAL).unlink(missing_ok=True)
    return path


def run(
    clinic: Clinic,
    items: Sequence[Item],
    out_dir: Path,
    jobs: int = 1,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    flush_every: int = 50,
) -> Summary:
    """Make the items that are out of date, ``jobs`` at a time. Every item made is
    journalled at once, and the manifest rewritten as the batch goes, so a batch that
    is stopped resumes where it was. Entries of handouts this run does not plan (another
    language, another provider) are kept while their files are there."""
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(out_dir)
    planned = {item.path.as_posix() for item in items}
    summary = Summary()
    entries: dict[str, dict] = {
        key: entry for key, entry in previous.items() if key not in planned and _still_there(entry, out_dir)
    }
    if force:
        previous = {}
    todo: list[Item] = []
    for item in items:
        key = item.path.as_posix()
        entry = previous.get(key)
        if _up_to_date(item, entry, out_dir):
            entries[key] = entry  # type: ignore[assignment]
            summary.skipped += 1
            if progress:
                progress(1)
        else:
            todo.append(item)
    # One procedure and language at a time: its handouts share almost every paragraph,
    # so the caches hold one language's text at a time instead of all of them.
    todo.sort(key=lambda item: (item.procedure, item.language))
    tasks = [(item, str(out_dir)) for item in todo]
    last_flush, flush_cost = time.monotonic(), 0.0
    with (out_dir / JOURNAL).open("a", encoding="utf-8") as journal:
        for done, result in enumerate(_results(clinic, tasks, jobs), start=1):
            if "failure" in result:
                summary.failures.append(Failure(result["failure"], result["reason"]))
            else:
                entries[result["path"]] = _compact(result)
                summary.written += 1
                journal.write(json.dumps(result, ensure_ascii=False) + "\n")
                journal.flush()
            if progress:
                progress(1)
            # From the first item, then every ``flush_every`` items but never more than a
            # tenth of the time: a batch of ten thousand would otherwise spend its time
            # rewriting a growing manifest (the journal holds what came in between).
            if done == 1 or (done % flush_every == 0 and time.monotonic() - last_flush >= 10 * flush_cost):
                started = time.monotonic()
                write_manifest(out_dir, entries.values(), summary.failures, keep_journal=True)
                last_flush = time.monotonic()
                flush_cost = last_flush - started
    summary.entries = sorted(entries.values(), key=lambda e: e["path"])
    return summary


def _still_there(entry: dict, out_dir: Path) -> bool:
    """Whether a listed handout is still on disk with the size recorded."""
    try:
        return (out_dir / entry["path"]).stat().st_size == entry.get("bytes")
    except (OSError, KeyError, TypeError):
        return False


_SHARED_VALUES = ("provider", "procedure", "language", "paper", "catalog_review_state", "content_review_date")


def _compact(entry: dict) -> dict:
    """A manifest entry as it arrived from a worker, with its keys and repeated values
    shared: each arrives as new strings, and a batch keeps every entry until the end."""
    return {sys.intern(k): sys.intern(v) if k in _SHARED_VALUES and isinstance(v, str) else v for k, v in entry.items()}


def _results(clinic: Clinic, tasks: list[tuple[Item, str]], jobs: int) -> Iterator[dict]:
    if not tasks:
        return
    _init_worker(clinic)
    if jobs <= 1 or len(tasks) == 1:
        for task in tasks:
            yield _make(task)
        return
    # Memory: a CJK font is tens of megabytes once parsed, and a worker that made every
    # language would hold them all (a 15-language batch peaked at 170 MB a worker). So
    # languages that need large fonts are made first, each set of them by workers of
    # its own; the rest last, by workers that inherit what the parent made.
    groups: dict[frozenset[str], list[tuple[Item, str]]] = {}
    for task in tasks:
        groups.setdefault(_font_group(task[0].language), []).append(task)
    rest = groups.pop(frozenset(), [])
    fork = "fork" in multiprocessing.get_all_start_methods()
    # With fork, the first handout of each procedure and language of the rest is made
    # here, before their workers fork: they inherit the parsed fonts, compiled catalogs
    # and templates and the shared paragraphs, instead of each paying for them again.
    # Those handouts are real items, written as any other. (Not for large fonts: the
    # parent would then hand every later worker all of them.)
    firsts = _first_of_each(rest) if fork else []
    chosen = {id(task) for task in firsts}
    rest = [task for task in rest if id(task) not in chosen]
    for fonts in sorted(groups, key=sorted):
        # The parent makes those first handouts while the first large-font workers run,
        # rather than alone afterwards with a core idle.
        yield from _pooled(clinic, groups[fonts], jobs, fork, meanwhile=firsts)
        firsts = []
    for task in firsts:
        yield _make(task)
    # What the parent built stays shared with forked workers: the garbage collector then
    # neither copies its pages nor walks it again in every worker.
    if fork:
        gc.freeze()
    try:
        yield from _pooled(clinic, rest, jobs, fork)
    finally:
        if fork:
            gc.unfreeze()


def _font_group(language: str) -> frozenset[str]:
    """Languages that share a large font go together."""
    from .fonts import large_font_group

    return large_font_group(language)


def _pooled(
    clinic: Clinic, tasks: list[tuple[Item, str]], jobs: int, fork: bool, meanwhile: Sequence[tuple[Item, str]] = (),
) -> Iterator[dict]:
    """Make ``tasks`` in ``jobs`` worker processes; the parent makes ``meanwhile``
    itself while they run."""
    if not tasks:
        for task in meanwhile:
            yield _make(task)
        return
    context = multiprocessing.get_context("fork" if fork else "spawn")
    # Small chunks keep workers busy; only manifest entries travel back. Workers live
    # for the whole group: every cache they fill has a fixed size.
    with context.Pool(min(jobs, len(tasks)), initializer=_init_worker, initargs=(clinic,)) as pool:
        results = pool.imap_unordered(_make, tasks, chunksize=4)
        for task in meanwhile:
            yield _make(task)
        yield from results


def _first_of_each(tasks: list[tuple[Item, str]]) -> list[tuple[Item, str]]:
    """The first task of every (procedure, language)."""
    firsts: dict[tuple[str, str], tuple[Item, str]] = {}
    for task in tasks:
        firsts.setdefault((task[0].procedure, task[0].language), task)
    return list(firsts.values())


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


# --- print-ready bundles ----------------------------------------------------------------


def merge(out_dir: Path, entries: Sequence[dict], by_language: bool = False) -> list[Path]:
    """One PDF per provider (or per provider and language) for a print shop. Every
    handout starts on a front side: a blank page follows any odd page count. Each
    handout gets a bookmark.

    A bundle records the checksums of the handouts it was made from (in its metadata,
    as ``/HandoutsInputs``); one whose handouts have not changed is not made again."""
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    from .pipeline import write_atomic

    groups: dict[tuple[str, str], list[dict]] = {}
    for entry in sorted(entries, key=lambda e: (e["provider"], e["procedure"], e["language"])):
        key = (entry["provider"], entry["language"] if by_language else "all")
        groups.setdefault(key, []).append(entry)
    written = []
    for (provider, lang), group in groups.items():
        folder = safe_segment(provider)
        target = out_dir / folder / (f"{folder}.{lang}.pdf" if by_language else f"{folder}.all.pdf")
        inputs = hashlib.sha256("\n".join([code_version(), *(f"{e['path']} {e['sha256']}" for e in group)]).encode()).hexdigest()
        if _bundle_inputs(target) == inputs:
            written.append(target)
            continue
        writer = PdfWriter()
        for entry in group:
            reader = PdfReader(str(out_dir / entry["path"]))
            start = len(writer.pages)
            for page in reader.pages:
                writer.add_page(page)
            writer.add_outline_item(title=f"{entry['procedure']} ({entry['language']})", page_number=start)
            if len(reader.pages) % 2:
                box = reader.pages[-1].mediabox
                writer.add_blank_page(width=float(box.width), height=float(box.height))
        writer.add_metadata({"/Creator": "handouts", "/HandoutsInputs": inputs})
        buffer = BytesIO()
        writer.write(buffer)
        written.append(write_atomic(buffer.getvalue(), target))
    return written


def _bundle_inputs(path: Path) -> str | None:
    """The input checksum recorded in an existing bundle (None: rebuild it)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        info = PdfReader(str(path)).metadata
    except (OSError, PyPdfError, ValueError):
        return None
    value = info.get("/HandoutsInputs") if info else None
    return str(value) if value else None
