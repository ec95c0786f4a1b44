"""``policygraph load``: validate the data, then put it into an external SPARQL 1.1 store."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import pyoxigraph as ox

import graph
import graph.store
from graph.store.client import ENV_PASSWORD, ENV_USER, RemoteError, credentials_from_env
from graph.store.load import drop_graphs, load_into, report_nquads
from graph.store.remote import (
    ENV_GRAPH_STORE_URL,
    ENV_UPDATE_URL,
    PREFIX,
    VALIDATION_GRAPH,
    RemoteStore,
)


def add_load_command(subparsers) -> argparse.ArgumentParser:
    """``policygraph load --into sparql:URL [PATH…]``: validate, then load into an engine."""
    loader = subparsers.add_parser(
        "load",
        help="validate the data and put it into an external SPARQL 1.1 store",
        description="Parse and validate the sources (refusing any Violation), then replace each "
        "named graph (data, ontology, shapes, and the validation report in {base}validation) in "
        "a SPARQL 1.1 store: by Graph Store Protocol PUT when --graph-store (env "
        f"{ENV_GRAPH_STORE_URL}) is given, else by SPARQL Update through --update (env "
        f"{ENV_UPDATE_URL}). Credentials: env {ENV_USER} / {ENV_PASSWORD}.",
    )
    target = loader.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--into",
        metavar="sparql:URL",
        help="the query endpoint of the store, e.g. sparql:http://host:8890/sparql",
    )
    target.add_argument(
        "--nquads-out",
        metavar="FILE",
        help="write the validated N-Quads (with the report graph) to FILE for the "
        "engine's own bulk loader, instead of sending them",
    )
    loader.add_argument("--update", metavar="URL", help="SPARQL Update endpoint")
    loader.add_argument("--graph-store", metavar="URL", help="Graph Store Protocol endpoint")
    loader.add_argument("--timeout", type=float, default=120.0, help="seconds a request")
    loader.add_argument(
        "--replace",
        action="store_true",
        help="also drop the data graphs the store holds that the new data lacks (without it, "
        "such a load is refused: the new report would not cover them)",
    )
    loader.add_argument("--base", help="public base IRI (env POLICYGRAPH_BASE)")
    loader.add_argument(
        "paths", nargs="*", metavar="PATH", help="source folders (default: bundled)"
    )
    loader.set_defaults(run=cmd_load)
    return loader


def stored_data_graphs(url: str, base: str, timeout: float) -> list[str]:
    """The data graphs under ``base`` the store at ``url`` holds (not the ontology, the shapes
    or the report)."""
    store = RemoteStore(url, auth=credentials_from_env(), timeout=timeout)
    vocabulary = set(graph.vocabulary_graph_names(base))
    return sorted(
        name
        for name in (g.value for g in store.named_graphs())
        if name.startswith(f"{base}graph/") and name not in vocabulary
    )


def cmd_load(args) -> int:
    """Validate (exit 1 on a Violation, before anything is sent), then load and print counts.

    A stored report is never replaced by a worse one. A report with a Violation is never sent
    (the data is refused first); one that covers fewer data graphs than the store holds would
    leave those graphs published under no report, so that load is refused too (exit 2), unless
    ``--replace`` drops them first. Raises ``graph.InvalidData`` on a Violation and
    ``ValueError`` when the load is refused or the store fails, which ``policygraph``'s ``main``
    turns into exit statuses 1 and 2.
    """
    base = graph.check_base(args.base or os.environ.get("POLICYGRAPH_BASE") or graph.DEFAULT_BASE)
    if args.into and not args.into.startswith(PREFIX):
        raise ValueError(f"--into takes sparql:URL, not {args.into!r}")
    paths = [Path(p) for p in args.paths] or None
    parsed = graph.parse(base, paths)
    report = graph.validate(parsed, base)
    if not report.conforms:
        raise graph.InvalidData(report)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Dataset.contexts is deprecated", DeprecationWarning)
        nquads = graph.store.dataset_nquads(parsed.dataset)
    nquads += report_nquads(report.turtle(), base)
    if args.nquads_out:
        Path(args.nquads_out).write_bytes(nquads)
        print(f"wrote {len(nquads)} bytes of N-Quads to {args.nquads_out}", file=sys.stderr)
        return 0
    report_graph = f"{base}{VALIDATION_GRAPH}"
    names = sorted(
        {
            quad.graph_name.value
            for quad in ox.parse(nquads, ox.RdfFormat.N_QUADS)
            if isinstance(quad.graph_name, ox.NamedNode)
        },
        key=lambda name: (name == report_graph, name),  # the report last
    )
    url = args.into[len(PREFIX) :]
    try:
        missing = sorted(set(stored_data_graphs(url, base, args.timeout)) - set(names))
        if missing and not args.replace:
            raise ValueError(
                f"not loading into {args.into}: it holds data graphs the new data lacks "
                f"({', '.join(missing)}), which its report would not cover; load every source, "
                "or pass --replace to drop them"
            )
        if missing:
            drop_graphs(
                url, missing, args.update, graph_store_url=args.graph_store, timeout=args.timeout
            )
            print(f"dropped {len(missing)} graph(s): {', '.join(missing)}", file=sys.stderr)
        counts = load_into(
            url,
            nquads,
            names,
            args.update,
            graph_store_url=args.graph_store,
            timeout=args.timeout,
        )
    except RemoteError as error:  # policygraph's main prints "error: …" and exits 2
        raise ValueError(f"loading into {args.into} failed: {error}") from None
    for name, count in counts.items():
        print(f"{count:>9}  {name}")
    print(
        f"{sum(counts.values()):>9}  triples in {len(counts)} graphs at {args.into}",
        file=sys.stderr,
    )
    return 0
