"""One exception family and one handler that renders every error in one documented shape.

Shape (RFC 9110 §15 status codes): machine clients get
``{"error": {"status": N, "title": "...", "message": "..."}}`` as JSON; browsers (Accept prefers
``text/html``) get a page; ``text/plain`` gets a plain line. A 5xx never shows exception text.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

ERROR_TYPES = ("application/json", "text/html", "text/plain")


class PolicygraphError(Exception):
    """Base of every error the publisher reports to a client; ``status`` is the HTTP status."""

    status = 500
    title = "Internal Server Error"

    def __init__(
        self, message: str | None = None, *, headers: dict | None = None, extra: dict | None = None
    ):
        super().__init__(message or self.title)
        self.message = message or self.title
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class BadRequest(PolicygraphError):
    status, title = 400, "Bad Request"


class NotFound(PolicygraphError):
    status, title = 404, "Not Found"


class NotAcceptable(PolicygraphError):
    """RFC 9110 §15.5.7: nothing offered matches Accept; the body lists what is offered."""

    status, title = 406, "Not Acceptable"

    def __init__(self, offered: list[str], message: str | None = None, **kw):
        self.offered = list(offered)
        message = message or "No representation matches the Accept header. Offered: " + ", ".join(
            self.offered
        )
        super().__init__(message, **kw)
        self.extra["offered"] = self.offered


class PayloadTooLarge(PolicygraphError):
    status, title = 413, "Content Too Large"


class URITooLong(PolicygraphError):
    status, title = 414, "URI Too Long"


class UnsupportedMediaType(PolicygraphError):
    status, title = 415, "Unsupported Media Type"


class TooManyRequests(PolicygraphError):
    """RFC 6585 §4: ``Retry-After`` says when to try again."""

    status, title = 429, "Too Many Requests"

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.headers["Retry-After"] = str(retry_after)


class QueryTimeout(PolicygraphError):
    status, title = 503, "Query Timeout"


class ServiceUnavailable(PolicygraphError):
    status, title = 503, "Service Unavailable"


def _preferred_type() -> str:
    """JSON unless the client prefers HTML or plain text (RFC 9110 §12.5.1)."""
    return request.accept_mimetypes.best_match(ERROR_TYPES, default=ERROR_TYPES[0])


def error_json(status: int, title: str, message: str, extra: dict | None = None) -> str:
    """The documented error body: ``{"error": {"status", "title", "message"}}``."""
    payload = {"status": status, "title": title, "message": message, **(extra or {})}
    return json.dumps({"error": payload}, ensure_ascii=False) + "\n"


def error_response(
    status: int, title: str, message: str, *, headers: dict | None = None, extra: dict | None = None
) -> Response:
    """Render an error in the documented shape, negotiated between JSON, HTML and plain text."""
    kind = _preferred_type()
    if kind == "text/html":
        body = render_template(
            "error.html", status=status, title=title, message=message, extra=extra or {}
        )
        mimetype = "text/html"
    elif kind == "text/plain":
        body = f"{status} {title}: {message}\n"
        mimetype = "text/plain"
    else:
        body = error_json(status, title, message, extra)
        mimetype = "application/json"
    response = Response(body, status=status, mimetype=mimetype)
    response.headers.update(headers or {})
    response.vary.add("Accept")
    return response


def handle_policygraph_error(error: PolicygraphError) -> Response:
    if error.status >= 500:
        log.error("%s: %s", error.title, error.message)
    return error_response(
        error.status, error.title, error.message, headers=error.headers, extra=error.extra
    )


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's own errors (unknown route, wrong method) in the same shape."""
    headers = {k: v for k, v in error.get_headers() if k.lower() in {"allow", "retry-after"}}
    status = error.code or 500
    message = error.description or error.name
    if status == 405:
        allowed = headers.get("Allow", "")
        message = f"{request.method} is not allowed on {request.path}; use {allowed}."
    if status >= 500:
        message = "The server could not answer this request."
    return error_response(status, error.name, message, headers=headers)


def handle_unexpected(error: Exception) -> Response:
    """A generic 500: the traceback goes to the log, never to the client."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(
        500, "Internal Server Error", "The server met an unexpected error; it has been logged."
    )


def register(app: Flask) -> None:
    app.register_error_handler(PolicygraphError, handle_policygraph_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
