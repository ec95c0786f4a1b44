"""``policygraph stats``: counts of the validated dataset."""

from __future__ import annotations

import argparse
import json
from collections import Counter

from rdflib import URIRef
from rdflib.namespace import RDF

import graph
import ontology
from ontology import terms
from server.cli.common import EXIT_OK, add_base_argument, load_dataset


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
        for _, claimant in part.subject_objects(pg[terms.claimant]):
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
    base, dataset = load_dataset(args)
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


def add_stats_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph stats`` on the ``policygraph`` command's subparsers."""
    stats = commands.add_parser(
        "stats",
        help="print counts: triples per graph, instances per class, claims per claimant",
        description="Count the validated dataset: triples per named graph, instances per class, "
        "claims per claimant and literals per language.",
    )
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.add_argument("paths", nargs="*", metavar="PATH", help="source folders (default: bundled)")
    add_base_argument(stats)
    stats.set_defaults(run=cmd_stats)
    return stats
