"""The publisher's settings: one typed table, resolved from config, then environment, then defaults.

:class:`Settings` is that table: each field is one setting, with its type, its default and a help
text; :data:`SETTINGS` lists them as :class:`Setting` rows (name, type, default, environment
variable, help), from which the README's table and every ``policygraph serve`` flag are made.
A resolved :class:`Settings` is frozen: it is passed around, never changed in place.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ENV_PREFIX = "POLICYGRAPH_"
#: Where an app keeps its :class:`Settings`: ``app.config[CONFIG_KEY]``.
CONFIG_KEY = "POLICYGRAPH"
DEFAULT_GRAPHS = ("data", "all")

DefaultGraph = Literal["data", "all"]
Precompute = Literal["auto"] | bool


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _paths(value: Any) -> tuple[str, ...]:
    """Source paths; from the environment, separated by the OS path separator."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part for part in value.split(os.pathsep) if part)
    return tuple(str(part) for part in value)


def _networks(value: Any) -> tuple[str, ...]:
    """IP addresses or CIDR networks, comma- or space-separated (``10.0.0.0/8, ::1``)."""
    parts = value.replace(",", " ").split() if isinstance(value, str) else value
    return tuple(str(ipaddress.ip_network(str(part).strip())) for part in parts)


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "", "auto") else int(value)


def _optional_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _default_graph(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in DEFAULT_GRAPHS:
        raise ValueError(f"expected one of {', '.join(DEFAULT_GRAPHS)}, not {value!r}")
    return text


def _positive_int(value: Any) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"expected a positive integer, not {value!r}")
    return number


def _precompute(value: Any) -> str | bool:
    return "auto" if str(value).strip().lower() == "auto" else _boolean(value)


#: How a value given as text (environment, command line) or as a Python value becomes a setting's,
#: by the setting's type; a setting with another type names its own parser.
PARSERS: dict[str, Callable[[Any], Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": _boolean,
    "int | None": _optional_int,
    "str | None": _optional_str,
    "tuple[str, ...]": _paths,
}


def setting(default: Any, help: str, parse: Callable[[Any], Any] | None = None) -> Any:
    """A field of :class:`Settings`: its default, its help text and, when its type has no entry
    in :data:`PARSERS`, how to read it."""
    return field(default=default, metadata={"help": help, "parse": parse})


@dataclass(frozen=True)
class Settings:
    """Every setting of the publisher, typed; build one with :meth:`resolve`."""

    base: str = setting(
        "http://127.0.0.1:8080/",
        "Public base IRI of the deployment; every published IRI is under it (ends in '/').",
    )
    host: str = setting("127.0.0.1", "Interface `policygraph serve` listens on.")
    port: int = setting(8080, "TCP port `policygraph serve` listens on.")
    store: str = setting(
        "memory",
        "Query store: `memory` (pyoxigraph in memory), `oxigraph:PATH` (on disk) or "
        "`sparql:URL` (an external SPARQL 1.1 endpoint loaded with `policygraph load`).",
    )
    default_graph: DefaultGraph = setting(
        "data",
        "The SPARQL default graph: `data`, the union of the data graphs, kept as a copy in the "
        "embedded store (more store memory); or `all`, the union of every graph, the ontology "
        "and shapes included, at no memory cost (for corpora too big for the copy).",
        _default_graph,
    )
    data: tuple[str, ...] = setting(
        (),
        "Source folders (a folder of sources or one source folder) or Turtle files to publish "
        "instead of the bundled essay graph (environment: separated by the OS path separator).",
    )
    workers: int | None = setting(None, "Gunicorn worker processes (default: the number of CPUs).")
    dev: bool = setting(False, "Run Flask's development server with the reloader.")
    incoming_cap: int = setting(
        100, "Most incoming links (triples naming a resource as object) shown in a description."
    )
    precompute: Precompute = setting(
        "auto",
        "`auto`, `true` or `false`: render every document in every format and language at "
        "startup (`auto`: only when the data names at most 2,000 things), else each on first "
        "request into a cache of `cache_size` bytes; precomputed bodies of more things are "
        "kept compressed.",
        _precompute,
    )
    cache_size: int = setting(
        256 * 1024 * 1024,
        "Most bytes of rendered documents each worker keeps (least recently used out first) "
        "when they are not all precomputed.",
    )
    sparql_timeout: float = setting(10.0, "Wall-clock limit of one SPARQL query, in seconds.")
    sparql_row_cap: int = setting(10000, "Most rows a SPARQL SELECT returns (the cut is flagged).")
    sparql_triple_cap: int = setting(50000, "Most triples a SPARQL CONSTRUCT/DESCRIBE returns.")
    sparql_max_query_length: int = setting(
        32768, "Longest SPARQL query accepted, in bytes (longer: 414 on GET, 413 on POST)."
    )
    sparql_max_body: int = setting(65536, "Largest SPARQL POST body accepted, in bytes.")
    sparql_max_nesting: int = setting(
        128,
        "Deepest nesting of groups `{}`, parentheses `()` and brackets `[]` in a SPARQL query "
        "(deeper: 400, before it runs: nesting deep enough crashes the query engine). Real "
        "queries nest fewer than 20 levels.",
    )
    sparql_max_chain: int = setting(
        1000,
        "Longest chain of UNION, OPTIONAL, MINUS, BIND, FILTER, GRAPH, VALUES, groups and "
        "expression or property-path operators in a SPARQL query, counted through the groups "
        "that hold them (longer: 400, before it runs: chains long enough crash the query "
        "engine). Long lists of alternatives fit in VALUES or IN.",
    )
    threads: int = setting(
        4, "Request threads per gunicorn worker (gthread: one slow client, one thread)."
    )
    sparql_workers: int | None = setting(
        None,
        "Processes per gunicorn worker that execute SPARQL queries (default: one per request "
        "thread, so a runaway query never makes another request wait for a process).",
    )
    sparql_process_memory: int = setting(
        512,
        "MiB of private memory a SPARQL process may hold (pages of the in-memory store it "
        "copied by reading them) before it is replaced by a fresh fork; 0: never replaced. "
        "Lower bounds memory tighter at a cost in CPU (a fresh fork copies again what it reads).",
    )
    sparql_inline_budget: int = setting(
        1000,
        "Most solutions (or described triples) a query may have, counted from the store's "
        "indexes before it runs, to be answered in the request thread instead of a query "
        "process; only for short queries whose every pattern names a fixed subject or object "
        "(server/sparql/bounded.py). 0: every query goes to a query process.",
    )
    sparql_union_store: bool = setting(
        True,
        "With `default_graph = data` and the in-memory store: also hold the data union alone in "
        "a store of its own, which answers the queries that read only the default graph (no "
        "GRAPH, FROM or protocol dataset) faster, for the memory of the union's triples once "
        "more.",
    )
    sparql_rate_limit: int = setting(
        0, "SPARQL requests per minute per client address (0: no limit)."
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        "Addresses or CIDR networks of the reverse proxies in front (comma-separated; none by "
        "default): only from these is `X-Forwarded-For` / `Forwarded` (RFC 7239) believed, to "
        "find the client the rate limit counts; gunicorn's `forwarded_allow_ips` is set to the "
        "same list.",
        _networks,
    )
    dumps_dir: str | None = setting(
        None, "Folder for the generated dumps (default: a fresh temporary folder)."
    )
    fragments_page_size: int = setting(
        100,
        "Triples (quads) per page of a Triple Pattern Fragment at `{base}fragments`.",
        _positive_int,
    )
    fragments_max_page: int = setting(
        1000,
        "Deepest page of a fragment served (deeper: 400, narrow the pattern instead): a page "
        "costs a walk of the pattern's index up to its end.",
        _positive_int,
    )
    reader_full_text: bool = setting(
        True,
        "Serve each source's full text in the annotated reader (`/reader/{slug}`) and span "
        "queries; false (a source that may not be redistributed): the reader shows the anchored "
        "quotes only.",
    )
    releases_dir: str = setting(
        "releases",
        "Folder of the releases `policygraph release` writes and the server serves read-only "
        "under `/release/` (relative to the working directory); the working data stays in "
        "`data`. A running server sees a new release after a reload.",
    )

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            object.__setattr__(self, "base", self.base + "/")

    @classmethod
    def resolve(
        cls, config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Each setting from ``config``, else ``POLICYGRAPH_<NAME>`` in the environment, else its
        default; a key of ``config`` that names no setting is refused (a misspelt setting)."""
        config = dict(config or {})
        unknown = sorted(set(config) - set(BY_NAME))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for row in SETTINGS:
            if config.get(row.name) is not None:
                raw = config[row.name]
            elif row.env in environ:
                raw = environ[row.env]
            else:
                raw = row.default
            try:
                values[row.name] = raw if raw is None else row.parse(raw)
            except (TypeError, ValueError) as error:
                raise ValueError(f"setting {row.name} ({row.env}): {error}") from None
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """These settings with ``changes`` (each parsed as :meth:`resolve` parses a value)."""
        parsed = {name: BY_NAME[name].parse(value) for name, value in changes.items()}
        return dataclasses.replace(self, **parsed)


@dataclass(frozen=True)
class Setting:
    """One row of the settings table: name, type, default, environment variable, help."""

    name: str
    type: str
    default: Any
    help: str
    parse: Callable[[Any], Any]

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        """The ``policygraph serve`` option: ``--sparql-rate-limit`` for ``sparql_rate_limit``."""
        return "--" + self.name.replace("_", "-")


def _rows() -> tuple[Setting, ...]:
    rows = []
    for item in dataclasses.fields(Settings):
        written = str(item.type)
        parse = item.metadata["parse"] or PARSERS.get(written)
        if parse is None:
            raise TypeError(f"setting {item.name}: no parser for its type {written}")
        rows.append(Setting(item.name, written, item.default, item.metadata["help"], parse))
    return tuple(rows)


#: The table: one row per field of :class:`Settings`, in order.
SETTINGS: tuple[Setting, ...] = _rows()
BY_NAME: dict[str, Setting] = {row.name: row for row in SETTINGS}


def resolve(
    config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """:meth:`Settings.resolve`."""
    return Settings.resolve(config, environ)


def settings_markdown() -> str:
    """The settings table in Markdown, for the README's settings section."""
    lines = [
        "| setting | flag | environment variable | default | meaning |",
        "|---|---|---|---|---|",
    ]
    for row in SETTINGS:
        default = "—" if row.default in (None, ()) else f"`{row.default}`"
        lines.append(f"| `{row.name}` | `{row.flag}` | `{row.env}` | {default} | {row.help} |")
    return "\n".join(lines) + "\n"
