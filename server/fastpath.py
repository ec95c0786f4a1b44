"""A WSGI fast path for the commonest request: an unconditional GET or HEAD of ``/doc/…``.

A representation at hand (precomputed, or cached after its first rendering) is answered with a
lookup; Flask's request context, Accept parsing and response building would cost several times
more than the lookup itself. Negotiation and language choice still use the server's own
functions (RFC 9110 §12.5.1, §12.5.4), once per distinct header value, and the headers are
built by the same function as Flask's path, once per representation (they are kept with it, so
they are bounded by the same cache). Anything else — conditional requests, query strings,
unknown documents, 406s — goes to Flask unchanged.
"""

from __future__ import annotations

from server.errors import PolicygraphError
from server.formats import by_suffix, negotiate
from server.http import CORS_HEADERS, representation_headers, split_suffix
from server.labels import choose_language

#: Distinct header values remembered (bounded: a client cannot grow the caches without limit).
CACHE_LIMIT = 4096
SKIP = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


class DocumentFastPath:
    """WSGI middleware in front of the Flask app, serving rendered documents directly."""

    def __init__(self, app, pub):
        self.app, self.pub, self.flask = app, pub, app.wsgi_app
        self._formats: dict = {}
        self._languages: dict = {}

    def _negotiate(self, accept: str, formats: tuple[str, ...]):
        key = (accept, formats)
        if key not in self._formats:
            with self.app.test_request_context(headers={"Accept": accept} if accept else {}):
                try:
                    found = negotiate(formats)
                except PolicygraphError:  # 406: Flask answers it with the documented body
                    found = None
            if len(self._formats) >= CACHE_LIMIT:
                return found
            self._formats[key] = found
        return self._formats[key]

    def _language(self, header: str) -> str:
        if header not in self._languages:
            context = {"Accept-Language": header} if header else {}
            with self.app.test_request_context(headers=context) as ctx:
                found = choose_language(None, ctx.request.accept_languages)
            if len(self._languages) >= CACHE_LIMIT:
                return found
            self._languages[header] = found
        return self._languages[header]

    def _answer(self, environ):
        """(headers, body) for a plain document request, or None to let Flask answer."""
        path = environ.get("PATH_INFO", "")
        if (
            not path.startswith("/doc/")
            or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or environ.get("QUERY_STRING")
            or any(name in environ for name in SKIP)
        ):
            return None
        kind, _, name = path[len("/doc/") :].partition("/")
        slug, suffix = split_suffix(name)
        key = f"doc/{kind}/{slug}"
        formats = self.pub.documents.formats(key)  # describes nothing
        if formats is None or "/" in name:
            return None
        if suffix is None:
            fmt = self._negotiate(environ.get("HTTP_ACCEPT", "").strip(), formats)
        else:
            fmt = by_suffix(suffix, formats)
        if fmt is None:
            return None
        lang = self._language(environ.get("HTTP_ACCEPT_LANGUAGE", "")) if fmt.per_language else None
        rep = self.pub.cached(key, fmt, lang)
        if rep is None:
            with self.app.app_context():  # rendering on demand uses Jinja
                rep = self.pub.representation(key, fmt, lang)
        negotiated = suffix is None
        found = rep.answers.get(negotiated)
        if found is None:
            headers = representation_headers(self.pub, rep, negotiated, fmt.per_language)
            headers["Content-Type"] = rep.content_type
            headers["Content-Length"] = str(len(rep.body))
            for header, value in CORS_HEADERS.items():
                headers.setdefault(header, value)
            found = rep.answers[negotiated] = (list(headers.items()), rep.body)
        return found

    def __call__(self, environ, start_response):
        found = self._answer(environ)
        if found is None:
            return self.flask(environ, start_response)
        headers, body = found
        start_response("200 OK", list(headers))
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]
