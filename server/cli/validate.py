"""``policygraph validate``: check the curated graph (or given files) against the SHACL shapes."""

from __future__ import annotations

import argparse
import sys

import graph
from server.cli.common import EXIT_INVALID, EXIT_OK, add_base_argument, base_iri, source_paths


def cmd_validate(args) -> int:
    """Validate curated files against the shapes (SHACL), the ontology as ont_graph."""
    base = base_iri(args)
    parsed = graph.parse(base, source_paths(args))
    report = graph.validate(parsed, base)
    output = {"text": lambda: report.text, "json": report.json, "turtle": report.turtle}
    sys.stdout.write(output[args.format]())
    return EXIT_OK if report.conforms else EXIT_INVALID


def add_validate_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph validate`` on the ``policygraph`` command's subparsers."""
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
    add_base_argument(validate)
    validate.set_defaults(run=cmd_validate)
    return validate
