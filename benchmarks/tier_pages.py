#!/usr/bin/env python3
"""Pages, last-page fill and split side-effect tiers of every shipped handout, read back
from the PDFs: 2 procedures x 15 languages, on Letter, on A4 and in large print (Letter),
visit date December 28, provider dr-rivera.

    python benchmarks/tier_pages.py --json after.json            # measure and keep
    python benchmarks/tier_pages.py --compare before.json after.json

A measurement, not a test. Per handout: its pages and own pages (pypdf; the migraine
diary is a companion page, outside the page budget), how full its last own page is
(tests.pdfpages.fill), how many tiers go on in another column ("splits") and how many
of those would have fitted whole in the column they go on in ("needless"), and a hash
of the PDF (which handouts changed at all).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import sys
from pathlib import Path

import pdfplumber
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pdfpages import fill, tier_splits  # noqa: E402

LANGS = ["en", "es", "zh_Hans", "zh_Hant", "vi", "ko", "fil", "ru", "ar", "ht", "pt_BR", "fr", "pl", "ja", "hi"]
PROCEDURES = ["botox-neck", "botox-migraine"]
KINDS = {"letter": {"paper": "letter"}, "a4": {"paper": "a4"}, "large": {"paper": "letter", "large_print": True}}
TOLERANCE = 2.0  # points: what reading the heights back from the PDF may be off by


def measure(procedure: str, lang: str, kind: str) -> dict:
    from handouts.config import load_clinic
    from handouts.pipeline import build, make_request

    request = make_request(load_clinic(None), procedure, lang, "dr-rivera", None, dt.date(2026, 12, 28))
    handout = build(request, **KINDS[kind])
    pages = len(PdfReader(io.BytesIO(handout.pdf)).pages)
    with pdfplumber.open(io.BytesIO(handout.pdf)) as doc:
        own = doc.pages[: handout.own_pages]
        splits = tier_splits(own, rtl=lang == "ar")
        last = fill(own[-1])
    return {
        "pages": pages, "own": handout.own_pages, "fill": round(last, 3), "splits": len(splits),
        "needless": sum(s["whole"] <= s["column"] - TOLERANCE for s in splits),
        "sha": hashlib.sha256(handout.pdf).hexdigest()[:12],
    }


def compare(before: dict, after: dict) -> None:
    print("| handout | own pages | last-page fill | splits (needless) |")
    print("|---|---|---|---|")
    for key in before:
        b, a = before[key], after[key]
        if b["sha"] == a["sha"]:
            continue
        own = f"{b['own']} → {a['own']}" if b["own"] != a["own"] else str(a["own"])
        print(f"| {key} | {own} | {b['fill']:.2f} → {a['fill']:.2f} | {b['splits']} ({b['needless']}) → {a['splits']} ({a['needless']}) |")
    for kind in KINDS:
        keys = [k for k in before if k.endswith(kind)]

        def total(d: dict, f: str, keys: list[str] = keys) -> int:
            return sum(d[k][f] for k in keys)

        changed = sum(before[k]["sha"] != after[k]["sha"] for k in keys)
        print(f"{kind}: {changed} of {len(keys)} changed; own pages {total(before, 'own')} → {total(after, 'own')}; "
              f"splits {total(before, 'splits')} → {total(after, 'splits')}; needless {total(before, 'needless')} → {total(after, 'needless')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the measurements here")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--kinds", nargs="*", default=list(KINDS))
    args = parser.parse_args()
    if args.compare:
        compare(*(json.loads(p.read_text()) for p in args.compare))
        return
    out = {}
    for kind in args.kinds:
        for procedure in PROCEDURES:
            for lang in LANGS:
                key = f"{procedure} {lang} {kind}"
                out[key] = measure(procedure, lang, kind)
                print(key, out[key], flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
