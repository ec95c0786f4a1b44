"""The ``policygraph`` command: validate, dump, export, stats, load, reload, serve."""

from __future__ import annotations

import argparse
import sys

import graph
from server import logs
from server.cli.common import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE
from server.cli.dump import add_dump_command
from server.cli.export import add_export_command
from server.cli.load import add_load_command
from server.cli.reload import add_reload_command
from server.cli.serve import add_serve_command
from server.cli.stats import add_stats_command
from server.cli.validate import add_validate_command

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_UNREADABLE", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policygraph",
        description="Publish foreign-policy discourse as linked data: validate the curated graph, "
        "dump it, count it, and serve it as Turtle, JSON-LD, HTML and SPARQL.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_validate_command(commands)
    add_dump_command(commands)
    add_export_command(commands)
    add_stats_command(commands)
    add_load_command(commands)
    add_reload_command(commands)
    add_serve_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; the exit status (:data:`EXIT_OK`, :data:`EXIT_INVALID`,
    :data:`EXIT_UNREADABLE`). Log records go to standard error (:func:`server.logs.to_stderr`)."""
    logs.to_stderr()
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except graph.InvalidData as error:
        sys.stderr.write(error.report.text)
        return EXIT_INVALID
    except (graph.UnreadableData, graph.NoData, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
