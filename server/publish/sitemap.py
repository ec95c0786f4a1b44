"""The crawler files of the publication: the sitemaps (Sitemaps protocol 0.9) and ``robots.txt``
(RFC 9309), rendered once at startup."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from server.publish.publication import Publication

#: Sitemaps protocol 0.9: "no more than 50,000 URLs" in one sitemap; more go in several,
#: listed by a sitemap index.
SITEMAP_URLS = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemaps(pub: Publication, limit: int | None = None) -> dict[str, bytes]:
    """``sitemap.xml`` listing every document, or, past ``limit`` URLs, ``sitemap.xml`` as an
    index of ``sitemap-1.xml``, ``sitemap-2.xml``… of at most ``limit`` each."""
    limit = limit or SITEMAP_URLS
    urls = [pub.base] + [pub.doc_url(key) for key in pub.documents]
    parts = [urls[start : start + limit] for start in range(0, len(urls), limit)]
    if len(parts) == 1:
        return {"sitemap.xml": _xml("urlset", "url", parts[0])}
    names = [f"sitemap-{number}.xml" for number in range(1, len(parts) + 1)]
    out = {"sitemap.xml": _xml("sitemapindex", "sitemap", [pub.base + n for n in names])}
    out.update((name, _xml("urlset", "url", part)) for name, part in zip(names, parts, strict=True))
    return out


def _xml(root: str, item: str, urls: list[str]) -> bytes:
    entries = "".join(f"  <{item}><loc>{escape(url)}</loc></{item}>\n" for url in urls)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{SITEMAP_NS}">\n'
        f"{entries}</{root}>\n"
    ).encode()


def robots_txt(pub: Publication) -> bytes:
    return (
        f"User-agent: *\nDisallow: /sparql\nAllow: /\nSitemap: {pub.base}sitemap.xml\n"
    ).encode()
