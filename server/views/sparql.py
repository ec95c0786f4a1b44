"""The SPARQL 1.1 endpoint at ``{base}sparql``: protocol, safety checks, execution, responses.

SPARQL 1.1 Protocol §2.1 (query operation) over pyoxigraph. The default graph is the union of the
data graphs; the ontology and shapes graphs are queryable by name (``GRAPH``, ``FROM NAMED``).
Without a query, RDF clients get the SPARQL 1.1 Service Description and browsers the query page.
Read-only: SPARQL Update is refused with 403; ``SERVICE`` and dataset clauses naming anything but
our graphs with 400 (see :mod:`server.sparql.safety`). Every query runs in a child process with a
wall-clock deadline (:mod:`server.sparql.engine`), but those whose work the data bounds before they
run, which the request thread answers (:mod:`server.sparql.bounded`); capped results carry
``X-Policygraph-Truncated: true`` (and a note on the HTML page).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from server.publish.publication import publication
from server.settings import CONFIG_KEY
from server.sparql import page as sparql_page
from server.sparql import protocol as sparql_protocol
from server.sparql.description import service_description
from server.sparql.engine import Answer
from server.sparql.service import answer_headers, plan, run
from server.views.completion import blueprint as completion
from server.views.ratelimit import RateLimiter

blueprint = Blueprint(
    "sparql", __name__, static_folder="../static/sparql", static_url_path="/sparql/static"
)
blueprint.register_blueprint(completion)  # what the query page's editor completes


# -- rate limiting (per client address, shared by all workers) ---------------------------------


RATE_LIMITER = "policygraph.sparql_rate_limiter"


@blueprint.record_once
def _create_rate_limiter(state) -> None:
    """Built with the app, before workers fork, so that they share one count per client."""
    settings = state.app.config.get(CONFIG_KEY)
    limit = settings.sparql_rate_limit if settings is not None else 0
    trusted = settings.trusted_proxies if settings is not None else ()
    state.app.extensions[RATE_LIMITER] = (
        RateLimiter(limit, trusted_proxies=trusted) if limit > 0 else None
    )


def rate_limit() -> None:
    """At most ``sparql_rate_limit`` requests a minute per client (RFC 6585 §4): the connecting
    address, or behind ``trusted_proxies`` the client they name; once per request, whichever of
    the fast path and this view sees it first."""
    limiter = current_app.extensions.get(RATE_LIMITER)
    if limiter is not None:
        limiter.count(request.environ)


# -- the endpoint --------------------------------------------------------------------------------


@blueprint.route("/sparql", methods=["GET", "HEAD", "POST"])
def endpoint():
    """SPARQL 1.1 Protocol §2.1: GET, POST form and POST direct; any other method is 405.

    :class:`server.views.fastpath.FastPath` answers GET and HEAD queries in a result format with
    the same steps (:func:`plan`, :func:`run`, :func:`answer_headers`) without Flask."""
    pub = publication()
    rate_limit()
    parsed = sparql_protocol.read(
        request, pub.settings.sparql_max_query_length, pub.settings.sparql_max_body
    )
    choice, job = plan(pub, parsed, request.headers.get("Accept", ""))
    if job is None:
        if choice.name == "html":
            return _respond(sparql_page.render(pub, None, None), choice.media_type)
        return _respond(service_description(pub, choice.name), choice.media_type)
    answer = run(pub, job)
    if choice.name == "html":
        body = sparql_page.render(pub, parsed.query, answer)
    else:
        body = answer.body
    return _respond(body, choice.media_type, answer)


def _respond(body: bytes | str, content_type: str, answer: Answer | None = None) -> Response:
    response = Response(body, content_type=content_type)
    response.headers.update(answer_headers(answer))
    return response
