"""WSGI fast paths for the commonest requests: an unconditional GET or HEAD of ``/doc/…``, and
a SPARQL query by GET or HEAD answered in a result or RDF format.

Documents: a representation at hand (precomputed, or cached after its first rendering) is
answered with a lookup; Flask's request context, Accept parsing and response building would
cost several times more than the lookup itself. Negotiation and language choice still use the
server's own functions (RFC 9110 §12.5.1, §12.5.4), once per distinct header value, and the
headers are built by the same function as Flask's path, once per representation (they are kept
with it, so they are bounded by the same cache). Anything else — conditional requests, query
strings, unknown documents, 406s — goes to Flask unchanged.

Queries (SPARQL 1.1 Protocol §2.1.1): the endpoint's own steps (``plan``, ``run`` and
``answer_headers`` of :mod:`server.sparql.service`) without Flask's request context, which cost
about as much as running a one-resource lookup. Under a rate limit (``sparql_rate_limit``) the
request is counted first, as the view counts it, and marked counted so that the view, if it
answers after all, does not count it again. A refused or failed query (429 included) is answered
by Flask's error handlers; requests without a query, for the HTML page or by POST go to Flask.
"""

from __future__ import annotations

from server.errors import PolicygraphError
from server.publish.publication import Publication
from server.render.cors import CORS_HEADERS
from server.render.formats import by_suffix, negotiate
from server.render.languages import choose_language
from server.sparql import protocol as sparql_protocol
from server.sparql import service
from server.views.http import representation_headers, split_suffix
from server.views.sparql import RATE_LIMITER

#: Distinct header values remembered (bounded: a client cannot grow the caches without limit).
CACHE_LIMIT = 4096
#: Requests Flask answers: conditional ones, and datetime negotiation (RFC 7089 §4.1.1).
SKIP = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_ACCEPT_DATETIME")


class FastPath:
    """WSGI middleware in front of the Flask app, serving rendered documents and query answers
    directly."""

    def __init__(self, app, pub: Publication):
        self.app, self.pub, self.flask = app, pub, app.wsgi_app
        self._formats: dict = {}
        self._languages: dict = {}
        self._limiter = app.extensions.get(RATE_LIMITER)
        self._max_query = pub.settings.sparql_max_query_length

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
        if "/" in name:  # a page of incoming links, or nothing
            return None
        slug, suffix = split_suffix(name)
        key = f"doc/{kind}/{slug}"
        formats = self.pub.documents.formats(key)  # describes nothing
        if formats is None:
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

    def _query(self, environ):
        """(status, headers, body) answering a GET or HEAD query, or None to let Flask answer.

        Raises what the endpoint raises for a refused or failed query."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or not environ.get("QUERY_STRING"):
            return None
        if self._limiter is not None:
            self._limiter.count(environ)
        # PEP 3333: the query string arrives as the latin-1 decoding of its bytes.
        raw = environ["QUERY_STRING"].encode("latin-1")
        parsed = sparql_protocol.read_get(raw, self._max_query)
        choice, job = service.plan(self.pub, parsed, environ.get("HTTP_ACCEPT", ""))
        if job is None or choice.name == "html":
            return None
        answer = service.run(self.pub, job)
        headers = service.answer_headers(answer)
        headers["Content-Type"] = choice.media_type
        headers["Content-Length"] = str(len(answer.body))
        return "200 OK", list(headers.items()), answer.body

    def _error(self, environ, start_response, error: Exception):
        """Answer ``error`` as the Flask app would (its error handlers and after-request hooks)."""
        with self.app.request_context(environ):
            response = self.app.make_response(self.app.handle_user_exception(error))
            response = self.app.process_response(response)
        return response(environ, start_response)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/sparql":
            try:
                found = self._query(environ)
            except Exception as error:  # noqa: BLE001 - answered by Flask's handlers, as in Flask
                return self._error(environ, start_response, error)
        else:
            found = self._answer(environ)
            if found is not None:
                found = ("200 OK", *found)
        if found is None:
            return self.flask(environ, start_response)
        status, headers, body = found
        start_response(status, list(headers))
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]
