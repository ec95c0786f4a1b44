"""The publisher's settings: one table, resolved from config, then environment, then defaults."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ENV_PREFIX = "POLICYGRAPH_"


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _paths(value: Any) -> list[str]:
    """A list of source paths; from the environment, separated by the OS path separator."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.split(os.pathsep) if part]
    return [str(part) for part in value]


def _networks(value: Any) -> tuple[str, ...]:
    """IP addresses or CIDR networks, comma- or space-separated (``10.0.0.0/8, ::1``)."""
    parts = value.replace(",", " ").split() if isinstance(value, str) else value
    return tuple(str(ipaddress.ip_network(str(part).strip())) for part in parts)


def _optional_int(value: Any) -> int | None:
    return None if value in (None, "", "auto") else int(value)


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, type converter and a one-line help text."""

    name: str
    default: Any
    convert: Callable[[Any], Any]
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


DEFAULT_GRAPHS = ("data", "all")


def _default_graph(value) -> str:
    value = str(value).strip().lower()
    if value not in DEFAULT_GRAPHS:
        raise ValueError(f"expected one of {', '.join(DEFAULT_GRAPHS)}, not {value!r}")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "base",
        "http://127.0.0.1:8080/",
        str,
        "Public base IRI of the deployment; every published IRI is under it (ends in '/').",
    ),
    Setting("host", "127.0.0.1", str, "Interface `policygraph serve` listens on."),
    Setting("port", 8080, int, "TCP port `policygraph serve` listens on."),
    Setting(
        "store",
        "memory",
        str,
        "Query store: `memory` (pyoxigraph in memory), `oxigraph:PATH` (on disk) or "
        "`sparql:URL` (an external SPARQL 1.1 endpoint loaded with `policygraph load`).",
    ),
    Setting(
        "default_graph",
        "data",
        _default_graph,
        "The SPARQL default graph: `data`, the union of the data graphs, kept as a copy in the "
        "embedded store (about 70% more store memory); or `all`, the union of every graph, the "
        "ontology and shapes included, at no memory cost (for corpora too big for the copy).",
    ),
    Setting(
        "data",
        [],
        _paths,
        "Source folders or Turtle files to publish instead of the bundled essay graph "
        "(environment: separated by the OS path separator).",
    ),
    Setting(
        "workers", None, _optional_int, "Gunicorn worker processes (default: the number of CPUs)."
    ),
    Setting("dev", False, _boolean, "Run Flask's development server with the reloader."),
    Setting(
        "incoming_cap",
        100,
        int,
        "Most incoming links (triples naming a resource as object) shown in a description.",
    ),
    Setting(
        "precompute",
        "auto",
        lambda value: "auto" if str(value).strip().lower() == "auto" else _boolean(value),
        "`auto`, `true` or `false`: render every document in every format and language at "
        "startup (`auto`: only when the data names at most 2,000 things), else each on first "
        "request into a cache of `cache_size` bytes; precomputed bodies of more things are "
        "kept compressed.",
    ),
    Setting(
        "cache_size",
        256 * 1024 * 1024,
        int,
        "Most bytes of rendered documents each worker keeps (least recently used out first) "
        "when they are not all precomputed; 256 MiB by default.",
    ),
    Setting("sparql_timeout", 10.0, float, "Wall-clock limit of one SPARQL query, in seconds."),
    Setting(
        "sparql_row_cap", 10000, int, "Most rows a SPARQL SELECT returns (the cut is flagged)."
    ),
    Setting("sparql_triple_cap", 50000, int, "Most triples a SPARQL CONSTRUCT/DESCRIBE returns."),
    Setting(
        "sparql_max_query_length",
        32768,
        int,
        "Longest SPARQL query accepted, in bytes (longer: 414 on GET, 413 on POST).",
    ),
    Setting("sparql_max_body", 65536, int, "Largest SPARQL POST body accepted, in bytes."),
    Setting(
        "sparql_max_nesting",
        128,
        int,
        "Deepest nesting of groups `{}`, parentheses `()` and brackets `[]` in a SPARQL query "
        "(deeper: 400, before it runs: nesting deep enough crashes the query engine). Real "
        "queries nest fewer than 20 levels.",
    ),
    Setting(
        "sparql_max_chain",
        1000,
        int,
        "Longest chain of UNION, OPTIONAL, MINUS, BIND, FILTER, GRAPH, VALUES, groups and "
        "expression or property-path operators in a SPARQL query, counted through the groups "
        "that hold them (longer: 400, before it runs: chains long enough crash the query "
        "engine). Long lists of alternatives fit in VALUES or IN.",
    ),
    Setting(
        "threads",
        4,
        int,
        "Request threads per gunicorn worker (gthread: one slow client, one thread).",
    ),
    Setting(
        "sparql_workers",
        None,
        _optional_int,
        "Processes per gunicorn worker that execute SPARQL queries (default: one per request "
        "thread, so a runaway query never makes another request wait for a process).",
    ),
    Setting(
        "sparql_process_memory",
        512,
        int,
        "MiB of private memory a SPARQL process may hold (pages of the in-memory store it "
        "copied by reading them) before it is replaced by a fresh fork; 0: never replaced. "
        "Lower bounds memory tighter at a cost in CPU (a fresh fork copies again what it reads).",
    ),
    Setting(
        "sparql_inline_budget",
        1000,
        int,
        "Most solutions (or described triples) a query may have, counted from the store's "
        "indexes before it runs, to be answered in the request thread instead of a query "
        "process; only for short queries whose every pattern names a fixed subject or object "
        "(server/sparql/bounded.py). 0: every query goes to a query process.",
    ),
    Setting(
        "sparql_union_store",
        True,
        _boolean,
        "With `default_graph = data` and the in-memory store: also hold the data union alone in "
        "a store of its own, which answers the queries that read only the default graph (no "
        "GRAPH, FROM or protocol dataset): 1.2–1.5× faster on queries that scan, for the "
        "memory of the union's triples once more (about 380 MB at 1M triples).",
    ),
    Setting(
        "sparql_rate_limit", 0, int, "SPARQL requests per minute per client address (0: no limit)."
    ),
    Setting(
        "trusted_proxies",
        [],
        _networks,
        "Addresses or CIDR networks of the reverse proxies in front (comma-separated; none by "
        "default): only from these is `X-Forwarded-For` / `Forwarded` (RFC 7239) believed, to "
        "find the client the rate limit counts; gunicorn's `forwarded_allow_ips` is set to the "
        "same list.",
    ),
    Setting(
        "dumps_dir",
        None,
        lambda v: None if v in (None, "") else str(v),
        "Folder for the generated dumps (default: a fresh temporary folder).",
    ),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}


def resolve(
    config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Each setting from ``config``, else ``POLICYGRAPH_<NAME>`` in the environment, else default.

    Keys of ``config`` that are not settings are passed through unchanged (e.g. a prebuilt
    ``publication`` for tests).
    """
    config = dict(config or {})
    environ = os.environ if environ is None else environ
    resolved: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in config and config[setting.name] is not None:
            raw = config.pop(setting.name)
        elif setting.env in environ:
            raw = environ[setting.env]
        else:
            config.pop(setting.name, None)
            raw = setting.default
        try:
            resolved[setting.name] = raw if raw is None else setting.convert(raw)
        except (TypeError, ValueError) as error:
            raise ValueError(f"setting {setting.name} ({setting.env}): {error}") from None
    if not str(resolved["base"]).endswith("/"):
        resolved["base"] = str(resolved["base"]) + "/"
    resolved.update(config)
    return resolved


def settings_markdown() -> str:
    """The settings table in Markdown, for the README's settings section."""
    lines = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for setting in SETTINGS:
        default = "—" if setting.default in (None, []) else f"`{setting.default}`"
        lines.append(f"| `{setting.name}` | `{setting.env}` | {default} | {setting.help} |")
    return "\n".join(lines) + "\n"
