"""handouts serve as a person uses it: the real server (waitress, in its own process)
and Debian's chromium, headless, driven by Selenium through Debian's chromium-driver.

Screenshots go to $HANDOUTS_SCREENSHOTS if set (else the test's temporary folder); look
at them after a change to the page."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import pdf_text
from .test_printing import printed_pdf, virtual_printer  # noqa: F401 (fixture)

selenium = pytest.importorskip("selenium")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

NAME = "Xiomara Pendleton-Okonkwo"
CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
WIDE = (1366, 768)
TABLET = (820, 1180)


@pytest.fixture(scope="module")
def server(tmp_path_factory, virtual_printer):  # noqa: F811
    """``handouts serve`` on a free port, with its own empty home, temporary and working
    folders (to show afterwards that it wrote nothing with the patient's name)."""
    root = tmp_path_factory.mktemp("serve")
    folders = {name: root / name for name in ("home", "tmp", "cwd")}
    for folder in folders.values():
        folder.mkdir()
    env = {**os.environ, "HOME": str(folders["home"]), "TMPDIR": str(folders["tmp"]), "PYTHONUNBUFFERED": "1"}
    env.pop("HANDOUTS_TOKEN", None)
    env.pop("HANDOUTS_CLINIC", None)
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "handouts.cli", "serve", "--port", "0", "--printer", virtual_printer],
        cwd=folders["cwd"], env=env, stdout=subprocess.PIPE, stderr=log,
    )
    line = process.stdout.readline().decode()  # "Serving ... at http://127.0.0.1:PORT/; ..."
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    assert match, f"no address from handouts serve: {line!r}, {(root / 'server.log').read_text()}"
    yield {"url": match.group(0), "folders": folders, "log": root / "server.log", "printer": virtual_printer}
    process.terminate()
    process.wait(30)
    log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    for path in (CHROMIUM, DRIVER):
        assert Path(path).exists(), f"{path} missing: apt-get install chromium chromium-driver"
    profile = tmp_path_factory.mktemp("chromium-profile")
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("HANDOUTS_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _open(browser, url: str, size: tuple[int, int]) -> None:
    """The page in a window of ``size``: the viewport itself, as on a laptop or tablet."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False})
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _wait_text(browser, element_id: str) -> str:
    WebDriverWait(browser, 120).until(lambda d: d.find_element(By.ID, element_id).text.strip() and d.find_element(By.ID, "handout-form").get_attribute("aria-busy") is None)
    return browser.find_element(By.ID, element_id).text.strip()


def _click(browser, css: str) -> None:
    element = browser.find_element(By.CSS_SELECTOR, css)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _generate(tmp_path: Path, *args: str) -> bytes:
    out = tmp_path / "cli.pdf"
    subprocess.run([sys.executable, "-m", "handouts.cli", "generate", *args, "-o", str(out)], check=True, capture_output=True)
    return out.read_bytes()


def test_preview_print_and_download_a_spanish_handout_in_three_clicks(server, browser, shots, tmp_path):
    _open(browser, server["url"], WIDE)
    browser.find_element(By.ID, "patient").send_keys(NAME)
    today = browser.find_element(By.ID, "visit_date").get_attribute("value")
    assert today == dt.date.today().isoformat()  # the visit date is filled in already
    _click(browser, "input[name=lang][value=es]")  # 1
    _click(browser, "button[data-action=preview]")  # 2
    assert _wait_text(browser, "status").startswith("Preview ready: ")
    images = browser.find_elements(By.CSS_SELECTOR, "#pages img")
    procedure = browser.find_element(By.ID, "procedure").get_attribute("value")  # the first, as the page opens
    expected = _generate(tmp_path, procedure, "--lang", "es", "--patient", NAME, "--visit-date", today)
    pages = len(PdfReader(io.BytesIO(expected)).pages)
    assert len(images) == pages
    assert [img.get_attribute("alt") for img in images] == [f"Page {i} of {pages} of the handout" for i in range(1, pages + 1)]
    assert all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) == 816 for img in images)
    browser.save_screenshot(str(shots / "serve-1366x768-preview.png"))

    start = time.time() - 1
    _click(browser, "button[data-action=print]")  # 3
    message = _wait_text(browser, "status")
    assert message.startswith(f"Sent to {server['printer']} as job {server['printer']}-"), message
    printed = printed_pdf(start, procedure)
    text = pdf_text(printed)
    assert NAME in text and "Puntos clave" in text
    browser.save_screenshot(str(shots / "serve-1366x768-printed.png"))

    _click(browser, "button[data-action=download]")
    assert _wait_text(browser, "status") == f"Downloaded {procedure}.es.pdf."
    target = browser.downloads / f"{procedure}.es.pdf"
    for _ in range(300):
        if target.exists() and not list(browser.downloads.glob("*.crdownload")):
            break
        time.sleep(0.1)
    assert target.read_bytes() == expected  # what `handouts generate` writes


def test_an_error_is_one_sentence_in_the_alert_region(server, browser, shots):
    for size, name in ((WIDE, "1366x768"), (TABLET, "820x1180")):
        _open(browser, server["url"], size)
        printer = browser.find_element(By.ID, "printer")
        printer.clear()
        printer.send_keys("No Such Printer")
        _click(browser, "button[data-action=print]")
        error = _wait_text(browser, "error")
        # (Which queues it lists is the HTTP tests' business: CUPS is shared by the machine.)
        assert error.startswith('Unknown printer "No Such Printer"; available: ')
        assert "\n" not in error and "Traceback" not in error
        region = browser.find_element(By.ID, "error")
        assert region.get_attribute("role") == "alert"
        # The message is on screen, where the buttons are.
        top, bottom, height = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]", region)
        assert 0 <= top and bottom <= height
        browser.save_screenshot(str(shots / f"serve-{name}-error.png"))


def test_tablet_preview_keeps_the_buttons_on_screen(server, browser, shots):
    _open(browser, server["url"], TABLET)
    _click(browser, "input[name=lang][value=vi]")
    browser.find_element(By.ID, "patient").send_keys(NAME)
    _click(browser, "button[data-action=preview]")
    assert _wait_text(browser, "status").startswith("Preview ready: ")
    for action in ("preview", "print", "download"):
        button = browser.find_element(By.CSS_SELECTOR, f"button[data-action={action}]")
        top, bottom, height = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]", button)
        assert 0 <= top and bottom <= height, action
    first_page = browser.find_element(By.CSS_SELECTOR, "#pages img")
    assert browser.execute_script("return arguments[0].getBoundingClientRect().top", first_page) < TABLET[1]
    browser.save_screenshot(str(shots / "serve-820x1180-preview.png"))


def _focus_ring(browser) -> float:
    """The width of the outline drawn around the focused element (or its language card)."""
    return browser.execute_script(
        """const e = document.activeElement;
           const card = e.closest('.choice');
           const width = (el) => { const s = getComputedStyle(el); return s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth); };
           return Math.max(width(e), card ? width(card) : 0);"""
    )


def test_keyboard_alone_in_a_sensible_order_with_visible_focus(server, browser, shots):
    _open(browser, server["url"], WIDE)
    order: list[str] = []
    for _ in range(30):
        ActionChains(browser).send_keys(Keys.TAB).perform()  # as a person presses Tab
        active = browser.switch_to.active_element
        label = active.get_attribute("name") or active.get_attribute("data-action")
        if not order or order[-1] != label:  # the date's day, month and year are stops of their own
            order.append(label)
        assert _focus_ring(browser) >= 2, f"no visible focus on {label}"
        if label == "download":
            break
    assert order == ["procedure", "provider", "lang", "patient", "visit_date", "paper", "large_print", "grayscale",
                     "printer", "copies", "duplex", "preview", "print", "download"]
    # Choose Spanish with the arrow keys, type a name, and preview: no mouse.
    radio = browser.find_element(By.CSS_SELECTOR, "input[name=lang]:checked")
    radio.send_keys(Keys.SHIFT, Keys.TAB)  # back to provider
    browser.switch_to.active_element.send_keys(Keys.TAB)
    for _ in range(20):
        if browser.switch_to.active_element.get_attribute("value") == "es":
            break
        browser.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    assert browser.find_element(By.CSS_SELECTOR, "input[name=lang]:checked").get_attribute("value") == "es"
    browser.switch_to.active_element.send_keys(Keys.TAB, NAME)
    browser.find_element(By.CSS_SELECTOR, "button[data-action=preview]").send_keys(Keys.ENTER)
    assert _wait_text(browser, "status").startswith("Preview ready: ")
    assert browser.switch_to.active_element.get_attribute("data-action") == "preview"  # focus stays put
    browser.save_screenshot(str(shots / "serve-1366x768-keyboard.png"))


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_text_contrast_and_language_names(server, browser):
    _open(browser, server["url"], WIDE)
    # Each piece of text against the first opaque background behind it.
    pairs = browser.execute_script(
        """const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
           const bg = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                                  if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
           return [...document.querySelectorAll('h1, .clinic, .demo, label, legend, .hint, .english, .autonym, button, option, input[type=text]')]
             .map((el) => [el.tagName + '.' + el.className, rgb(getComputedStyle(el).color), bg(el)]);"""
    )
    assert len(pairs) > 40
    for what, fg, bg in pairs:
        assert _contrast(fg, bg) >= 4.5, (what, fg, bg)
    names = browser.execute_script(
        "return [...document.querySelectorAll('.choice')].map((c) => [c.querySelector('input').value, c.querySelector('.autonym').lang, c.querySelector('.autonym').textContent])"
    )
    assert len(names) == 15
    assert ["es", "es", "Español"] in names and ["vi", "vi", "Tiếng Việt"] in names and ["ar", "ar", "العربية"] in names
    assert all(lang == code.replace("_", "-") for code, lang, _ in names)


def test_nothing_with_the_name_was_written_or_logged(server, browser):
    """Runs after the tests above: the server's home, temporary and working folders hold
    no file with the patient's name, and its log (the access log) never names them."""
    needles = [NAME.encode(), NAME.encode("utf-16-le"), b"Pendleton"]
    for folder in server["folders"].values():
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert not any(n in data for n in needles), path
    log = server["log"].read_text()
    assert "POST /preview 200" in log and "POST /print 200" in log and "POST /handout 200" in log
    assert "Pendleton" not in log and "Xiomara" not in log
    assert shutil.which("pdftoppm")  # the previews above really were drawn by poppler
