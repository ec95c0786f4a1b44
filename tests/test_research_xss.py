"""XSS on the research pages: the hostile labels of tests/data/xss on the timeline, the network
and the stance matrix, in headless Chromium with their scripts running (vis-timeline and
Cytoscape.js get the labels too). No payload runs, nothing is injected, every hostile label is
shown as text exactly as in the data. One Chromium session for the file."""

from __future__ import annotations

import os
import shutil

import pytest
from browser import CHROMEDRIVER, CHROMIUM, WebDriver
from hostile.support import shared_server
from test_hostile_xss import CLAIM_EN, INSPECT, LABEL_EN, assert_clean

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    return shared_server(request, tmp_path_factory)


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(binary) or shutil.which(binary)):
            pytest.skip(f"{binary} is not installed (Debian chromium, chromium-driver)")
    driver = WebDriver(tmp_path_factory.mktemp("research-xss-profile"))
    yield driver
    driver.quit()


@pytest.mark.parametrize(
    ("path", "ready", "drawn"),
    [
        (
            "timeline?lang=en",
            "return !!window.policygraphTimeline",
            "return Array.from(document.querySelectorAll('#timeline-chart .vis-item a'),"
            " a => a.textContent)",
        ),
        (
            "network?lang=en",
            "return !!window.policygraphNetwork",
            "return window.policygraphNetwork.nodes().map(n => n.data('label'))",
        ),
        ("stances?matrix=proposition&lang=en", "return true", "return []"),
    ],
)
def test_hostile_labels_stay_text_on_the_research_pages(server, chromium, path, ready, drawn):
    url = server.base + path
    chromium.get(url)
    chromium.wait_for(ready, 20)
    report = chromium.run(INSPECT)
    # The page's data island holds the hostile labels as data: a script of type
    # application/json never runs, and with no "<" in it (Jinja's tojson writes \u003c) it
    # cannot close its element. Anything else injected still fails.
    islands = chromium.run(
        "return Array.from(document.querySelectorAll('script[type=\"application/json\"]'),"
        " s => s.textContent)"
    )
    assert all("<" not in island for island in islands)
    report["injected"] = [
        html
        for html in report["injected"]
        if not html.startswith('<script type="application/json"')
    ]
    assert_clean(report, url)
    shown = chromium.run(drawn)
    if path.startswith("timeline"):
        assert CLAIM_EN in shown, "the chart shows the claim's label as text"
        assert CLAIM_EN in report["text"]
    elif path.startswith("network"):
        assert LABEL_EN in shown, "the chart labels the actor with its label as text"
        assert LABEL_EN in report["text"]
    else:
        assert LABEL_EN in report["text"], "the claimant's label as a column heading"
    assert chromium.run("return window.__xss === undefined")
