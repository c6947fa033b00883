"""`pip install .` must carry templates and catalogs into the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_wheel_carries_templates_locales_and_demo(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    wheel = next(tmp_path.glob("handouts-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in [
        "handouts/templates/botox-neck/procedure.toml",
        "handouts/templates/botox-neck/handout.xml.j2",
        "handouts/templates/layouts/handout.xml.j2",
        "handouts/templates/layouts/parts.xml.j2",
        "handouts/locales/handouts.pot",
        "handouts/demo/clinic.toml",
        "handouts/demo/logo.svg",
        # handouts serve: the page and its assets, no CDN.
        "handouts/web/templates/index.html",
        "handouts/web/static/app.css",
        "handouts/web/static/app.js",
    ]:
        assert expected in names, expected
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "handouts = handouts.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
