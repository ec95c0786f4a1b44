"""The gunicorn worker: gthread, with errors gunicorn answers itself in the documented shape.

Gunicorn refuses some requests before the app sees them (a malformed request line, RFC 9112
§3; header fields over its limits, RFC 6585 §5). Its own answer is an HTML page; this worker
answers them with the same JSON error body as the app (DESIGN.md § HTTP conventions).
"""

from __future__ import annotations

from gunicorn.http import errors as http_errors
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from server.errors import error_json
from server.views.http import CORS_HEADERS

#: Gunicorn's request errors and the status each deserves; anything else is a 400.
STATUSES: tuple[tuple[type, int, str], ...] = (
    (http_errors.LimitRequestLine, 414, "URI Too Long"),
    (http_errors.LimitRequestHeaders, 431, "Request Header Fields Too Large"),
    (http_errors.UnsupportedTransferCoding, 501, "Not Implemented"),
    (http_errors.ExpectationFailed, 417, "Expectation Failed"),
    (http_errors.ForbiddenProxyRequest, 403, "Forbidden"),
)
CLIENT_ERRORS = tuple(
    getattr(http_errors, name)
    for name in (
        "InvalidRequestLine",
        "InvalidRequestMethod",
        "InvalidHTTPVersion",
        "InvalidHeader",
        "InvalidHeaderName",
        "LimitRequestLine",
        "LimitRequestHeaders",
        "InvalidProxyLine",
        "ForbiddenProxyRequest",
        "InvalidSchemeHeaders",
        "UnsupportedTransferCoding",
        "ObsoleteFolding",
        "ExpectationFailed",
        "InvalidChunkSize",
        "ChunkMissingTerminator",
        "InvalidChunkExtension",
    )
    if hasattr(http_errors, name)
)


def status_of(error: Exception) -> tuple[int, str]:
    for kind, status, title in STATUSES:
        if isinstance(error, kind):
            return status, title
    return 400, "Bad Request"


class PublisherWorker(ThreadWorker):
    """gthread worker whose pre-application errors use the documented error body."""

    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, CLIENT_ERRORS):
            return super().handle_error(req, client, addr, exc)
        status, title = status_of(exc)
        self.log.warning("invalid request from %s: %s", (addr or ("",))[0], exc)
        body = error_json(status, title, f"The request could not be read: {exc}").encode()
        head = [
            f"HTTP/1.1 {status} {title}",
            "Connection: close",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
        ]
        head += [f"{name}: {value}" for name, value in CORS_HEADERS.items()]
        try:
            write_nonblock(client, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        except OSError:
            pass
