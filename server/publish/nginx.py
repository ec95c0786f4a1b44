"""An nginx configuration that answers for an exported site (:mod:`server.publish.site`) as
``policygraph serve`` does, and passes everything else to it.

Written to be included in nginx's ``http`` block. nginx answers by itself, from the exported
files, exactly the requests whose answer the export determines:

- ``GET``/``HEAD`` of ``/id/…`` without a query string, or with a ``lang=`` one it knows: ``303``
  to ``/doc/…`` (Cool URIs §4.3), ``Location`` and query string as the publisher writes them;
- ``GET``/``HEAD`` of an exported document (``/doc/…``, ``/ontology``, ``/graph/…``) or a
  suffix URL of one, when ``Accept``, ``Accept-Language`` and the query string are values the
  export resolved with the publisher's negotiation (RFC 9110 §12.5); the publisher's
  ``Content-Type``, ``Vary``, ``Content-Location``, ``Link``, ``ETag``, ``Last-Modified``,
  ``Cache-Control`` and CORS headers (Fetch §3.2);
- ``If-None-Match`` against the publisher's ETag (RFC 9110 §13.1.2: 304, weak comparison, ``*``),
  and ``If-Modified-Since`` against the load time when there is no ``If-None-Match`` (§13.1.3);
- the fixed resources (the JSON-LD context, the sitemaps, ``robots.txt``).

Everything else goes to the publisher: other methods (``OPTIONS``, ``POST``), ``If-Match``,
``If-Unmodified-Since``, a malformed ``If-None-Match``, unknown Accept or Accept-Language values,
other query strings, every answer that is 406 or 404, and every dynamic path (``/sparql``,
``/search``, ``/``, the dumps, the dataset, and the documents not exported: ``/shapes``,
``/validation``). Byte ranges are off (the publisher sends whole documents).

What differs, by design or by nginx: ``Last-Modified`` is the export's load time (each
``serve`` has its own); a 303's body is nginx's; a 304 carries the 200's ``Content-Length``;
requests nginx itself refuses (a malformed request line, headers past its buffers) get nginx's
error page, not the publisher's shape; with two ``Accept`` headers nginx 1.22 reads the first
(the publisher, both joined). Accept and Accept-Language are matched without regard to case,
as the publisher matches media types, q and language tags; the query's name ``lang`` with it.
"""

from __future__ import annotations

import re
from email.utils import formatdate

from server.publish.site import Site, fixed_path
from server.render.cors import CORS_HEADERS
from server.render.formats import BY_NAME
from server.render.languages import LANGUAGES

UPSTREAM = "policygraph_app"
PYTHON = "@policygraph"
#: A 304 is the file itself answered with status 304 (``error_page 419 =304 FILE``): nginx
#: sends no body, and the Content-Length it sends is the 200's (RFC 9110 §8.6 allows no other);
#: the file's own location (:data:`FOLDERS`, internal) gives it no Content-Type (§15.4.5).
NOT_MODIFIED_CODE = 419
#: The exported files' folders (:mod:`server.publish.site`), each an internal location.
FOLDERS = ("data", "fixed", *LANGUAGES)
ERRORS = (f"error_page 418 = {PYTHON};", f"error_page {NOT_MODIFIED_CODE} =304 $pg_path;")
#: The publisher's CORS headers, the ones its views send.
CORS = tuple(CORS_HEADERS.items())
#: A document key nginx may answer for (the URL path less ``/`` and the suffix).
DOC_KEY = (
    r"doc/[a-z][a-z0-9-]*/[a-z0-9][a-z0-9-]*(?:/incoming/[0-9]+)?"
    r"|ontology|shapes|graph/[a-z0-9][a-z0-9/_-]*"
)
THING = r"id/[a-z][a-z0-9-]*/[a-z0-9][a-z0-9-]*"
#: A well-formed If-None-Match (RFC 9110 §13.1.2): ``*`` or a list of entity tags.
ETAG_LIST = r'~^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$'


def quote(value: str) -> str:
    """An nginx string: single-quoted (values hold double quotes), backslash-escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _map(source: str, target: str, entries, default: str = "''") -> list[str]:
    lines = [f"map {source} ${target} {{", f"    default {default};"]
    lines += [f"    {quote(key)} {value};" for key, value in entries]
    return [*lines, "}", ""]


def _headers(pairs) -> list[str]:
    return [f"        add_header {name} {value};" for name, value in pairs]


def _cors() -> list[tuple[str, str]]:
    return [(name, quote(value)) for name, value in CORS]


def link_template(site: Site, offer: int) -> str | None:
    """The ``Link`` value of the documents of one offer with ``$pg_key`` for the key, taken from
    one of them (so it is the publisher's, not rebuilt here)."""
    for key, position in site.offer_of.items():
        if position == offer and site.links.get(key):
            return site.links[key].replace(f"<{site.base}{key}.", f"<{site.base}$pg_key.")
    return None


def config(
    site: Site,
    root: str,
    upstream: str = "127.0.0.1:8080",
    listen: str = "80",
    server_name: str = "_",
) -> str:
    """The configuration text; ``root`` is the exported folder's ``files`` as nginx will see it."""
    offers = {position: sum(1 for p in site.offer_of.values() if p == position)
              for position in range(len(site.offers))}  # fmt: skip
    common = max(offers, key=offers.__getitem__) if offers else 0
    template = link_template(site, common) or ""
    loaded = formatdate(site.loaded_at, usegmt=True)
    out = [
        "# Generated by `policygraph export-site`: include inside nginx's http { } block.",
        f"# Base {site.base}; documents {len(site.links)}; files {len(site.files)}.",
        "",
        f"map_hash_max_size {max(65536, 2 * (len(site.files) + len(site.things)))};",
        "map_hash_bucket_size 256;",
        "",
        f"upstream {UPSTREAM} {{",
        f"    server {upstream};",
        "    keepalive 32;",
        "}",
        "",
    ]
    out += _map(
        "$pg_key",
        "pg_offer",
        ((key, str(p)) for key, p in sorted(site.offer_of.items()) if p != common),
        str(common),
    )
    out += _map(
        '"$pg_offer|$http_accept"',
        "pg_negotiated",
        ((f"{p}|{accept}", suffix) for (p, accept), suffix in site.negotiated.items()),
    )
    # A suffix names the format; else Accept does. ``lang=`` first, else Accept-Language
    # ("-": the query leaves the choice to Accept-Language; "": a query nginx passes on).
    out += _map("$pg_suffix", "pg_fmt", [("", "$pg_negotiated")], "$pg_suffix")
    # The name ``lang`` is matched with its case (the publisher reads ``lang`` only), the value
    # without (the publisher lower-cases it).
    queries = [("", "-")] + [
        (f"~^lang=(?i:{re.escape(query.partition('=')[2])})$", lang or "-")
        for query, lang in site.lang_queries.items()
    ]
    out += _map("$args", "pg_qlang", queries)
    out += _map("$http_accept_language", "pg_al", site.languages.items())
    out += _map("$pg_qlang", "pg_lang", [("-", "$pg_al")], "$pg_qlang")
    out += [
        'map "$pg_fmt|$pg_qlang|$pg_lang" $pg_path {',
        "    default '';",
        r"    '~^\|' '';",
        r"    '~^[a-z]+\|\|' '';",
        r"    '~^html\|[^|]*\|$' '';",
        r"    '~^html\|[^|]*\|(?<pg_l>.+)$' '/$pg_l/$pg_key.html';",
        r"    '~^(?<pg_f>[a-z]+)\|' '/data/$pg_key.$pg_f';",
        "}",
        "",
    ]
    etags = [("/" + f.path, f.etag) for f in site.files]
    etags += [(f"/{fixed_path(name)}", etag) for name, (_, etag) in site.fixed.items()]
    out += _map("$pg_path", "pg_etag", etags)
    out += _map("$http_if_none_match", "pg_inm_ok", (("", "1"), (ETAG_LIST, "1")), "0")
    out += [
        'map "$pg_etag|$http_if_none_match" $pg_not_modified {',
        "    default '';",
        "    '~^([0-9a-f]+)\\|.*\"\\1\"' 1;",
        r"    '~^[0-9a-f]+\|\s*\*\s*$' 1;",
        "}",
        "",
        # Answered here only when everything the answer depends on was resolved at export.
        'map "$request_method|$pg_etag|$http_if_match$http_if_unmodified_since|$pg_inm_ok"'
        " $pg_python {",
        "    default 1;",
        r"    '~^(GET|HEAD)\|[0-9a-f]+\|\|1$' '';",
        "}",
        "",
        'map "$pg_suffix|$pg_fmt" $pg_vary {',
        "    default '';",
        "    '|' '';",
        r"    '~^\|html$' 'Accept, Accept-Language';",
        r"    '~^\|' 'Accept';",
        r"    '~^[a-z]+\|html$' 'Accept-Language';",
        "}",
        "",
    ]
    exceptions = [
        (key, quote(links))
        for key, links in sorted(site.links.items())
        if links != template.replace("$pg_key", key)
    ]
    out += _map("$pg_key", "pg_link", [("", "''"), *exceptions], quote(template))
    out += [
        'map "$pg_key|$pg_fmt" $pg_content_location {',
        "    default '';",
        f"    '~^(?<pg_k>[^|]+)\\|(?<pg_s>.+)$' '{site.base}$pg_k.$pg_s';",
        "}",
        "",
    ]
    out += _map("$pg_id", "pg_target", sorted(site.things.items()))
    out += [
        'map "$request_method|$pg_target|$pg_qlang" $pg_id_python {',
        "    default 1;",
        r"    '~^(GET|HEAD)\|[^|]+\|.+$' '';",
        "}",
        "",
    ]
    out += _server(site, root, listen, server_name, loaded)
    return "\n".join(out) + "\n"


def _types() -> list[str]:
    lines = ["        types {"]
    lines += [f"            {fmt.media_type} {fmt.suffix};" for fmt in BY_NAME.values()]
    return [*lines, "        }"]


def _charset_types(media_types) -> str:
    return "        charset utf-8;\n        charset_types " + " ".join(sorted(media_types)) + ";"


def _server(site: Site, root: str, listen: str, server_name: str, loaded: str) -> list[str]:
    base = site.base
    charset = {fmt.media_type for fmt in BY_NAME.values() if fmt.charset}
    document = [
        ("ETag", "'\"$pg_etag\"'"),
        ("Last-Modified", quote(loaded)),
        ("Content-Location", "$pg_content_location"),
        ("Link", "$pg_link"),
        ("Cache-Control", "'public, max-age=300'"),
        ("Vary", "$pg_vary"),
        *_cors(),
    ]
    out = [
        "server {",
        f"    listen {listen};",
        f"    server_name {server_name};",
        "    server_tokens off;",
        "    merge_slashes off;",
        "    client_max_body_size 128k;",
        f"    root {root};",
        "    etag off;",
        "    max_ranges 0;",
        "    if_modified_since before;",
        f"    error_page 418 = {PYTHON};",
        "",
        "    proxy_http_version 1.1;",
        '    proxy_set_header Connection "";',
        "    proxy_set_header Host $http_host;",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
        '    proxy_set_header Forwarded "";',
        "    proxy_read_timeout 60s;",
        "",
        f"    location ~ ^/(?<pg_key>{DOC_KEY})(?:\\.(?<pg_suffix>[a-z]+))?$ {{",
        "        if ($pg_python) { return 418; }",
        f"        if ($pg_not_modified) {{ return {NOT_MODIFIED_CODE}; }}",
        *(f"        {line}" for line in ERRORS),
        *_types(),
        _charset_types(charset),
        *_headers(document),
        f"        try_files $pg_path {PYTHON};",
        "    }",
        "",
        f"    location ~ ^/(?<pg_id>{THING})$ {{",
        "        if ($pg_id_python) { return 418; }",
        "        charset utf-8;",
        *_headers([("Vary", "Accept"), *_cors()]),
        f"        return 303 '{base}$pg_target$is_args$args';",
        "    }",
        "",
    ]
    out += _fixed(site, loaded)
    out += [
        # The files' own paths: reached only by the 304s above; asked by a client, the
        # publisher's 404.
        f"    location ~ ^/(?:{'|'.join(FOLDERS)})/ {{",
        "        internal;",
        f"        error_page 404 = {PYTHON};",
        "        types { }",
        "        default_type '';",
        *_headers(document),
        "    }",
        "",
    ]
    out += [
        "    location / {",
        f"        proxy_pass http://{UPSTREAM};",
        "    }",
        "",
        f"    location {PYTHON} {{",
        f"        proxy_pass http://{UPSTREAM};",
        "    }",
        "}",
    ]
    return out


def _fixed(site: Site, loaded: str) -> list[str]:
    """One location per content type of the fixed resources (context, sitemaps, robots.txt)."""
    by_type: dict[str, list[str]] = {}
    for name, (content_type, _) in sorted(site.fixed.items()):
        by_type.setdefault(content_type, []).append(name)
    out = []
    for content_type, names in by_type.items():
        media_type, _, parameters = content_type.partition(";")
        if parameters and parameters.strip().lower() != "charset=utf-8":
            continue
        names_re = "|".join(re.escape(name) for name in names)
        out += [
            f"    location ~ ^/(?<pg_fixed>{names_re})$ {{",
            "        set $pg_path /fixed/$pg_fixed;",
            "        if ($args) { return 418; }",
            "        if ($pg_python) { return 418; }",
            f"        if ($pg_not_modified) {{ return {NOT_MODIFIED_CODE}; }}",
            *(f"        {line}" for line in ERRORS),
            "        types { }",
            f"        default_type {media_type.strip()};",
        ]
        if parameters:
            out.append(_charset_types([media_type.strip()]))
        out += _headers(
            [
                ("ETag", "'\"$pg_etag\"'"),
                ("Last-Modified", quote(loaded)),
                ("Cache-Control", "'public, max-age=300'"),
                *_cors(),
            ]
        )
        out += [f"        try_files $pg_path {PYTHON};", "    }", ""]
    return out
