"""The ``policygraph`` command: validate, dump, stats, serve."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import RDF

import graph
import ontology
from graph import dump, remote
from server import reload as reloading

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _base(args) -> str:
    return graph.check_base(args.base or os.environ.get("POLICYGRAPH_BASE") or graph.DEFAULT_BASE)


def _paths(args) -> list[Path] | None:
    return [Path(p) for p in args.paths] if getattr(args, "paths", None) else None


def _add_base(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base",
        help="public base IRI the relative IRIs resolve against "
        f"(env POLICYGRAPH_BASE; default {graph.DEFAULT_BASE})",
    )


def cmd_validate(args) -> int:
    """Validate curated files against the shapes (SHACL), the ontology as ont_graph."""
    base = _base(args)
    parsed = graph.parse(base, _paths(args))
    report = graph.validate(parsed, base)
    output = {"text": lambda: report.text, "json": report.json, "turtle": report.turtle}
    sys.stdout.write(output[args.format]())
    return EXIT_OK if report.conforms else EXIT_INVALID


def _load_or_report(args):
    base = _base(args)
    return base, graph.load(base, _paths(args))


def cmd_dump(args) -> int:
    """Write the whole validated dataset in one format (byte-stable for equal data)."""
    base, dataset = _load_or_report(args)
    data = dump.serialize(dataset, base, args.format)
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def statistics(dataset, base: str) -> dict:
    """Counts: triples per named graph, instances per class, claims per claimant, languages."""
    pg = ontology.pg(base)
    data_graphs = graph.data_graph_names(dataset, base)
    union = [dataset.graph(name) for name in data_graphs]
    classes: Counter = Counter()
    claimants: Counter = Counter()
    languages: Counter = Counter()
    for part in union:
        for _, klass in part.subject_objects(RDF.type):
            classes[part.namespace_manager.normalizeUri(klass)] += 1
        for _, claimant in part.subject_objects(pg.claimant):
            claimants[str(claimant)] += 1
        for _, _, value in part:
            if getattr(value, "language", None):
                languages[value.language] += 1
    return {
        "base": base,
        "triples": sum(len(dataset.graph(c.identifier)) for c in dataset.graphs()),
        "graphs": {
            str(c.identifier): len(c)
            for c in sorted(dataset.graphs(), key=lambda g: str(g.identifier))
            if isinstance(c.identifier, URIRef) and len(c)
        },
        "classes": dict(sorted(classes.items())),
        "claims_per_claimant": dict(claimants.most_common()),
        "languages": dict(sorted(languages.items())),
    }


def cmd_stats(args) -> int:
    """Print counts of the validated dataset."""
    base, dataset = _load_or_report(args)
    stats = statistics(dataset, base)
    if args.format == "json":
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"base {stats['base']}\ntriples {stats['triples']}")
    for heading, key in (
        ("triples per named graph", "graphs"),
        ("instances per class", "classes"),
        ("claims per claimant", "claims_per_claimant"),
        ("literals per language", "languages"),
    ):
        print(f"\n{heading}:")
        for name, count in stats[key].items():
            print(f"  {count:6d}  {name}")
    return EXIT_OK


def cmd_serve(args) -> int:
    """Start the publisher (gunicorn, or Flask's reloader with --dev)."""
    from server import serving

    serving.run(serving.settings_from_arguments(args))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policygraph",
        description="Publish foreign-policy discourse as linked data: validate the curated graph, "
        "dump it, count it, and serve it as Turtle, JSON-LD, HTML and SPARQL.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check the curated graph (or given files) against the SHACL shapes",
        description="Validate Turtle files against the SHACL shapes with the ontology as "
        "ont_graph. Exit 0 when there is no Violation, 1 when there is, 2 on unreadable input.",
    )
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help="source folders or .ttl files (default: bundled)"
    )
    validate.add_argument("--format", choices=("text", "turtle", "json"), default="text")
    _add_base(validate)
    validate.set_defaults(run=cmd_validate)

    dumper = commands.add_parser(
        "dump",
        help="write the whole dataset in one RDF format",
        description="Serialize the validated dataset. nq, trig and jsonld keep the named graphs; "
        "ttl and nt hold their union. Output is byte-stable for equal data.",
    )
    dumper.add_argument("--format", choices=tuple(dump.FORMATS), default="nq")
    dumper.add_argument("--output", "-o", help="file to write (default: standard output)")
    dumper.add_argument(
        "paths", nargs="*", metavar="PATH", help="source folders (default: bundled)"
    )
    _add_base(dumper)
    dumper.set_defaults(run=cmd_dump)

    stats = commands.add_parser(
        "stats",
        help="print counts: triples per graph, instances per class, claims per claimant",
        description="Count the validated dataset: triples per named graph, instances per class, "
        "claims per claimant and literals per language.",
    )
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.add_argument("paths", nargs="*", metavar="PATH", help="source folders (default: bundled)")
    _add_base(stats)
    stats.set_defaults(run=cmd_stats)

    remote.add_load_command(commands)
    reloading.add_reload_command(commands)

    serve = commands.add_parser(
        "serve",
        help="start the linked-data publisher and SPARQL endpoint",
        description="Parse, validate (refusing to start on a Violation), load into pyoxigraph "
        "and serve over HTTP with gunicorn.",
    )
    try:
        from server import serving
    except ImportError:  # the server is optional for validate/dump/stats
        serving = None
    if serving is not None and hasattr(serving, "add_arguments"):
        serving.add_arguments(serve)
    serve.set_defaults(run=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except graph.InvalidData as error:
        sys.stderr.write(error.report.text)
        return EXIT_INVALID
    except (graph.UnreadableData, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
