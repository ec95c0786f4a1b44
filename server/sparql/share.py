"""Share links of the query page: the query, compressed into the link, with the chosen format
and language.

``{base}sparql?f=csv&lang=zh-Hans&z=…`` opens the query page with the query in the editor, the
result format selected and the interface in that language; it does not run the query (the
permalink ``?query=`` does). ``z`` is the query's UTF-8 compressed with raw DEFLATE (RFC 1951)
in base64url without padding (RFC 4648 §5): a browser writes it with ``CompressionStream
("deflate-raw")``, the server reads it here. Typical queries shrink to about half their
percent-encoded length.

Nothing is stored on the server (the publisher is read-only and its replicas share nothing), so
the link is as long as the compressed query. Reading one is bounded: the token's alphabet is
checked, and inflating stops at ``sparql_max_query_length`` + 1 bytes, so a small token that
inflates to gigabytes costs no more than a query of the longest accepted length.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from urllib.parse import quote, urlencode

from server.errors import BadRequest, URITooLong

#: The query-string parameters of a share link.
QUERY, FORMAT, LANGUAGE = "z", "f", "lang"
#: Formats the page's ``format`` select offers (``html``: the table on the page).
PAGE_FORMATS = ("html", "json", "xml", "csv", "tsv", "turtle", "jsonld")
#: RFC 9112 §3: servers and proxies should accept request lines of at least 8,000 octets;
#: longer links may be refused on the way, so the page warns past this length.
PORTABLE_LINK = 8000

_TOKEN = re.compile(r"[A-Za-z0-9_-]*")


def encode(query: str) -> str:
    """The ``z`` token of a query: raw DEFLATE of its UTF-8, base64url without padding."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(query.encode("utf-8")) + packer.flush()
    return base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode(token: str, max_length: int) -> str:
    """The query of a ``z`` token; 400 when it is damaged or cut, 414 when the query it holds is
    longer than ``max_length`` bytes (as a GET of that query would be)."""
    if not _TOKEN.fullmatch(token) or len(token) % 4 == 1:
        raise BadRequest(
            "the share link is damaged: its 'z' parameter is not base64url "
            "(letters, digits, '-' and '_')"
        )
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise BadRequest("the share link is damaged: its 'z' parameter is not base64url") from None
    unpacker = zlib.decompressobj(-15)
    try:
        raw = unpacker.decompress(packed, max_length + 1)
    except zlib.error:
        raise BadRequest("the share link is damaged: its query does not decompress") from None
    if len(raw) > max_length:
        raise URITooLong(
            f"the query of this share link is longer than {max_length} bytes, the longest "
            "this endpoint accepts"
        )
    if not unpacker.eof:
        raise BadRequest("the share link is cut short: was part of it lost when it was copied?")
    if unpacker.unused_data:
        raise BadRequest("the share link is damaged: bytes follow its query")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the share link is damaged: its query is not UTF-8") from None


def page_format(value: str | None) -> str:
    """The ``f`` parameter: one of :data:`PAGE_FORMATS` (default ``html``), else 400."""
    if value is None or value == "":
        return "html"
    if value not in PAGE_FORMATS:
        raise BadRequest(
            f"unknown result format '{value}' in 'f'; use one of: " + ", ".join(PAGE_FORMATS)
        )
    return value


def link(base: str, query: str, chosen: str, lang: str) -> str:
    """The share link of ``query`` with format ``chosen`` and interface language ``lang``."""
    pairs = [(FORMAT, chosen)] if chosen != "html" else []
    pairs += [(LANGUAGE, lang), (QUERY, encode(query))]
    return f"{base}sparql?" + urlencode(pairs, quote_via=quote)
