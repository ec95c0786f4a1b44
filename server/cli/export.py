"""``policygraph export``: write the research exports of the validated dataset into a folder,
with no server: the actor network (GraphML, GEXF, CSV), the tables (CSV) and their descriptions
(Frictionless ``datapackage.json``, Croissant ``croissant.json``); the files the publisher serves
under ``/dumps/`` (:mod:`graph.research.exports`)."""

from __future__ import annotations

import argparse
import sys

from graph.research import exports, reading
from server.cli.common import EXIT_OK, EXIT_UNREADABLE, add_base_argument, load_dataset

#: What ``--format`` takes: one format, or all of them.
CHOICES = (*exports.FORMATS, "all")


def cmd_export(args) -> int:
    """Write the exports of ``--format`` into ``--output`` and list the files written."""
    args.paths = [*args.paths, *(args.data or [])]
    base, dataset = load_dataset(args)
    formats = exports.FORMATS if "all" in args.format else tuple(dict.fromkeys(args.format))
    try:
        written = exports.write(reading.store_of(dataset, base), base, args.output, formats)
    except OSError as error:
        print(f"error: cannot write into {args.output}: {error.strerror or error}", file=sys.stderr)
        return EXIT_UNREADABLE
    for item in written:
        sys.stdout.write(f"{args.output.rstrip('/')}/{item.name}\t{item.media_type}\n")
    return EXIT_OK


def add_export_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph export`` on the ``policygraph`` command's subparsers."""
    export = commands.add_parser(
        "export",
        help="write the network (GraphML, GEXF, CSV) and the tables (CSV, data package, Croissant)",
        description="Write research exports of the validated dataset into a folder, with no "
        "server: graphml and gexf (the actor network, for Gephi and networkx), csv (the "
        "network's node and edge lists, the tables and datapackage.json), datapackage (the "
        "tables and their Frictionless datapackage.json), croissant (the tables and their "
        "Croissant croissant.json), or all. Prints each file written with its media type. "
        "Exit 0 when written, 1 when the data breaks the shapes, 2 on unreadable input or an "
        "output folder that cannot be written.",
    )
    export.add_argument(
        "--format",
        choices=CHOICES,
        action="append",
        required=True,
        help="what to write (repeat for several; all: every format)",
    )
    export.add_argument(
        "--output", "-o", required=True, help="folder to write into (made if missing)"
    )
    export.add_argument(
        "--data",
        action="append",
        metavar="DIR",
        help="a source folder (repeatable; default: bundled)",
    )
    export.add_argument(
        "paths", nargs="*", metavar="PATH", help="source folders (default: bundled)"
    )
    add_base_argument(export)
    export.set_defaults(run=cmd_export)
    return export
