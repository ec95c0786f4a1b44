"""Headless Chromium for tests: its flags, and the DOM it builds for a URL (``--dump-dom``).

test_browser.py reads pages through ``render``; test_hostile_xss.py drives the same browser,
with the same flags, through chromedriver (its WebDriver client needs the live DOM).
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from helpers import need_binary

from bench.servers import free_port

#: Found on PATH (Debian installs them in /usr/bin); a bare name when absent, so tests skip.
CHROMIUM = shutil.which("chromium") or "chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "chromedriver"
#: Headless, no sandbox (containers), and no network of its own beyond the pages it is sent to.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


#: Held while a Chromium runs: test processes (pytest-xdist) take turns, since two headless
#: Chromiums on two cores starve each other past the WebDriver timeouts.
LOCK = Path(tempfile.gettempdir()) / "policygraph-tests-chromium.lock"


def take_chromium():
    """Wait for the turn to run Chromium; the open file holds it until it is closed."""
    handle = LOCK.open("a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


@contextmanager
def one_chromium():
    handle = take_chromium()
    try:
        yield
    finally:
        handle.close()


def render(url: str, profile) -> str:
    """The DOM Chromium builds for ``url`` (headless, no network beyond loopback)."""
    chromium = need_binary("chromium")
    with one_chromium():
        result = _dump_dom(chromium, url, profile)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _dump_dom(chromium: str, url: str, profile) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium,
            *CHROMIUM_ARGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        timeout=120,
        text=True,
    )


class WebDriver:
    """A Chromium session through chromedriver (W3C WebDriver over HTTP), with the browser's
    console kept (``goog:loggingPrefs``) so that a test can assert that a page logged no error.

    Only the commands the page tests need: navigate, run a script, find elements, type, click.
    """

    def __init__(self, profile):
        self._requests = requests
        self._turn = take_chromium()
        self.port = free_port()
        self.process = subprocess.Popen(
            [CHROMEDRIVER, f"--port={self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(self.url + "/status", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    self.process.kill()
                    self._turn.close()
                    raise
                time.sleep(0.1)
        options = {
            "binary": CHROMIUM,
            "args": [*CHROMIUM_ARGS, f"--user-data-dir={profile}", "--window-size=1280,1000"],
        }
        capabilities = {
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"browser": "ALL"},
            "unhandledPromptBehavior": "accept",
            "pageLoadStrategy": "normal",
        }
        answer = self._call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = f"/session/{answer['sessionId']}"

    def _call(self, method: str, path: str, payload: dict | None = None):
        response = self._requests.request(method, self.url + path, json=payload, timeout=60)
        value = response.json().get("value")
        if response.status_code != 200:
            raise RuntimeError(f"WebDriver {method} {path}: {value}")
        return value

    def get(self, url: str) -> None:
        self._call("POST", self.session + "/url", {"url": url})

    def run(self, script: str, *args):
        """Run ``script`` (a function body; ``arguments`` holds ``args``) and return its value."""
        return self._call(
            "POST", self.session + "/execute/sync", {"script": script, "args": list(args)}
        )

    def run_async(self, script: str, *args):
        """Run ``script``, which calls ``arguments[arguments.length - 1](value)`` when done."""
        return self._call(
            "POST", self.session + "/execute/async", {"script": script, "args": list(args)}
        )

    def find(self, css: str) -> dict:
        """The first element matching ``css`` (a WebDriver element reference)."""
        return self._call(
            "POST", self.session + "/element", {"using": "css selector", "value": css}
        )

    def type(self, element: dict, text: str) -> None:
        """Send ``text`` as key presses to ``element`` (``\\ue009`` is Control, ``\\ue007``
        Enter: WebDriver §17.4.2)."""
        key = next(iter(element.values()))
        self._call("POST", f"{self.session}/element/{key}/value", {"text": text})

    def click(self, element: dict) -> None:
        key = next(iter(element.values()))
        self._call("POST", f"{self.session}/element/{key}/click", {})

    def wait_for(self, script: str, timeout: float = 10.0, *args):
        """Poll ``script`` until it returns a truthy value; that value, or an AssertionError."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            value = self.run(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not true after {timeout} s: {script}")
            time.sleep(0.1)

    def console(self) -> list[dict]:
        """The browser console entries logged since the last call (level, message)."""
        return self._call("POST", self.session + "/se/log", {"type": "browser"})

    def quit(self) -> None:
        try:
            self._call("DELETE", self.session)
        finally:
            self.process.terminate()
            self.process.wait(10)
            self._turn.close()
