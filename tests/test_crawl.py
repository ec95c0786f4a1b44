"""A small breadth-first crawler: every link in our HTML and RDF resolves; none fakes our base."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
from helpers import BASE, BROWSER, sample_things

DEPTH = 2


class Links(HTMLParser):
    def __init__(self, page_url: str, text: str):
        super().__init__()
        self.page_url, self.found = page_url, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.found.append(urljoin(self.page_url, value))


def rdf_objects(body: bytes) -> list[str]:
    return [
        t.object.value
        for t in ox.parse(body, ox.RdfFormat.TURTLE)
        if isinstance(t.object, ox.NamedNode)
    ]


def pretends_to_be_ours(url: str) -> bool:
    """Outside the base, yet on its host or shaped like our paths (a wrong base leaked)."""
    if url.startswith(BASE):
        return False
    parts, ours = urlsplit(url), urlsplit(BASE)
    same_host = parts.hostname in (ours.hostname, "127.0.0.1", "localhost")
    our_path = parts.path.startswith(("/id/", "/doc/", "/ontology", "/shapes", "/graph/"))
    return same_host or (our_path and parts.hostname in ("127.0.0.1", "localhost"))


def crawl(client, starts: list[str], has_sparql: bool) -> tuple[dict, list, int]:
    seen: dict[str, int] = {}
    problems: list[str] = []
    queue = deque((url, 0) for url in starts)
    fetched = 0
    while queue:
        url, depth = queue.popleft()
        url = url.split("#", 1)[0]
        if url in seen:
            continue
        seen[url] = depth
        if not url.startswith(BASE):
            if pretends_to_be_ours(url):
                problems.append(f"foreign IRI pretending to be ours: {url}")
            continue
        path = url[len(BASE) - 1 :]
        if path.startswith("/sparql") and not has_sparql:
            continue
        outlinks: list[str] = []
        for accept in (BROWSER, "text/turtle"):
            with client.get(path, headers={"Accept": accept}, follow_redirects=True) as response:
                fetched += 1
                if response.status_code == 406 and accept != BROWSER:
                    continue  # a page for people only (search, the query form)
                if response.status_code >= 400:
                    problems.append(f"{response.status_code} for {url} (Accept {accept[:20]})")
                    continue
                if depth >= DEPTH:
                    continue
                if response.mimetype == "text/html":
                    outlinks += Links(url, response.get_data(as_text=True)).found
                elif response.mimetype == "text/turtle":
                    outlinks += rdf_objects(response.get_data())
        for link in outlinks:
            if link.split("#", 1)[0] not in seen:
                queue.append((link, depth + 1))
    return seen, problems, fetched


def test_crawl_from_home_and_three_resources(app, client, pub):
    """Breadth-first to depth 2 from the home page and three things: no 4xx/5xx, no fakes."""
    has_sparql = any(rule.rule.startswith("/sparql") for rule in app.url_map.iter_rules())
    starts = [BASE] + sample_things(pub, ("actor", "claim", "event"))
    seen, problems, fetched = crawl(client, starts, has_sparql)
    assert not problems, "\n".join(problems[:40])
    assert len([u for u in seen if u.startswith(BASE)]) > len(pub.things)
    assert fetched > 0
