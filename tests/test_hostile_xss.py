"""XSS: hostile labels, quotes and IRIs (tests/data/xss) in headless Chromium, via chromedriver.

Every payload in the data would set ``window.__xss`` if it ran. A real server (gunicorn over
``create_app`` with the ``data`` setting) publishes the folder; Chromium loads the resource
pages, the home page, search results and the SPARQL results page, and the test reads the live
DOM: no payload ran, no element or event-handler attribute was injected, every hostile value is
shown as text exactly as in the data, ``javascript:`` and ``data:`` IRIs are never clickable, and
a right-to-left override in a value does not spill over the text after it.
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.parse

import pytest
import requests
from browser import CHROMEDRIVER, CHROMIUM, WebDriver
from hostile.support import shared_server

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: Hostile values as they are in tests/data/xss (they must appear as text, unchanged).
LABEL_EN = "Mallory <script>window.__xss='label'</script>"
LABEL_ZH_HANS = '马洛里" onload="window.__xss=\'onload\'" x="'
LABEL_ZH_HANT = "馬洛里'><img src=x onerror=\"window.__xss='img'\">"
DESCRIPTION = (
    "\"><script>window.__xss='description'</script>"
    "<a href=\"javascript:window.__xss='link'\">click</a>"
)
QUOTE = "<script>window.__xss='quote'</script>"
EXACT = (
    "said \"<script>window.__xss='exact'</script>\" and "
    "'><img src=x onerror=window.__xss='exact-img'>"
)
CLAIM_EN = "Claim <b onmouseover=window.__xss='b'>bold</b>"
ESSAY_EN = "Essay </title><script>window.__xss='document-title'</script>"

#: The DOM inspection run in the page: what ran, what was injected, what is clickable.
INSPECT = r"""
const report = {xss: window.__xss === undefined ? null : String(window.__xss)};
const all = [...document.querySelectorAll('*')];
report.handlers = [];
report.oddAttributes = [];
for (const el of all) {
  for (const attr of el.attributes) {
    if (/^on/i.test(attr.name)) report.handlers.push(el.tagName + '[' + attr.name + ']');
    else if (!/^[a-zA-Z][a-zA-Z0-9_.:-]*$/.test(attr.name) || attr.name === 'x')
      report.oddAttributes.push(el.tagName + '[' + attr.name + ']');
  }
}
report.injected = all.filter(el =>
  (['IMG', 'SVG', 'IFRAME', 'BASE', 'OBJECT', 'EMBED', 'B', 'SCRIPT']
     .includes(el.tagName.toUpperCase()) && /__xss/.test(el.outerHTML)) ||
  (el.tagName === 'STYLE' && /display:\s*none/.test(el.textContent))
).map(el => el.outerHTML.slice(0, 200));
report.dangerousLinks = [...document.querySelectorAll('[href],[src],[action],[formaction]')]
  .map(el => el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action')
             || el.getAttribute('formaction') || '')
  .filter(v => /^\s*(javascript|data|vbscript):/i.test(v));
report.title = document.title;
report.h1 = (document.querySelector('h1') || {}).textContent || '';
report.text = document.body ? document.body.textContent : '';
report.bodyVisible = document.body ? getComputedStyle(document.body).display !== 'none' : false;
return report;
"""

#: Text nodes holding an unterminated bidi override (U+202A/B/D/E without U+202C) that is not
#: isolated from what follows it (no <bdi>, dir attribute or unicode-bidi isolation before the
#: enclosing block, and more text after it in that block).
BIDI_LEAKS = r"""
const leaks = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const isolating = el => {
  const bidi = getComputedStyle(el).unicodeBidi;
  return el.tagName === 'BDI' || el.hasAttribute('dir') || /isolate|plaintext/.test(bidi);
};
while (walker.nextNode()) {
  const node = walker.currentNode;
  const text = node.nodeValue;
  let open = 0;
  for (const ch of text) {
    if ('\u202a\u202b\u202d\u202e'.includes(ch)) open += 1;
    else if (ch === '\u202c' && open > 0) open -= 1;
  }
  if (!open) continue;
  let el = node.parentElement, safe = false;
  while (el && el !== document.body && getComputedStyle(el).display === 'inline') {
    if (isolating(el)) { safe = true; break; }
    el = el.parentElement;
  }
  if (!safe && el) {
    const range = document.createRange();
    range.setStartAfter(node);
    range.setEndAfter(el.lastChild || el);
    if (!range.toString().trim()) safe = true;
  }
  if (!safe) leaks.push((el ? el.tagName : '?') + ': ' + JSON.stringify(text.slice(0, 60)));
}
return leaks;
"""


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    return shared_server(request, tmp_path_factory)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(binary) or shutil.which(binary)):
            pytest.skip(f"{binary} is not installed (Debian chromium, chromium-driver)")
    driver = WebDriver(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def inspect(browser, url: str) -> dict:
    browser.get(url)
    time.sleep(0.15)  # let onerror/onload handlers of anything injected fire
    return browser.run(INSPECT)


def assert_clean(report: dict, url: str) -> None:
    assert report["xss"] is None, f"{url}: an injected script ran (window.__xss = {report['xss']})"
    assert not report["handlers"], f"{url}: injected event handlers {report['handlers']}"
    assert not report["oddAttributes"], f"{url}: broken attributes {report['oddAttributes']}"
    assert not report["injected"], f"{url}: injected elements {report['injected']}"
    assert not report["dangerousLinks"], f"{url}: clickable script IRIs {report['dangerousLinks']}"
    assert report["bodyVisible"], f"{url}: an injected style hid the page"


def search(text: str) -> str:
    return "search?" + urllib.parse.urlencode({"q": text})


def sparql(query: str) -> str:
    return "sparql?" + urllib.parse.urlencode({"query": query})


SELECT_ALL = (
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) || "
    "STRSTARTS(STR(?o), 'javascript:') || STRSTARTS(STR(?o), 'data:')) }"
)

#: (path, hostile texts the page must show verbatim as text)
PAGES = [
    ("doc/actor/mallory.html", [LABEL_EN, DESCRIPTION, "javascript:window.__xss='actor-url'"]),
    ("doc/actor/mallory.html?lang=zh-Hans", [LABEL_ZH_HANS]),
    ("doc/actor/mallory.html?lang=zh-Hant", [LABEL_ZH_HANT]),
    ("id/actor/mallory", [LABEL_EN]),
    ("doc/actor/victim.html", []),
    ("doc/claim/hostile-claim.html", [CLAIM_EN, QUOTE, EXACT]),
    ("doc/claim/hostile-claim.html?lang=zh-Hans", []),
    ("doc/claim/hostile-claim.html?lang=zh-Hant", []),
    ("doc/document/hostile-essay.html", [ESSAY_EN]),
    ("", []),
    ("?lang=zh-Hant", []),
    (search("mallory"), [LABEL_EN]),
    (search("window.__xss"), []),
    (
        search("<script>window.__xss='reflected'</script>"),
        ["<script>window.__xss='reflected'</script>"],
    ),
    (search("\" autofocus onfocus=\"window.__xss='reflected-attr'"), []),
    (sparql(SELECT_ALL), [LABEL_EN, QUOTE]),
    (sparql("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), []),
    (sparql("SELECT * WHERE { ?s ?p ?o } # </textarea><script>window.__xss='query'</script>"), []),
    (sparql("SELECT ?x WHERE { BIND(IRI(\"javascript:window.__xss='bound'\") AS ?x) }"), []),
    ("sparql?query=SELECT%20*%20%7B%7D&lang=%22%3E%3Cscript%3Ewindow.__xss=1%3C/script%3E", []),
    ("doc/actor/mallory.ttl", []),
    ("doc/actor/mallory.nt", []),
    ("doc/actor/mallory.jsonld", []),
    ("doc/actor/mallory.rdf", []),
    ("doc/claim/hostile-claim.rdf", []),
    (search("script") + "&format=json", []),
    (sparql(SELECT_ALL) + "&format=xml", []),
    (sparql(SELECT_ALL) + "&format=csv", []),
    ("validation", []),
    ("dataset", []),
    ("id/actor/%3Cscript%3Ewindow.__xss='not-found'%3C%2Fscript%3E", []),
    ("doc/actor/x%22%3E%3Cimg%20src=x%20onerror=window.__xss=1%3E.html", []),
]


def test_control_the_checks_see_what_they_look_for(browser):
    """Control: in this browser a payload does run and is seen, and a leaking override is found,
    so the clean results below mean something."""
    page = (
        "<title>t</title><p><span>\u202eabc</span> def</p><p><bdi>\u202eghi</bdi> jkl</p>"
        "<a href='javascript:void(0)'>x</a><img src=x onerror=\"window.__xss='control'\">"
    )
    browser.get("data:text/html;charset=utf-8," + urllib.parse.quote(page))
    time.sleep(0.3)
    report = browser.run(INSPECT)
    assert report["xss"] == "control"
    assert report["handlers"] and report["injected"] and report["dangerousLinks"]
    assert browser.run(BIDI_LEAKS) == ['P: "\u202eabc"']


def page_id(path: str) -> str:
    """A short test id: the path, or for a SPARQL page the first words of its query."""
    if path.startswith("sparql?query="):
        params = urllib.parse.parse_qs(path.partition("?")[2])
        words = params.get("query", [""])[0].replace("?", "").split()
        name = "sparql-" + "-".join(w for w in words[:4] if w.isalnum()).lower()
        extra = [f"{k}={v[0]}" for k, v in params.items() if k != "query"]
        return "&".join([name, *extra])[:60]
    return (path or "home")[:60]


@pytest.mark.parametrize("path, texts", PAGES, ids=[page_id(p) for p, _ in PAGES])
def test_no_script_runs_and_values_stay_text(server, browser, path, texts):
    """In Chromium: nothing ran, nothing was injected, nothing is a script link, values are text."""
    url = server.base + path
    report = inspect(browser, url)
    assert_clean(report, url)
    for text in texts:
        assert text in report["text"], f"{url}: {text!r} is not shown as text"


def test_title_and_heading_are_the_label_verbatim(server, browser):
    report = inspect(browser, server.base + "doc/actor/mallory.html")
    assert report["h1"].strip() == LABEL_EN
    assert report["title"].startswith(LABEL_EN)
    report = inspect(browser, server.base + "doc/document/hostile-essay.html")
    assert report["title"].startswith(ESSAY_EN), report["title"]


def test_javascript_iris_are_never_links(server, browser):
    """A ``javascript:``/``data:`` IRI in the data is shown, never an ``href`` (any language,
    any page that shows it)."""
    for path in (
        "doc/actor/mallory.html",
        "doc/document/hostile-essay.html",
        "doc/actor/mallory.html?lang=zh-Hans",
        sparql(SELECT_ALL),
    ):
        url = server.base + path
        report = inspect(browser, url)
        assert not report["dangerousLinks"], f"{url}: {report['dangerousLinks']}"


RTL_PAGES = [
    "doc/claim/hostile-claim.html",
    "doc/actor/mallory.html",
    "doc/actor/victim.html",
    search("gpj"),
    sparql(SELECT_ALL),
]


@pytest.mark.parametrize("path", RTL_PAGES, ids=[page_id(p) for p in RTL_PAGES])
def test_rtl_override_does_not_spill_over(server, browser, path):
    """A value holding U+202E RIGHT-TO-LEFT OVERRIDE without its U+202C must be bidi-isolated
    (``<bdi>``, ``dir``, or ``unicode-bidi: isolate``), or it reverses the text that follows it
    on the page (e.g. the quote after its prefix)."""
    url = server.base + path
    browser.get(url)
    leaks = browser.run(BIDI_LEAKS)
    assert not leaks, f"{url}: bidi overrides leak into the following text: {leaks}"


def test_raw_html_is_escaped_in_every_language(server):
    """Belt and braces without the browser: no hostile tag reaches the HTML unescaped."""
    for lang in ("en", "zh-Hans", "zh-Hant"):
        for kind, slug in (
            ("actor", "mallory"),
            ("claim", "hostile-claim"),
            ("document", "hostile-essay"),
            ("actor", "victim"),
        ):
            html = requests.get(f"{server.base}doc/{kind}/{slug}.html?lang={lang}", timeout=10).text
            for needle in (
                "<script>window",
                "<img src=x",
                "<svg",
                "<iframe",
                "<base ",
                "<b onmouseover",
                "<style>body",
                'onload="window',
                'href="javascript:',
                'href="data:',
            ):
                assert needle not in html, f"{kind}/{slug} ({lang}) contains {needle!r}"
