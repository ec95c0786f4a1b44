"""The annotated reader in headless Chromium (one session), in three languages: it renders the
source text, logs no console error and fetches nothing from elsewhere; hovering a marked passage
shows its claim, claimant and stance; focus does too; a selection links to /spans for exactly
its code points; a fragment outlines its span; a click reaches the resource."""

from __future__ import annotations

import os
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import CHROMEDRIVER, CHROMIUM, WebDriver
from helpers import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.server]

SLUG = "north-korea-opportunity"
TEXT = (ROOT / "graph" / "sources" / SLUG / "source.txt").read_bytes().decode("utf-8")
#: The card's word for the claimant, in each language (the page's interface).
CLAIMANT = {"en": "Claimant", "zh-Hans": "主张方", "zh-Hant": "主張方"}
#: W3C WebDriver §15.4.2: an element reference as an action's origin.
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(binary) or shutil.which(binary)):
            pytest.skip(f"{binary} is not installed (Debian chromium, chromium-driver)")
    driver = WebDriver(tmp_path_factory.mktemp("reader-profile"))
    yield driver
    driver.quit()


def hover(chromium, element: dict) -> None:
    """Move the pointer onto ``element`` (WebDriver §17.5 Perform Actions): a real hover."""
    move = {"type": "pointerMove", "origin": element, "x": 0, "y": 0, "duration": 0}
    chromium._call(
        "POST",
        chromium.session + "/actions",
        {
            "actions": [
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": [move],
                }
            ]
        },
    )


def page_errors(entries: list[dict]) -> list[str]:
    """Console errors, less the browser's own request for ``/favicon.ico`` (no page asks for
    it; the site has none)."""
    return [
        e["message"]
        for e in entries
        if e["level"] == "SEVERE" and "/favicon.ico " not in e["message"]
    ]


def errors_and_offsite(chromium, base: str) -> tuple[list[str], list[str]]:
    errors = page_errors(chromium.console())
    fetched = chromium.run("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any(url.endswith("reader.js") for url in fetched), fetched
    return errors, [url for url in fetched if not url.startswith(base)]


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_the_reader_in_chromium(live_server, chromium, lang):
    base = live_server.base
    chromium.console()
    chromium.get(f"{base}reader/{SLUG}?lang={lang}")
    chromium.wait_for("return !!document.getElementById('reader-card')")
    assert chromium.run("return document.documentElement.lang") == lang
    assert chromium.run("return document.getElementById('source-text').textContent") == TEXT

    # Hover a passage a claim alone covers: the card names the claim, claimant and stance.
    claim = chromium.run(
        "const seg = [...document.querySelectorAll('#source-text a.seg.k-claim')]"
        ".find(s => s.dataset.spans.split(' ').length === 1 &&"
        " JSON.parse(document.getElementById('reader-data').textContent)"
        ".spans[Number(s.dataset.spans)].claimants.length);"
        "seg.id = 'hovered'; return JSON.parse(document.getElementById('reader-data').textContent)"
        ".spans[Number(seg.dataset.spans)];"
    )
    hover(chromium, chromium.find("#hovered"))
    card = chromium.wait_for(
        "const c = document.getElementById('reader-card'); return !c.hidden && c.textContent;"
    )
    assert claim["label"] in card and claim["claimants"][0] in card and claim["stance"] in card
    assert CLAIMANT[lang] in card
    chromium.run(
        "document.activeElement && document.activeElement.blur();"
        "document.getElementById('reader-card').hidden = true;"
        "document.querySelector('#source-text a.seg.k-event').focus()"
    )
    assert chromium.wait_for(
        "const c = document.getElementById('reader-card'); return !c.hidden && c.textContent;"
    )

    # Select a passage: the link names exactly its code points.
    chosen = chromium.run(
        "const seg = document.querySelectorAll('#source-text a.seg')[20];"
        "const range = document.createRange(); range.selectNodeContents(seg);"
        "const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);"
        "document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));"
        "return [Number(seg.dataset.start), Number(seg.dataset.end)];"
    )
    link = chromium.wait_for(
        "const a = document.getElementById('reader-selection'); return !a.hidden && a.href;"
    )
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/spans" and query["source"] == [SLUG]
    assert [int(query["start"][0]), int(query["end"][0])] == chosen
    assert query["lang"] == [lang]

    # A fragment outlines the passages of its span.
    fragment = chromium.run(
        "return document.querySelectorAll('#source-text span.anchor-start')[30].id"
    )
    start, end = (int(n) for n in fragment.split("-")[1:])
    chromium.run(f"window.location.hash = '#{fragment}'")
    outlined = chromium.wait_for(
        "const s = [...document.querySelectorAll('#source-text a.seg.targeted')];"
        "return s.length && s.map(x => x.textContent).join('');"
    )
    assert outlined == TEXT[start:end]

    errors, offsite = errors_and_offsite(chromium, base)
    assert errors == [] and offsite == []

    # A click on a passage reaches the resource it supports.
    chromium.click(chromium.find("#hovered"))
    chromium.wait_for("return location.pathname.startsWith('/doc/')")
    assert chromium.run("return document.querySelector('h1').textContent")
    assert chromium.run("return location.search") == f"?lang={lang}"

    # The selection's link lists what is anchored there.
    chromium.get(link)
    rows = chromium.run("return document.querySelectorAll('table.anchors tbody tr').length")
    assert rows >= 1
    assert page_errors(chromium.console()) == []
