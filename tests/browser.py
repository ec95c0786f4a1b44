"""Headless Chromium for tests: its flags, and the DOM it builds for a URL (``--dump-dom``).

test_browser.py reads pages through ``render``; test_hostile_xss.py drives the same browser,
with the same flags, through chromedriver (its WebDriver client needs the live DOM).
"""

from __future__ import annotations

import subprocess

from helpers import need_binary

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
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


def render(url: str, profile) -> str:
    """The DOM Chromium builds for ``url`` (headless, no network beyond loopback)."""
    chromium = need_binary("chromium")
    result = subprocess.run(
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
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
