"""The HTML report in a real browser: headless Chromium, driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: stdlib only, no chromedriver or selenium to keep in step with the browser).

Checks: no console errors or exceptions, no network request (the page is self-contained), every gate
section and every plot is present and drawn at a visible size, and the page prints to PDF. A screenshot
goes to the pytest tmp dir and to /tmp/synthgate-report.png.

Without Chromium the tests skip locally, and fail under CI=true (apt-get install chromium).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from synthgate.report import write_demo_report, write_report
from synthgate.report.example import example_result, example_variants

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
         "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND")  # any network lookup fails, visibly
SCREENSHOT_COPY = Path("/tmp/synthgate-report.png")


def find_browser() -> str:
    for name in (os.environ.get("SYNTHGATE_CHROMIUM"), *BROWSERS):
        if name and (path := shutil.which(name)):
            return path
    message = "headless Chromium is not installed (apt-get install chromium)"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{message}; under CI the browser test must run")
    pytest.skip(message)


class Chromium:
    """A headless Chromium speaking the DevTools protocol over fds 3 (commands in) and 4 (replies out)."""

    def __init__(self, binary: str, profile: Path, timeout: float = 60.0):
        self.timeout, self.next_id, self.buffer, self.events = timeout, 0, b"", []
        to_browser, from_browser = os.pipe(), os.pipe()
        # Copy the child's ends above fd 10 first (close-on-exec), so dup2 onto 3 and 4 cannot clobber one
        # another; the dup2 copies are inheritable and survive exec (close_fds=False: Python's own fds are
        # non-inheritable anyway, and pass_fds would insist that fds 3 and 4 exist in this process).
        child_in = fcntl.fcntl(to_browser[0], fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_browser[1], fcntl.F_DUPFD_CLOEXEC, 10)

        def wire() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.process = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                                         "about:blank"], close_fds=False, preexec_fn=wire,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for fd in (to_browser[0], from_browser[1], child_in, child_out):
            os.close(fd)
        self.write_fd, self.read_fd = to_browser[1], from_browser[0]
        self.session: str | None = None

    def send(self, method: str, params: dict | None = None, *, session: bool = True) -> dict:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        reply = self._until(lambda m: m.get("id") == self.next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str) -> dict:
        return self._until(lambda m: m.get("method") == method and m.get("sessionId") == self.session)

    def _until(self, wanted) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if wanted(message):
                    return message
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                raise TimeoutError(f"no reply from Chromium within {self.timeout} s")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe: " + self.process.stderr.read().decode()[-2000:])
            self.buffer += chunk

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1,
                                                        "mobile": False})
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise RuntimeError(reply["exceptionDetails"])
        return reply["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and browser log errors (e.g. failed loads)."""
        found = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                found.append(f"console.{params['type']}: {[a.get('value') for a in params.get('args', [])]}")
            elif event["method"] == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log {params['entry']['level']}: {params['entry']['text']} {params['entry'].get('url', '')}")
        return found

    def screenshot(self, path: Path) -> Path:
        height = int(self.send("Page.getLayoutMetrics")["cssContentSize"]["height"])
        self.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": min(height, 16000),
                                                        "deviceScaleFactor": 1, "mobile": False})
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def pdf(self) -> bytes:
        return base64.b64decode(self.send("Page.printToPDF", {"printBackground": True})["data"])

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self.write_fd, self.read_fd):
            os.close(fd)
        self.process.stderr.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = find_browser()
    chromium = Chromium(binary, tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


PAGE_FACTS = """(() => {
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 40 && r.height > 15; };
  const figures = [...document.querySelectorAll('figure.plot')];
  return {
    title: document.title,
    gates: [...document.querySelectorAll('section.gate')].map(s => [s.dataset.gate, s.dataset.verdict]),
    plots: figures.map(f => f.dataset.plot),
    hidden: figures.filter(f => !visible(f.firstElementChild)).map(f => f.dataset.plot),
    problems: document.querySelectorAll('.plot-problem').length,
    untitledSvgs: [...document.querySelectorAll('svg[role=img]')].filter(s => !s.querySelector('title')).length,
    svgs: document.querySelectorAll('svg').length,
    resources: performance.getEntriesByType('resource').length,
    scripts: document.scripts.length,
    h1: document.querySelectorAll('h1').length,
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    brokenLinks: [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href').slice(1))
                   .filter(id => !document.getElementById(id)),
    badges: [...document.querySelectorAll('.badge')].map(b => b.textContent.trim()),
    lead: (document.querySelector('.lesson .lead') || {}).textContent,
  };
})()"""

EXPECTED_GATES = [["fidelity", "pass"], ["privacy", "fail"], ["bias", "warn"], ["coverage", "inconclusive"],
                  ["drift", "pass"], ["provenance", "skipped"], ["validation", "error"]]


def _assert_clean_page(chromium: Chromium, facts: dict) -> None:
    assert chromium.problems() == []
    assert facts["problems"] == 0 and facts["hidden"] == [] and facts["untitledSvgs"] == 0
    assert facts["resources"] == 0 and facts["scripts"] == 0  # self-contained, no JS
    assert facts["h1"] == 1
    assert len(facts["ids"]) == len(set(facts["ids"])), "duplicate element ids"
    assert facts["brokenLinks"] == []


def test_report_renders_cleanly_in_chromium(browser, tmp_path):
    _, html = write_report(example_result(), tmp_path / "out")
    browser.open(html.resolve().as_uri())
    facts = browser.evaluate(PAGE_FACTS)
    _assert_clean_page(browser, facts)
    assert facts["gates"] == EXPECTED_GATES
    assert sorted(set(facts["plots"])) == ["bars", "heatmap", "histogram", "lines", "reference", "scatter", "table"]
    assert facts["plots"].count("bars") == 4  # three legacy marginals and bias' positive rates
    assert {"✓ PASS", "! WARN", "✗ FAIL", "? INCONCLUSIVE", "– SKIPPED", "⚠ ERROR · not judged"} <= set(facts["badges"])
    assert facts["lead"].startswith("Looks right, is not safe")
    shot = browser.screenshot(tmp_path / "report.png")
    assert shot.stat().st_size > 50_000
    shutil.copyfile(shot, SCREENSHOT_COPY)
    pdf = browser.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_demo_page_renders_cleanly_in_chromium(browser, tmp_path):
    html = write_demo_report(example_variants(), tmp_path / "demo", title="synthgate demo (example results)",
                             descriptions={"copies": "2 % of rows copied verbatim from real"})
    browser.events.clear()
    browser.open(html.resolve().as_uri())
    facts = browser.evaluate(PAGE_FACTS)
    _assert_clean_page(browser, facts)
    assert [g for g, _ in facts["gates"]] == ["fidelity", "privacy", "drift"] * 2 + [g for g, _ in EXPECTED_GATES]
    cells = browser.evaluate("[...document.querySelectorAll('table.matrix tbody tr')].map("
                             "r => [...r.querySelectorAll('td.cell')].map(c => c.textContent.trim()))")
    assert cells[1][:2] == ["✓ PASS", "✗ FAIL"]  # copies: fidelity passes, privacy catches it
    browser.screenshot(tmp_path / "demo.png")
