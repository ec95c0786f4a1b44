"""The timeline, the actor network and the stance matrix in headless Chromium, in the three
languages (issue 18 §2, "Done when"): the library drew what the page holds (vis-timeline one
``.vis-item`` per item, Cytoscape.js one node per actor and one edge per joined edge), the console
stays free of errors, nothing is fetched from anywhere but this server, and a click on what was
drawn reaches a resource's page. One Chromium session for the file."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from browser import CHROMEDRIVER, CHROMIUM, WebDriver
from helpers import USE_TINY

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.skipif(
        USE_TINY,
        reason="names the curated essay's actors, claims, events (tests/data/tiny has one claim)",
    ),
]

LANGUAGES = ["en", "zh-Hans", "zh-Hant"]
#: The timeline is drawn: the chart exists and vis-timeline has taken its loading screen away.
TIMELINE_READY = (
    "return !!window.policygraphTimeline && !document.querySelector('.vis-loading-screen')"
)
#: What vis-timeline draws for an item: a bar or a point (a point's dot is a ``.vis-item`` too).
ITEMS = "#timeline-chart .vis-item.vis-range, #timeline-chart .vis-item.vis-point"
TITLES = {
    "timeline": {"en": "Timeline", "zh-Hans": "时间线", "zh-Hant": "時間軸"},
    "network": {"en": "Actor network", "zh-Hans": "行为体网络", "zh-Hant": "行為體網絡"},
    "stances": {"en": "Stance matrix", "zh-Hans": "立场矩阵", "zh-Hant": "立場矩陣"},
}


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(binary) or shutil.which(binary)):
            pytest.skip(f"{binary} is not installed (Debian chromium, chromium-driver)")
    driver = WebDriver(tmp_path_factory.mktemp("research-profile"))
    yield driver
    driver.quit()


def open_page(chromium, url: str, ready: str) -> dict:
    """Load ``url``, wait for ``ready`` (a script returning true once drawn), return the page's
    embedded data (what the server gave the script to draw)."""
    chromium.console()  # forget what earlier pages logged
    chromium.get(url)
    chromium.wait_for(ready, 20)
    return chromium.run(
        "const node = document.querySelector('script[type=\"application/json\"]');"
        "return node ? JSON.parse(node.textContent) : null;"
    )


def clean(chromium, base: str) -> None:
    # The resource page an earlier click reached has no icon: Chromium asks for /favicon.ico
    # there and may log the 404 late. The research pages name their icon, so never ask.
    errors = [
        e["message"]
        for e in chromium.console()
        if e["level"] == "SEVERE" and "/favicon.ico " not in e["message"]
    ]
    assert errors == []
    fetched = chromium.run("return performance.getEntriesByType('resource').map(e => e.name)")
    assert fetched, "the page fetched its scripts, at least"
    assert [url for url in fetched if not url.startswith(base)] == []


def heading(chromium) -> tuple[str, str]:
    return tuple(
        chromium.run(
            "return [document.documentElement.lang, document.querySelector('h1').textContent]"
        )
    )


def reached(chromium, base: str, kinds: tuple[str, ...]) -> str:
    """Wait until the browser is on a resource's page of one of ``kinds``; its URL."""
    prefixes = [f"{base}doc/{kind}/" for kind in kinds]
    script = "return arguments[0].some(p => location.href.startsWith(p)) ? location.href : ''"
    return chromium.wait_for(script, 15, prefixes)


def click_at(chromium, x: float, y: float) -> None:
    """A real pointer click at viewport coordinates (WebDriver §17.5, pointer actions)."""
    chromium._call(
        "POST",
        chromium.session + "/actions",
        {
            "actions": [
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": [
                        {"type": "pointerMove", "duration": 0, "x": int(x), "y": int(y)},
                        {"type": "pointerDown", "button": 0},
                        {"type": "pointerUp", "button": 0},
                    ],
                }
            ]
        },
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_timeline_draws_every_item_and_a_click_opens_it(live_server, chromium, lang):
    base = live_server.base
    data = open_page(chromium, f"{base}timeline?lang={lang}", TIMELINE_READY)
    assert heading(chromium) == (lang, TITLES["timeline"][lang])
    assert len(data["items"]) > 50, "every event and claim of the essay"
    drawn = chromium.wait_for(
        f"const n = document.querySelectorAll('{ITEMS}').length;return n >= arguments[0] ? n : 0",
        10,
        len(data["items"]),
    )
    assert drawn == len(data["items"])
    classes = chromium.run(
        f"return Array.from(document.querySelectorAll('{ITEMS}'), e => e.className)"
    )
    assert any("inferred" in c for c in classes) and any("open-start" in c for c in classes)
    assert any("vis-point" in c for c in classes) and any("vis-range" in c for c in classes)
    clean(chromium, base)
    # on a bar, away from its label: the chart's own click handler opens the item's page
    x, y, target = chromium.run(
        "const bar = document.querySelector('#timeline-chart .vis-item.vis-range.event');"
        "bar.scrollIntoView({block: 'center'});"
        "const box = bar.getBoundingClientRect();"
        "const chart = document.getElementById('timeline-chart').getBoundingClientRect();"
        "return [Math.min(box.right, chart.right) - 20, box.top + box.height / 2,"
        " bar.querySelector('a').href];"
    )
    click_at(chromium, x, y)
    url = reached(chromium, base, ("event",))
    assert url == target
    assert f"lang={lang}" in url


def test_timeline_fragment_selects_the_item_a_resource_page_links_to(live_server, chromium):
    base = live_server.base
    open_page(
        chromium,
        f"{base}timeline?lang=en#event-syria-resolution-vetoes",
        TIMELINE_READY,
    )
    assert chromium.run("return window.policygraphTimeline.getSelection()") == [
        "event-syria-resolution-vetoes"
    ]
    assert chromium.run(
        "return document.getElementById('event-syria-resolution-vetoes')"
        ".classList.contains('selected')"
    )
    # the zoom buttons: the last months, then the whole span again
    buttons = "#timeline-zoom button"
    span = (
        "const w = window.policygraphTimeline.getWindow();"
        "return [w.start.getTime(), w.end.getTime()];"
    )
    chromium.click(chromium.find(f"{buttons}:last-of-type"))
    recent = chromium.run(span)
    chromium.click(chromium.find(f"{buttons}:first-of-type"))
    whole = chromium.run(span)
    assert whole[0] < recent[0] and recent[1] - recent[0] < (whole[1] - whole[0]) / 4
    clean(chromium, base)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_network_draws_every_actor_and_edge_and_a_tap_opens_an_actor(live_server, chromium, lang):
    base = live_server.base
    data = open_page(chromium, f"{base}network?lang={lang}", "return !!window.policygraphNetwork")
    assert heading(chromium) == (lang, TITLES["network"][lang])
    counts = chromium.run(
        "const cy = window.policygraphNetwork;"
        "return [cy.nodes().length, cy.edges().length, cy.edges().map(e => e.style('line-color'))]"
    )
    assert counts[0] == len(data["nodes"]) > 10
    assert counts[1] == len(data["edges"]) > 10
    assert len(set(counts[2])) > 3, "edges coloured by stance"
    clean(chromium, base)
    x, y = chromium.run(
        "const cy = window.policygraphNetwork;"
        "cy.container().scrollIntoView();"
        "const node = cy.nodes().max(n => n.degree()).ele;"
        "const p = node.renderedPosition(), box = cy.container().getBoundingClientRect();"
        "return [box.left + p.x, box.top + p.y];"
    )
    click_at(chromium, x, y)
    url = reached(chromium, base, ("actor",))
    assert f"lang={lang}" in url


@pytest.mark.parametrize("lang", LANGUAGES)
def test_stance_matrix_links_each_stance_to_its_claim(live_server, chromium, lang):
    base = live_server.base
    chromium.console()
    chromium.get(f"{base}stances?lang={lang}")
    assert heading(chromium) == (lang, TITLES["stances"][lang])
    shown = chromium.run("return document.querySelectorAll('table.matrix td a.stance').length")
    data = json.loads(
        chromium.run(
            "const r = new XMLHttpRequest(); r.open('GET', arguments[0], false); r.send();"
            "return r.responseText;",
            f"{base}stances.json?lang={lang}",
        )
    )
    assert shown == sum(len(cell["entries"]) for cell in data["cells"]) > 10
    clean(chromium, base)
    chromium.click(chromium.find("table.matrix td a.stance"))
    url = reached(chromium, base, ("claim",))
    assert f"lang={lang}" in url
