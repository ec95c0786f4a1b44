"""``policygraph stats``: counts of the validated dataset, and of its model (modality, status,
time placement: :func:`graph.stats.model_counts`)."""

from __future__ import annotations

import argparse
import json
from collections import Counter

from rdflib import URIRef
from rdflib.namespace import RDF

import graph
import ontology
from graph.stats import model_counts
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


#: The model's counts as ``stats`` prints them: (heading, key of :func:`model_counts`).
MODEL_SECTIONS = (
    ("claims per modality", "claims_per_modality"),
    ("propositions per modality", "propositions_per_modality"),
    ("events per status", "events_per_status"),
    ("claims per time placement", "claims_per_time_placement"),
    ("events per time placement", "events_per_time_placement"),
)


def inferred_placements(dataset, base: str) -> dict[str, int]:
    """Claims and events whose time placement is inferred (pg:timeInferredFrom or pg:timeWords:
    bounds or a date derived from the source's words), by kind; the rest are given verbatim."""
    pg = ontology.pg(base)
    counts = {"claims": set(), "events": set()}
    for name in graph.data_graph_names(dataset, base):
        part = dataset.graph(name)
        for kind, cls in (("claims", pg[terms.Claim]), ("events", pg[terms.Event])):
            for thing in part.subjects(RDF.type, cls):
                if any(
                    (thing, pg[p], None) in part for p in (terms.timeInferredFrom, terms.timeWords)
                ):
                    counts[kind].add(thing)
    return {kind: len(found) for kind, found in counts.items()}


def model_statistics(dataset, base: str) -> dict:
    """:func:`graph.stats.model_counts` plus, per kind, how many placements are inferred."""
    model = model_counts(dataset, base)
    inferred = inferred_placements(dataset, base)
    model["claims_per_time_placement"]["inferred"] = inferred["claims"]
    model["events_per_time_placement"]["inferred"] = inferred["events"]
    return model


def cmd_stats(args) -> int:
    """Print counts of the validated dataset."""
    base, dataset = load_dataset(args)
    stats = statistics(dataset, base)
    stats["model"] = model_statistics(dataset, base)
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
    for heading, key in MODEL_SECTIONS:
        print(f"\n{heading}:")
        for name, count in stats["model"][key].items():
            note = "  (of the above, placed from the source's words)" if name == "inferred" else ""
            print(f"  {count:6d}  {name}{note}")
    print("\nper data graph (facts, anchors, claims, events):")
    for name, counts in stats["model"]["graphs"].items():
        print(
            f"  {counts['facts']:6d} {counts['anchors']:6d} {counts['claims']:6d} "
            f"{counts['events']:6d}  {name} ({counts['kind']})"
        )
    return EXIT_OK


def add_stats_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph stats`` on the ``policygraph`` command's subparsers."""
    stats = commands.add_parser(
        "stats",
        help="print counts: triples per graph, instances per class, claims per claimant, "
        "modality, status, time placement",
        description="Count the validated dataset: triples per named graph, instances per class, "
        "claims per claimant, literals per language; claims and propositions per modality, events "
        "per status, claims and events per time placement (exact, bounded; and how many of them "
        "are inferred from the source's words), and each data graph's facts and anchors.",
    )
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.add_argument("paths", nargs="*", metavar="PATH", help="source folders (default: bundled)")
    add_base_argument(stats)
    stats.set_defaults(run=cmd_stats)
    return stats
