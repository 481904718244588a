"""A real browser for the page tests: ``tariff-stack serve`` on loopback and headless Chromium driving it.

The browser is the Debian ``chromium`` with its matching ``chromium-driver`` (``.ci/run`` installs both with apt
when missing), driven by Selenium's WebDriver bindings.  Tests that use it are marked ``browser`` and ``slow``,
so the quick suite never starts one.

- ``live_server(tmp_dir)``: a generator yielding the base URL of ``tariff-stack serve`` on a free loopback port;
- ``chromium()``: a headless Chromium WebDriver at desktop size (``DESKTOP``);
- ``Page``: open a page, fill and submit its form, read elements by the pages contract's ids
  (``research/i16/CONTRACT.md``), check its accessibility basics, and write screenshots to ``SCREENSHOTS``
  (``tests/screenshots/``, output of the run, not kept in git).
"""
from __future__ import annotations

import base64
import os
import shutil
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from conftest import free_port, serve_until_stopped

SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = (1280, 900)
PHONE = (375, 812)
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=en-US",
                 f"--window-size={DESKTOP[0]},{DESKTOP[1]}"]
LOAD_SECONDS = 15

# Every form field a person fills must be named for a screen reader: a <label for=id>, aria-label or
# aria-labelledby.  Returns one line per field that is not, plus the page's heading and language problems.
A11Y_SCRIPT = """
const problems = [];
for (const el of document.querySelectorAll('input:not([type=hidden]):not([type=submit]):not([type=button]),select,textarea')) {
  const labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'))
                   || (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby');
  if (!labelled) problems.push('no label: ' + el.outerHTML.slice(0, 120));
}
const h1 = document.querySelectorAll('h1').length;
if (h1 !== 1) problems.push('h1 count ' + h1);
if (!(document.documentElement.getAttribute('lang') || '').trim()) problems.push('no lang on <html>');
if (!document.title.trim()) problems.push('empty <title>');
return problems;
"""


def live_server(tmp_dir: Path):
    """Yield the base URL of ``tariff-stack serve`` (one worker) on a free loopback port; stop it afterwards."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "TARIFF_STACK_HOST": "127.0.0.1", "WEB_CONCURRENCY": "1"}
    for name in ("TARIFF_STACK_PUBLIC_URL", "TARIFF_STACK_TRUST_PROXY"):
        env.pop(name, None)
    yield from serve_until_stopped(["serve"], env, tmp_dir / "server.log", port)


def chromium():
    """A headless Chromium WebDriver (Debian's chromium and chromedriver), at desktop size."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    binary = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    assert binary and driver_path, "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
    options.binary_location = binary
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(LOAD_SECONDS)
    return driver


class Page:
    """One browser tab on the live server, read by the contract's ids and data attributes."""

    def __init__(self, driver, base: str):
        self.driver, self.base = driver, base

    # ------------------------------------------------------------ navigation
    def open(self, path: str) -> "Page":
        self.driver.get(self.base + path)
        return self

    @property
    def path(self) -> str:
        """The current URL without the server's base (the bookmark a GET form leads to)."""
        return self.driver.current_url.removeprefix(self.base)

    def fill(self, **fields) -> "Page":
        """Type each value into the form field of that name; a list fills a repeatable field in order
        (or, when the form has one such field, goes in it comma-separated)."""
        for name, value in fields.items():
            values = value if isinstance(value, list) else [value]
            elements = self.all(f'[name="{name}"]')
            assert elements, f"no form field named {name!r} on {self.path}"
            if len(elements) < len(values):
                values = [",".join(values)]
            for element, text in zip(elements, values):
                self._type(element, text)
        return self

    def _type(self, element, text: str) -> None:
        from selenium.webdriver.support.select import Select

        kind = (element.get_attribute("type") or "").lower()
        if element.tag_name == "select":
            Select(element).select_by_value(text)
        elif kind in ("date", "month", "number", "time"):
            # Typing into a date input depends on the browser's locale; set the value as a person's pick would.
            self.driver.execute_script(
                "arguments[0].value = arguments[1];"
                "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
                "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", element, text)
            assert element.get_attribute("value") == text, (element.get_attribute("outerHTML"), text)
        else:
            element.clear()
            element.send_keys(text)

    def submit(self, field: str = "hts") -> "Page":
        """Press the submit button of the form holding ``field`` and wait for the answer page to load."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        form = self.one(f'[name="{field}"]').find_element("xpath", "ancestor::form")
        # The form's own submit button: a named button (e.g. "show these goods' fields") redraws the form.
        buttons = form.find_elements("css selector", "button[type=submit]:not([name]),input[type=submit]:not([name])")
        assert buttons, "the form has no submit button"
        # The old document is marked; the answer is loaded when a document without the mark is complete.
        # (Waiting for the old <html> element to go stale asks Chromium about a node mid-navigation, which it
        # sometimes answers with an inspector error instead of "stale": a flaky wait.)
        self.driver.execute_script("window.__before_submit = true;")
        buttons[0].click()
        WebDriverWait(self.driver, LOAD_SECONDS, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script("return !window.__before_submit && document.readyState === 'complete'"))
        return self

    # --------------------------------------------------------------- reading
    def all(self, css: str) -> list:
        return self.driver.find_elements("css selector", css)

    def one(self, css: str):
        found = self.all(css)
        assert len(found) == 1, f"{len(found)} elements match {css!r} on {self.path}"
        return found[0]

    def exists(self, css: str) -> bool:
        return bool(self.all(css))

    def text(self, css: str) -> str:
        return self.one(css).text.strip()

    def attr(self, css: str, name: str) -> str | None:
        return self.one(css).get_attribute(name)

    def value(self, css: str) -> str:
        """The ``data-value`` of one element: the API's figure as a string (money "40900.00", rate "0.409")."""
        found = self.attr(css, "data-value")
        assert found is not None, f"{css} has no data-value"
        return found

    def data(self, css: str, *names: str) -> list[tuple]:
        """The named data attributes (``data-<name>``) of every element matching ``css``, in page order."""
        rows = self.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]),"
            " el => arguments[1].map(n => el.getAttribute('data-' + n)));", css, list(names))
        return [tuple(row) for row in rows]

    # ------------------------------------------------------- usability checks
    def accessibility_problems(self) -> list[str]:
        return self.driver.execute_script(A11Y_SCRIPT)

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the window (0: nothing scrolls sideways)."""
        return self.driver.execute_script(
            "return Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth);")

    @contextmanager
    def at_size(self, width: int, height: int):
        """The viewport exactly ``width`` x ``height`` CSS pixels (a phone is emulated as mobile), then back.
        The page relayouts in place (no reload: a POST answer stays as it is)."""
        mobile = width < 600
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        try:
            yield self
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def screenshot(self, name: str) -> Path:
        """The whole page (beyond the viewport) as ``tests/screenshots/<name>.png``."""
        SCREENSHOTS.mkdir(exist_ok=True)
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path = SCREENSHOTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


def dec(text: str | None) -> Decimal:
    """A figure read from the page as a Decimal (built from the string, as the service builds money)."""
    assert text is not None, "missing figure"
    return Decimal(text)
