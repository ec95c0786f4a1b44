"""A SPARQL 1.1 Protocol client that stands in for pyoxigraph.Store; the loader: graph.store.load.

:class:`RemoteStore` offers the part of ``pyoxigraph.Store`` the publisher uses (``query``,
``quads_for_pattern``, ``named_graphs``, ``contains_named_graph``, ``len``) over an external SPARQL
1.1 endpoint (DESIGN.md § Store and scale), and answers with real pyoxigraph terms, so the server
code runs unchanged. Only the standard library talks HTTP (``http.client``, one keep-alive
connection per thread and origin: a small query costs Virtuoso about 1.4 ms on one, 5.6 ms on a
fresh connection).

Requests follow SPARQL 1.1 Protocol §2.1.1 (GET) and §2.1.2 (POST with a form body), never §2.1.3
(a direct ``application/sparql-query`` POST: Virtuoso 7.2 hangs on it), always with an explicit
``Accept`` (without one Virtuoso answers HTML), and always with a timeout. Results are read as
SPARQL 1.1 Query Results JSON (§3), also accepting the pre-Recommendation ``typed-literal`` type
that Virtuoso still sends; Virtuoso's ``"1"``/``"0"`` for ``xsd:boolean`` become ``true``/``false``
and its ``nodeID://…`` blank-node labels become blank nodes (and back again in patterns). Nothing
else is changed: language tags keep the case the engine gives them.

Credentials come from ``POLICYGRAPH_SPARQL_USER`` / ``POLICYGRAPH_SPARQL_PASSWORD`` (HTTP Digest or
Basic, whichever the server asks for), an update endpoint from ``POLICYGRAPH_SPARQL_UPDATE_URL``
and a Graph Store Protocol endpoint from ``POLICYGRAPH_SPARQL_GRAPH_STORE_URL``.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from graph import sparql_lexer

PREFIX = "sparql:"
ENV_USER = "POLICYGRAPH_SPARQL_USER"
ENV_PASSWORD = "POLICYGRAPH_SPARQL_PASSWORD"
ENV_UPDATE_URL = "POLICYGRAPH_SPARQL_UPDATE_URL"
ENV_GRAPH_STORE_URL = "POLICYGRAPH_SPARQL_GRAPH_STORE_URL"

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
FORM = "application/x-www-form-urlencoded"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Virtuoso's label for a blank node in results; it accepts ``<nodeID://…>`` in queries too.
VIRTUOSO_BNODE = "nodeID://"
#: The report graph the loader writes next to the data (not a data graph: not under graph/).
VALIDATION_GRAPH = "validation"


class RemoteError(Exception):
    """The endpoint failed or could not be reached; ``status`` is its HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body


class RemoteTimeout(RemoteError):
    """The endpoint did not answer within the timeout."""


class RemoteSyntaxError(RemoteError, SyntaxError):
    """The endpoint refused the query text (HTTP 400), like pyoxigraph's ``SyntaxError``."""


# -- terms ---------------------------------------------------------------------------------------

_BNODE_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


def term_from_json(binding: dict) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
    """One RDF term of SPARQL 1.1 Query Results JSON §3.2.2 (and the old ``typed-literal``)."""
    kind = binding.get("type")
    value = binding.get("value")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return blank_node(value)
    if kind in ("literal", "typed-literal"):
        language = binding.get("xml:lang")
        if language:
            return ox.Literal(value, language=language)
        datatype = binding.get("datatype")
        if datatype and datatype != XSD_STRING:
            if datatype == XSD_BOOLEAN and value in ("1", "0"):
                value = "true" if value == "1" else "false"
            return ox.Literal(value, datatype=ox.NamedNode(datatype))
        return ox.Literal(value)
    if kind == "triple":
        parts = value or {}
        return ox.Triple(
            term_from_json(parts["subject"]),
            term_from_json(parts["predicate"]),
            term_from_json(parts["object"]),
        )
    raise RemoteError(f"unknown RDF term type {kind!r} in the SPARQL JSON results")


def blank_node(label: str) -> ox.BlankNode:
    """A blank node for an engine's label (``nodeID://b10000`` → ``_:b10000``)."""
    if label.startswith(VIRTUOSO_BNODE):
        label = label[len(VIRTUOSO_BNODE) :]
    if not _BNODE_LABEL.match(label):
        label = "x" + label.encode("utf-8").hex()
    return ox.BlankNode(label)


def sparql_term(term) -> str:
    """A term in SPARQL syntax (N-Triples syntax is valid SPARQL for IRIs and literals)."""
    if isinstance(term, ox.BlankNode):
        return f"<{VIRTUOSO_BNODE}{term.value}>"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)
    raise TypeError(f"cannot write {term!r} in a query pattern")


def _nt_term(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else str(term)


# -- results -------------------------------------------------------------------------------------


class RemoteSolution:
    """One solution, indexable like ``pyoxigraph.QuerySolution`` (by position, name or Variable)."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: dict[str, int], values: tuple):
        self._names = names
        self._values = values

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._values[key]
        if isinstance(key, ox.Variable):
            key = key.value
        return self._values[self._names[key]]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator:
        return iter(self._values)

    def __repr__(self) -> str:
        pairs = " ".join(f"{name}={self._values[i]}" for name, i in self._names.items())
        return f"<RemoteSolution {pairs}>"


class RemoteSolutions:
    """The solutions of a SELECT, iterable once or more, with ``variables`` as pyoxigraph has."""

    def __init__(self, variables: list[str], rows: list[tuple]):
        self.variables = [ox.Variable(name) for name in variables]
        self._names = {name: i for i, name in enumerate(variables)}
        self._rows = rows

    def __iter__(self) -> Iterator[RemoteSolution]:
        return (RemoteSolution(self._names, row) for row in self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class RemoteBoolean:
    """An ASK answer, truthy like ``pyoxigraph.QueryBoolean``."""

    def __init__(self, value: bool):
        self.value = bool(value)

    def __bool__(self) -> bool:
        return self.value

    def __repr__(self) -> str:
        return f"<RemoteBoolean {self.value}>"


def parse_results_json(body: bytes) -> tuple[list[str], list[tuple]] | bool:
    """SPARQL 1.1 Query Results JSON §3: (variables, rows of terms or None), or an ASK boolean."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise RemoteError(f"the endpoint's answer is not SPARQL JSON results: {error}") from None
    if "boolean" in document:
        return bool(document["boolean"])
    variables = list(document.get("head", {}).get("vars", []))
    rows = []
    for binding in document.get("results", {}).get("bindings", []):
        rows.append(
            tuple(term_from_json(binding[name]) if name in binding else None for name in variables)
        )
    return variables, rows


# -- query text ----------------------------------------------------------------------------------

def query_form(query: str) -> str:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the first such bare word of the query."""
    form = sparql_lexer.query_form(sparql_lexer.tokenize(query))
    if form is None:
        raise RemoteSyntaxError("not a SPARQL query (no SELECT, CONSTRUCT, DESCRIBE or ASK)")
    return form


def with_dataset(
    query: str, default_graph: Iterable[str] = (), named_graphs: Iterable[str] = ()
) -> str:
    """``query`` with ``FROM`` / ``FROM NAMED`` clauses (SPARQL 1.1 Query §13.2) inserted.

    They go right before the WHERE clause (:func:`graph.sparql_lexer.dataset_offset`), else at
    the end (``DESCRIBE <x>``).
    """
    clauses = "".join(f"FROM <{g}> " for g in default_graph)
    clauses += "".join(f"FROM NAMED <{g}> " for g in named_graphs)
    if not clauses:
        return query
    offset = sparql_lexer.dataset_offset(sparql_lexer.tokenize(query))
    if offset is None:
        raise RemoteSyntaxError("not a SPARQL query (no SELECT, CONSTRUCT, DESCRIBE or ASK)")
    if offset < 0:
        return query.rstrip() + " " + clauses.rstrip()
    return query[:offset] + clauses + query[offset:]


# -- HTTP ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str


def credentials_from_env(environ=None) -> Credentials | None:
    environ = os.environ if environ is None else environ
    user = environ.get(ENV_USER)
    return Credentials(user, environ.get(ENV_PASSWORD, "")) if user else None


def _digest(auth: Credentials, method: str, path: str, challenge: dict, count: int) -> str:
    """An ``Authorization: Digest`` header (RFC 7616 §3.4, MD5 and ``qop=auth``)."""
    algorithm = challenge.get("algorithm", "MD5")
    hasher = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(algorithm.upper())
    if hasher is None:
        raise RemoteError(f"unsupported HTTP Digest algorithm {algorithm}")

    def h(text: str) -> str:
        return hasher(text.encode("utf-8")).hexdigest()

    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    ha1 = h(f"{auth.user}:{realm}:{auth.password}")
    ha2 = h(f"{method}:{path}")
    fields = {"username": auth.user, "realm": realm, "nonce": nonce, "uri": path}
    if "auth" in [q.strip() for q in challenge.get("qop", "").split(",")]:
        cnonce, nc = secrets.token_hex(8), f"{count:08x}"
        fields["response"] = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        header = ", ".join(f'{k}="{v}"' for k, v in fields.items())
        header += f', qop=auth, nc={nc}, cnonce="{cnonce}", algorithm={algorithm}'
    else:
        fields["response"] = h(f"{ha1}:{nonce}:{ha2}")
        header = ", ".join(f'{k}="{v}"' for k, v in fields.items())
    if "opaque" in challenge:
        header += f', opaque="{challenge["opaque"]}"'
    return "Digest " + header


_CHALLENGE = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def _challenge(header: str) -> tuple[str, dict]:
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), {
        m[1].lower(): m[2] if m[2] is not None else m[3] for m in _CHALLENGE.finditer(rest)
    }


class _Connections(threading.local):
    """Keep-alive connections of this thread, per origin (a fork starts afresh)."""

    def __init__(self):
        self.pid = os.getpid()
        self.open: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
        self.challenges: dict[tuple[str, str, int], tuple[str, dict, int]] = {}


_local = _Connections()


def _connection(origin: tuple[str, str, int], timeout: float) -> http.client.HTTPConnection:
    if _local.pid != os.getpid():
        _local.open.clear()
        _local.challenges.clear()
        _local.pid = os.getpid()
    found = _local.open.get(origin)
    if found is None:
        scheme, host, port = origin
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        found = _local.open[origin] = kind(host, port, timeout=timeout)
    found.timeout = timeout
    if found.sock is not None:
        found.sock.settimeout(timeout)
    return found


def close_connections() -> None:
    """Close this thread's keep-alive connections."""
    for origin in list(_local.open):
        _drop(origin)


def _drop(origin) -> None:
    found = _local.open.pop(origin, None)
    if found is not None:
        found.close()


def send(
    method: str,
    url: str,
    *,
    accept: str,
    body: bytes | None = None,
    content_type: str | None = None,
    timeout: float = 30.0,
    auth: Credentials | None = None,
    max_bytes: int | None = None,
) -> tuple[int, dict, bytes]:
    """One request on a keep-alive connection; returns (status, headers, body).

    Raises :class:`RemoteTimeout` past ``timeout`` seconds without progress,
    :class:`RemoteSyntaxError` on 400 and :class:`RemoteError` on anything else but 2xx.
    HTTP Basic or Digest credentials are sent when the server asks (401), then up front.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"not an http(s) URL: {url}")
    origin = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    headers = {"Accept": accept, "User-Agent": "policygraph", "Connection": "keep-alive"}
    if content_type:
        headers["Content-Type"] = content_type
    for attempt in range(3):
        remembered = _local.challenges.get(origin) if auth is not None else None
        if remembered is not None:
            scheme, challenge, count = remembered
            _local.challenges[origin] = (scheme, challenge, count + 1)
            headers["Authorization"] = (
                _digest(auth, method, path, challenge, count + 1)
                if scheme == "digest"
                else "Basic "
                + base64.b64encode(f"{auth.user}:{auth.password}".encode()).decode("ascii")
            )
        connection = _connection(origin, timeout)
        reused = connection.sock is not None
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read(max_bytes + 1 if max_bytes else None)
            if max_bytes and len(data) > max_bytes:
                _drop(origin)
                raise RemoteError(f"the endpoint's answer is larger than {max_bytes} bytes")
        except TimeoutError as error:
            _drop(origin)
            raise RemoteTimeout(
                f"the SPARQL endpoint did not answer within {timeout:g} s"
            ) from error
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
            _drop(origin)
            if reused and attempt == 0:
                continue  # the server closed an idle keep-alive connection: resend once
            raise RemoteError(f"the SPARQL endpoint closed the connection: {error}") from None
        except (OSError, http.client.HTTPException) as error:
            _drop(origin)
            raise RemoteError(f"the SPARQL endpoint cannot be reached: {error}") from None
        if response.will_close:
            _drop(origin)
        status = response.status
        if status == 401 and auth is not None and attempt < 2:
            scheme, challenge = _challenge(response.headers.get("WWW-Authenticate", ""))
            if scheme in ("digest", "basic") and (
                remembered is None or challenge.get("stale") or remembered[1] != challenge
            ):
                _local.challenges[origin] = (scheme, challenge, 0)
                continue
        if 200 <= status < 300:
            return status, dict(response.headers.items()), data
        text = data[:4096].decode("utf-8", "replace")
        kind = RemoteSyntaxError if status == 400 else RemoteError
        raise kind(f"the SPARQL endpoint answered {status}: {text.strip()[:500]}", status, text)
    raise RemoteError("the SPARQL endpoint refused the credentials", 401)


def form_body(pairs: Iterable[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(list(pairs)).encode("ascii")


# -- the store -----------------------------------------------------------------------------------


class RemoteStore:
    """The subset of ``pyoxigraph.Store`` the publisher uses, over a SPARQL 1.1 endpoint.

    ``scope`` (graph IRIs) limits what "every graph" means for ``quads_for_pattern(…, None)``
    and ``named_graphs()``; without it they range over every named graph of the endpoint
    (Virtuoso holds some system graphs of its own). The remote store has no separate default
    graph: data lives in named graphs. Reads larger than ``page_size`` rows are fetched in pages
    (``LIMIT``/``OFFSET``, below Virtuoso's default ``ResultSetMaxRows`` of 10000).
    """

    remote = True

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        auth: Credentials | tuple[str, str] | None = None,
        *,
        timeout: float = 30.0,
        page_size: int = 10000,
        scope: Iterable[str] | None = None,
        graph_store_url: str | None = None,
        cache_size: int = 4096,
    ):
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.auth = Credentials(*auth) if isinstance(auth, tuple) else auth
        self.timeout = float(timeout)
        self.page_size = int(page_size)
        self.scope = sorted(str(g) for g in scope) if scope is not None else None
        self.cache_size = int(cache_size)
        self.proxy = None  # the endpoint proxy of server.sparql.remote, made on first use
        self._cache: OrderedDict[tuple, list[ox.Quad]] = OrderedDict()
        self._cache_lock = threading.Lock()

    @classmethod
    def from_setting(cls, setting: str, environ=None, **options) -> RemoteStore:
        """``sparql:URL`` plus the environment (update URL, Graph Store URL, credentials)."""
        environ = os.environ if environ is None else environ
        if not setting.startswith(PREFIX):
            raise ValueError(f"not a SPARQL store setting: {setting!r} (use sparql:URL)")
        url = setting[len(PREFIX) :]
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"the SPARQL endpoint must be an http(s) URL, not {url!r}")
        return cls(
            url,
            environ.get(ENV_UPDATE_URL) or None,
            credentials_from_env(environ),
            graph_store_url=environ.get(ENV_GRAPH_STORE_URL) or None,
            **options,
        )

    def __repr__(self) -> str:
        return f"<RemoteStore {self.query_url}>"

    # -- protocol

    def request(
        self,
        query: str,
        accept: str,
        default_graph_uri: Iterable[str] = (),
        named_graph_uri: Iterable[str] = (),
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> tuple[int, dict, bytes]:
        """SPARQL 1.1 Protocol §2.1.2: a query by POST with a form-encoded body."""
        pairs = [("query", query)]
        pairs += [("default-graph-uri", g) for g in default_graph_uri]
        pairs += [("named-graph-uri", g) for g in named_graph_uri]
        return send(
            "POST",
            self.query_url,
            accept=accept,
            body=form_body(pairs),
            content_type=FORM,
            timeout=timeout or self.timeout,
            auth=self.auth,
            max_bytes=max_bytes,
        )

    def select(self, query: str, **options) -> tuple[list[str], list[tuple]] | bool:
        """A SELECT or ASK, parsed from SPARQL JSON results."""
        _, _, body = self.request(query, RESULTS_JSON, **options)
        return parse_results_json(body)

    def update(self, update: str, timeout: float | None = None) -> None:
        """SPARQL 1.1 Protocol §2.2.1: an update by POST with a form-encoded body."""
        if not self.update_url:
            raise RemoteError(f"no update endpoint: set {ENV_UPDATE_URL}")
        send(
            "POST",
            self.update_url,
            accept="*/*",
            body=form_body([("update", update)]),
            content_type=FORM,
            timeout=timeout or self.timeout,
            auth=self.auth,
        )

    # -- pyoxigraph.Store's surface

    def query(
        self,
        query: str,
        *,
        default_graph=None,
        named_graphs=None,
        base_iri=None,
        use_default_graph_as_union: bool = False,
        **_ignored,
    ):
        """Like ``pyoxigraph.Store.query``: solutions, a boolean, or an iterator of triples."""
        text = with_dataset(
            query,
            [_iri(g) for g in _listed(default_graph)],
            [_iri(g) for g in _listed(named_graphs)],
        )
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        form = query_form(query)
        if form in ("CONSTRUCT", "DESCRIBE"):
            _, _, body = self.request(text, N_TRIPLES)
            return iter(list(ox.parse(body, ox.RdfFormat.N_TRIPLES)))
        answer = self.select(text)
        if isinstance(answer, bool):
            return RemoteBoolean(answer)
        return RemoteSolutions(*answer)

    def quads_for_pattern(
        self,
        subject=None,
        predicate=None,
        object=None,  # noqa: A002
        graph_name=None,
    ) -> Iterator[ox.Quad]:
        """Every quad matching the pattern (``graph_name`` None: every named graph in scope).

        A lookup by subject in one named graph fetches (and keeps, in a small LRU) every quad of
        that subject there, so the label lookups of many documents cost one request each.
        """
        if (
            subject is not None
            and object is None
            and isinstance(graph_name, ox.NamedNode)
            and self.cache_size > 0
        ):
            quads = self._subject_quads(subject, graph_name)
            return iter([q for q in quads if predicate is None or q.predicate == predicate])
        return self._quads(subject, predicate, object, graph_name)

    def _subject_quads(self, subject, graph_name) -> list[ox.Quad]:
        key = (subject, graph_name)
        with self._cache_lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = list(self._quads(subject, None, None, graph_name))
        with self._cache_lock:
            self._cache[key] = found
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return found

    def _quads(self, subject, predicate, object, graph_name) -> Iterator[ox.Quad]:  # noqa: A002
        names = ("s", "p", "o")
        given = (subject, predicate, object)
        pattern = " ".join(
            sparql_term(term) if term is not None else f"?{name}"
            for name, term in zip(names, given, strict=True)
        )
        wanted = [name for name, term in zip(names, given, strict=True) if term is None]
        if isinstance(graph_name, ox.DefaultGraph):
            where, dataset = f"{{ {pattern} }}", ""
        elif graph_name is None:
            wanted.append("g")
            where = f"{{ GRAPH ?g {{ {pattern} }} }}"
            dataset = "".join(f" FROM NAMED <{g}>" for g in self.scope or ())
        else:
            where, dataset = f"{{ GRAPH {sparql_term(graph_name)} {{ {pattern} }} }}", ""
        projection = " ".join(f"?{name}" for name in wanted) if wanted else "*"
        base_query = f"SELECT {projection}{dataset} WHERE {where}"
        for row in self._paged(base_query, bool(wanted)):
            values = dict(zip(wanted, row, strict=True))
            terms = [values.get(name, term) for name, term in zip(names, given, strict=True)]
            graph = values.get("g", graph_name if graph_name is not None else ox.DefaultGraph())
            yield ox.Quad(terms[0], terms[1], terms[2], graph)

    def _paged(self, query: str, has_variables: bool) -> Iterator[tuple]:
        if not has_variables:  # a fully bound pattern: ASK
            if self.select(query.replace("SELECT *", "ASK", 1).replace(" WHERE ", " ", 1)):
                yield ()
            return
        offset = 0
        while True:
            page = f"{query} LIMIT {self.page_size}" + (f" OFFSET {offset}" if offset else "")
            answer = self.select(page)
            rows = answer[1] if not isinstance(answer, bool) else []
            yield from rows
            if len(rows) < self.page_size:
                return
            offset += self.page_size

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """The named graphs holding at least one triple (those in scope, when set)."""
        dataset = "".join(f" FROM NAMED <{g}>" for g in self.scope or ())
        answer = self.select(f"SELECT DISTINCT ?g{dataset} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
        rows = answer[1] if not isinstance(answer, bool) else []
        return iter([row[0] for row in rows if isinstance(row[0], ox.NamedNode)])

    def contains_named_graph(self, graph_name) -> bool:
        return bool(self.select(f"ASK {{ GRAPH {sparql_term(graph_name)} {{ ?s ?p ?o }} }}"))

    def __len__(self) -> int:
        dataset = "".join(f" FROM NAMED <{g}>" for g in self.scope or ())
        answer = self.select(
            f"SELECT (COUNT(*) AS ?n){dataset} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        return int(answer[1][0][0].value)


def _listed(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, ox.NamedNode | str) else list(value)


def _iri(value) -> str:
    return value.value if isinstance(value, ox.NamedNode) else str(value)
