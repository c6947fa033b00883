"""Libraries that ReportLab imports but a handout rarely uses load only when used, and
then work as if imported normally."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _python(code: str, cache: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(cache), "HOME": str(cache)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


LOADED = (
    "import sys, types\n"
    "names = ('PIL.Image', 'uharfbuzz', 'pyphen', 'reportlab.platypus')\n"
    "print('loaded:', *(n for n in names if type(sys.modules.get(n)) is types.ModuleType))\n"
)


def test_an_english_handout_loads_none_of_them(tmp_path: Path):
    generate = (
        "import sys\nfrom handouts.cli import main\n"
        f"sys.argv = ['handouts', 'generate', 'botox-neck', '-o', {str(tmp_path / 'h.pdf')!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
    )
    _python(generate, tmp_path)  # the first run records the QR code and logo drawings
    assert (tmp_path / "h.pdf").stat().st_size > 10_000
    assert _python(generate + LOADED, tmp_path).splitlines()[-1] == "loaded:"


def test_an_import_statement_does_not_load_them_but_first_use_does(tmp_path: Path):
    code = (
        "import handouts, sys, types\n"
        "import uharfbuzz, pyphen\n"
        "from PIL import Image\n"
        "assert type(uharfbuzz) is not types.ModuleType\n"
        "assert uharfbuzz.Blob(b'') is not None and type(uharfbuzz) is types.ModuleType\n"
        "assert sys.modules['uharfbuzz'] is uharfbuzz\n"
        "assert pyphen.Pyphen(lang='en_US').inserted('hyphenation') == 'hy-phen-ation'\n"
        "assert Image.new('RGB', (2, 2)).size == (2, 2)\n"
        "import PIL; assert PIL.Image is Image is sys.modules['PIL.Image']\n"
        "from reportlab.lib.utils import ImageReader; ImageReader(Image.new('RGB', (3, 1)))\n"
    )
    _python(code, tmp_path)


def test_a_module_that_fails_to_load_fails_again_on_the_next_import(tmp_path: Path):
    (tmp_path / "broken_for_test.py").write_text("raise ValueError('broken on purpose')\n")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from handouts._imports import defer\n"
        "defer('broken_for_test')\n"
        "import broken_for_test\n"
        "for attempt in (1, 2):\n"
        "    try:\n"
        "        broken_for_test.anything if attempt == 1 else __import__('broken_for_test')\n"
        "    except ValueError as error:\n"
        "        print(error)\n"
    )
    assert _python(code, tmp_path).splitlines() == ["broken on purpose", "broken on purpose"]


def test_two_threads_asking_at_once_both_wait_for_one_run(tmp_path: Path):
    (tmp_path / "slow_for_test.py").write_text(
        "import time, builtins\n"
        "builtins.slow_runs = getattr(builtins, 'slow_runs', 0) + 1\n"
        "time.sleep(0.2)\n"
        "VALUE = 42\n"
    )
    code = (
        "import sys, threading, builtins\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from handouts._imports import defer\n"
        "defer('slow_for_test')\n"
        "import slow_for_test\n"
        "got = []\n"
        "threads = [threading.Thread(target=lambda: got.append(slow_for_test.VALUE)) for _ in range(2)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(got, builtins.slow_runs)\n"
    )
    assert _python(code, tmp_path) == "[42, 42] 1"
