"""Reading the query page (server/templates/sparql.html) as a client without JavaScript sees it:
the query in the textarea, the selected format, the share link, the snippets and their notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class QueryPage:
    lang: str = ""
    h1: str = ""
    query: str = ""
    formats: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    share: str | None = None
    share_hidden: bool = False
    share_warning: str = ""
    snippets: dict[str, str] = field(default_factory=dict)  # id → code ("" when hidden)
    notes: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # id → tab label (the h3)
    code_summary: str = ""
    results: bool = False
    links: list[str] = field(default_factory=list)
    language_links: dict[str, str] = field(default_factory=dict)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = QueryPage()
        self._in: str | None = None
        self._snippet: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        page = self.page
        if tag == "html":
            page.lang = attrs.get("lang", "")
        elif tag == "h1":
            self._in = "h1"
        elif tag == "textarea" and attrs.get("id") == "query":
            self._in = "query"
        elif tag == "option":
            page.formats.append(attrs["value"])
            if "selected" in attrs:
                page.selected.append(attrs["value"])
        elif tag == "input" and attrs.get("id") == "share-link":
            page.share = attrs.get("value") or None
            page.share_hidden = "hidden" in attrs
        elif tag == "p" and attrs.get("id") == "share-warning":
            self._in = "share_warning"
        elif tag == "section" and "data-snippet" in attrs:
            self._snippet = attrs["data-snippet"]
            page.snippets[self._snippet] = ""
            page.notes[self._snippet] = ""
        elif tag == "code" and self._snippet:
            self._in = "code"
        elif tag == "h3" and self._snippet:
            self._in = "label"
        elif tag == "p" and self._snippet and "snippet-note" in attrs.get("class", ""):
            self._in = "note"
        elif tag == "summary":
            self._in = "summary"
        elif tag == "section" and attrs.get("id") == "results":
            page.results = True
        elif tag == "a" and attrs.get("href"):
            page.links.append(attrs["href"])
            if attrs.get("hreflang"):
                page.language_links[attrs["hreflang"]] = attrs["href"]

    def handle_endtag(self, tag):
        if tag in ("h1", "textarea", "p", "code", "h3", "summary"):
            self._in = None
        if tag == "section":
            self._snippet = None

    def handle_data(self, data):
        page, where = self.page, self._in
        if where == "h1":
            page.h1 += data
        elif where == "query":
            page.query += data
        elif where == "share_warning":
            page.share_warning += data
        elif where == "code":
            page.snippets[self._snippet] += data
        elif where == "label":
            page.labels[self._snippet] = page.labels.get(self._snippet, "") + data
        elif where == "note":
            page.notes[self._snippet] += data
        elif where == "summary":
            page.code_summary += data


def read_page(html: str) -> QueryPage:
    """The parts of the query page a test checks (HTML entities decoded)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    page = reader.page
    # A browser drops one newline right after <textarea> (HTML §13.2.6.4.7 "in body", textarea);
    # the template writes one there, so that a query's own first newline survives.
    if page.query.startswith("\n"):
        page.query = page.query[1:]
    return page
