"""``policygraph query``: one SPARQL query, against the embedded graph or any SPARQL endpoint.

Without ``--endpoint`` the query runs as ``{base}sparql`` would run it, with no server: the
validated sources are loaded into the embedded store (:func:`server.publish.store.open_store`),
and the endpoint's own steps plan and answer it (:func:`server.sparql.service.plan` and
:func:`~server.sparql.service.run`): the same static checks (:mod:`server.sparql.safety`, the
limits of :mod:`server.sparql.limits`), the same default graph (the union of the data graphs),
the same deadline (a query process killed at ``--timeout``), the same row and triple caps, and
the same serializers (:mod:`server.sparql.results`). With ``--endpoint URL`` the query is sent by
the SPARQL 1.1 Protocol (§2.1.2, a form POST, :mod:`graph.store.client`); the answer is read as
SPARQL JSON results or N-Triples and written with the same serializers, so every format is the
W3C one whatever the engine.

Exit status: 0 answered (an ASK answers ``true`` or ``false`` on standard output, both with 0);
2 the query cannot be run (a syntax error, named by line and column; a refused feature; an
unreadable query file); 3 the store or endpoint failed (unreachable, past its deadline, an error
of its own).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from pathlib import Path

import pyoxigraph as ox

import ontology
from graph import sparql_lexer
from graph.store.base import StoreError
from graph.store.client import RemoteError, RemoteSyntaxError, credentials_from_env
from graph.store.remote import N_TRIPLES, RESULTS_JSON, RemoteStore
from graph.store.terms import parse_results_json
from server.cli.common import EXIT_OK, EXIT_UNREADABLE, add_base_argument, base_iri
from server.errors import PolicygraphError
from server.publish import publication
from server.publish.store import open_store
from server.settings import Settings
from server.sparql import results as sparql_results
from server.sparql import service
from server.sparql.engine import RDF_WRITERS
from server.sparql.protocol import QueryRequest

#: The store or the endpoint failed (unreachable, timed out, an error of its own).
EXIT_FAILED = 3
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "ntriples")
#: ``error at 3:14: …``: where pyoxigraph's parser stopped (line and column, from 1).
_POSITION = re.compile(r"error at (\d+):(\d+): ")


class QueryError(Exception):
    """The query cannot be run or the store failed; ``status`` is the exit status."""

    def __init__(self, message: str, status: int = EXIT_UNREADABLE):
        super().__init__(message)
        self.status = status


def read_query(args) -> str:
    """The query text: ``-f FILE``, else the argument (``-``: standard input, ``@FILE``: a file)."""
    source = args.file or args.query
    if source is None:
        raise QueryError("no query: give it as an argument, '-' for standard input, or -f FILE")
    if args.file is None and source.startswith("@"):
        source = source[1:]
    elif args.file is None and source != "-":
        return source
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryError(f"cannot read the query from {source}: {error}") from None


def with_position(message: str, query: str) -> str:
    """An engine message with its ``error at L:C`` spelt out, and the line shown with a caret."""
    found = _POSITION.search(message)
    if found is None:
        return message
    line, column = int(found.group(1)), int(found.group(2))
    text = message[: found.start()] + f"line {line}, column {column}: " + message[found.end() :]
    lines = query.splitlines()
    if 1 <= line <= len(lines):
        shown = lines[line - 1]
        caret = " " * display_width(shown[: max(column - 1, 0)]) + "^"
        text += f"\n  {shown}\n  {caret}"
    return text


# -- running it ----------------------------------------------------------------------------------


def run_embedded(args, query: str, name: str) -> tuple[str, bytes, bool]:
    """(kind, body, truncated) of the query answered as the endpoint answers it, in process."""
    if args.store and not (args.store == "memory" or args.store.startswith("oxigraph:")):
        raise QueryError(
            f"--store is memory or oxigraph:PATH, not {args.store!r} (--endpoint URL?)"
        )
    config = {
        "base": base_iri(args),
        "store": args.store or "memory",
        "precompute": "false",
        "sparql_workers": 1,
    }
    if args.data:
        config["data"] = args.data
    if args.timeout is not None:
        config["sparql_timeout"] = args.timeout
    if args.row_cap is not None:
        config["sparql_row_cap"] = args.row_cap
        config["sparql_triple_cap"] = args.row_cap
    with tempfile.TemporaryDirectory(prefix="policygraph-query-") as dumps:
        settings = Settings.resolve({**config, "dumps_dir": dumps})
        store, validation = open_store(settings)
        pub = publication.build(settings, store, validation)
    parsed = QueryRequest(query, format=[name])
    try:
        _, job = service.plan(pub, parsed, "*/*")
        if job is None:
            raise QueryError("the query is empty")
        answer = service.run(pub, job)
    except PolicygraphError as error:
        status = EXIT_UNREADABLE if error.status < 500 else EXIT_FAILED
        raise QueryError(with_position(error.message, query), status) from None
    return answer.kind, answer.body, answer.truncated


def run_remote(args, query: str, form: str, name: str) -> tuple[str, bytes, bool]:
    """(kind, body, truncated) of the query sent to ``--endpoint`` (SPARQL 1.1 Protocol §2.1.2),
    its answer re-written in the format ``name``."""
    store = RemoteStore(args.endpoint, auth=credentials_from_env(), timeout=args.timeout or 60.0)
    graph = form in ("CONSTRUCT", "DESCRIBE")
    try:
        _, headers, body = store.request(query, N_TRIPLES if graph else RESULTS_JSON)
    except RemoteSyntaxError as error:
        message = with_position(_their_message(error), query)
        raise QueryError(f"the endpoint refused the query: {message}") from None
    except RemoteError as error:
        if error.status is not None and 400 <= error.status < 500:
            message = f"the endpoint refused the query ({error.status}): {_their_message(error)}"
            raise QueryError(message) from None
        raise QueryError(f"{args.endpoint}: {error}", EXIT_FAILED) from None
    cut = {k.lower(): v for k, v in headers.items()}.get("x-policygraph-truncated") == "true"
    try:
        if graph:
            triples = list(ox.parse(body, ox.RdfFormat.N_TRIPLES))
            out = sparql_results.serialize_triples(triples, RDF_WRITERS[name], len(triples))
            return "triples", out.body, cut
        answer = parse_results_json(body)
        if isinstance(answer, bool):
            return "boolean", sparql_results.serialize_boolean(answer, name).body, False
        variables, rows = answer
        links = json.loads(body).get("head", {}).get("link") or []
        kept = tuple(link for link in links if isinstance(link, str))  # the endpoint's notes
        body = sparql_results.write_solutions(variables, rows, name, kept)
        return "solutions", body, cut
    except (StoreError, SyntaxError, ValueError) as error:
        message = f"{args.endpoint} answered something unreadable: {error}"
        raise QueryError(message, EXIT_FAILED) from None


def _their_message(error: RemoteError) -> str:
    """The endpoint's own message: the ``message`` of this project's error shape, else its line."""
    try:
        return json.loads(error.body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return str(error)


# -- the terminal table --------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters two, combining marks none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, an ellipsis marking the cut."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += display_width(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"


def shown(term, prefixes: dict[str, str]) -> tuple[str, str]:
    """A term as the table shows it, as (text, suffix kept whole when the text is clipped): a
    prefixed name or ``<IRI>``, a literal's text and its ``@language``, ``_:label`` for a blank
    node, nothing for an unbound variable."""
    if term is None:
        return "", ""
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in prefixes.items():
            local = term.value[len(namespace) :]
            if term.value.startswith(namespace) and re.fullmatch(r"[\w./-]*", local):
                return f"{prefix}:{local}", ""
        return f"<{term.value}>", ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}", ""
    if isinstance(term, ox.Literal):
        text = term.value.replace("\n", "↵").replace("\t", " ")
        return text, f"@{term.language}" if term.language else ""
    return str(term), ""


def table(variables: list[str], rows: list[tuple], width: int, prefixes: dict[str, str]) -> str:
    """An aligned table at most ``width`` columns wide; wider values end in an ellipsis (a
    literal keeps its language tag)."""
    cells = [[shown(term, prefixes) for term in row] for row in rows]
    headers = [(f"?{name}", "") for name in variables]
    widths = [
        max(display_width(text + tag) for text, tag in [headers[i]] + [row[i] for row in cells])
        for i in range(len(headers))
    ]
    room = max(width - 3 * max(len(widths) - 1, 0), 4 * len(widths))
    while sum(widths) > room:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def line(values: list[tuple[str, str]]) -> str:
        parts = [
            clip(text, max(w - display_width(tag), 1)) + tag if tag else clip(text, w)
            for (text, tag), w in zip(values, widths, strict=True)
        ]
        padded = [
            p + " " * max(w - display_width(p), 0) for p, w in zip(parts, widths, strict=True)
        ]
        return " | ".join(padded).rstrip()

    out = [line(headers), "-+-".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    count = len(rows)
    out.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(out) + "\n"


# -- the command ---------------------------------------------------------------------------------


def cmd_query(args) -> int:
    """Run one query and print its results (exit statuses in the module docstring)."""
    try:
        query = read_query(args)
        tokens = sparql_lexer.tokenize(query)
        form = sparql_lexer.query_form(tokens)
        if form is None:
            raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
        graph = form in ("CONSTRUCT", "DESCRIBE")
        name = args.format or ("turtle" if graph else "table")
        if graph and name not in GRAPH_FORMATS:
            raise QueryError(f"a {form} answers a graph: --format turtle or ntriples")
        if not graph and name in GRAPH_FORMATS:
            raise QueryError(f"a {form} answers a table: --format {'|'.join(RESULT_FORMATS)}")
        wire = "json" if name == "table" else name
        if args.endpoint:
            kind, body, truncated = run_remote(args, query, form, wire)
        else:
            kind, body, truncated = run_embedded(args, query, wire)
    except QueryError as error:
        print(f"policygraph query: {error}", file=sys.stderr)
        return error.status
    try:
        write(args, name, kind, body)
    except BrokenPipeError:  # the reader stopped early (| head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if truncated:
        unit = "triples" if kind == "triples" else "rows"
        print(
            f"policygraph query: the result was cut at the cap ({unit}); page through it with "
            "ORDER BY, LIMIT and OFFSET, or raise the cap with --row-cap",
            file=sys.stderr,
        )
    return EXIT_OK


def write(args, name: str, kind: str, body: bytes) -> None:
    """Print the answer: the table, ``true``/``false``, or the body as the format wrote it."""
    if name == "table" and kind == "solutions":
        variables, rows = parse_results_json(body)  # type: ignore[misc]
        width = args.width or shutil.get_terminal_size((100, 24)).columns
        prefixes = {k: str(v) for k, v in ontology.prefixes(base_iri(args)).items()}
        sys.stdout.write(table(variables, rows, width, prefixes))
    elif name == "table" and kind == "boolean":
        sys.stdout.write("true\n" if json.loads(body)["boolean"] else "false\n")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        if kind == "boolean" and name in ("csv", "tsv"):
            sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def add_query_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph query`` on the ``policygraph`` command's subparsers."""
    parser = commands.add_parser(
        "query",
        help="run a SPARQL query against the graph (no server needed) or an endpoint",
        description="Run one SPARQL query, as the publisher's /sparql endpoint would, against "
        "the validated graph loaded in memory (no server needed; the bundled essay unless "
        "--data is given), or against any SPARQL endpoint with --endpoint. SELECT prints an "
        "aligned table, or the W3C CSV, TSV, JSON or XML results; ASK prints true or false; "
        "CONSTRUCT and DESCRIBE print Turtle or N-Triples. Exit status: 0 answered (whatever "
        "an ASK answers), 2 the query cannot be run (a syntax error names its line and "
        "column), 3 the store or endpoint failed. Settings not given here are read from the "
        "environment as `policygraph serve` reads them (POLICYGRAPH_DATA, "
        "POLICYGRAPH_SPARQL_ROW_CAP, …).",
    )
    parser.add_argument(
        "query",
        nargs="?",
        metavar="QUERY",
        help="the query text; '-' reads it from standard input, '@FILE' from a file",
    )
    parser.add_argument("-f", "--file", help="read the query from FILE ('-': standard input)")
    parser.add_argument(
        "--format",
        choices=RESULT_FORMATS + GRAPH_FORMATS,
        help="output format (default: table for SELECT and ASK, turtle for CONSTRUCT and DESCRIBE)",
    )
    parser.add_argument("--endpoint", metavar="URL", help="query this SPARQL endpoint instead")
    parser.add_argument(
        "--data",
        action="append",
        metavar="DIR",
        help="a source folder (or Turtle file) to load instead of the bundled graph; repeatable",
    )
    parser.add_argument(
        "--store",
        metavar="STORE",
        help="memory (default) or oxigraph:PATH, an on-disk store `policygraph serve` built",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop the query after this long (default: the setting sparql_timeout; 60 s for "
        "an endpoint)",
    )
    parser.add_argument(
        "--row-cap",
        type=int,
        metavar="N",
        help="most rows (or triples) to return (default: the settings sparql_row_cap and "
        "sparql_triple_cap)",
    )
    parser.add_argument(
        "--width",
        type=int,
        metavar="COLUMNS",
        help="width of --format table (default: the terminal's)",
    )
    add_base_argument(parser)
    parser.set_defaults(run=cmd_query)
    return parser
