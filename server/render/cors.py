"""The CORS headers of every response (Fetch Standard §3.2), for the views and for the web
server configuration ``export-site`` writes, which must answer alike."""

from __future__ import annotations

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Link, Content-Location, ETag, Last-Modified, Vary, "
    "Retry-After, Memento-Datetime",
}
#: What a preflight request (``OPTIONS`` with ``Access-Control-Request-Method``) is also told.
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, Accept-Language, If-None-Match, "
    "If-Modified-Since, Accept-Datetime",
    "Access-Control-Max-Age": "86400",
}
