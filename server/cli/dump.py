"""``policygraph dump``: write the whole validated dataset in one RDF format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph import dump
from server.cli.common import EXIT_OK, add_base_argument, load_dataset


def cmd_dump(args) -> int:
    """Write the whole validated dataset in one format (byte-stable for equal data)."""
    base, dataset = load_dataset(args)
    data = dump.serialize(dataset, base, args.format)
    if args.output and args.output.endswith(".gz"):
        with open(args.output, "wb") as raw, dump.gzip_writer(raw) as zipped:
            zipped.write(data)
    elif args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def add_dump_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph dump`` on the ``policygraph`` command's subparsers."""
    dumper = commands.add_parser(
        "dump",
        help="write the whole dataset in one RDF format",
        description="Serialize the validated dataset. nq, trig and jsonld keep the named graphs "
        "(data, ontology, shapes); ttl and nt hold the union of the data graphs. Output is "
        "byte-stable for equal data, in the form of the publisher's dumps: "
        "/dumps/policygraph.nq.gz is --format nq -o FILE.nq.gz, /dumps/policygraph.ttl is "
        "--format ttl.",
    )
    dumper.add_argument("--format", choices=tuple(dump.FORMATS), default="nq")
    dumper.add_argument(
        "--output",
        "-o",
        help="file to write (default: standard output); a name ending in .gz is gzip-compressed "
        "as the published dumps are",
    )
    dumper.add_argument(
        "paths", nargs="*", metavar="PATH", help="source folders (default: bundled)"
    )
    add_base_argument(dumper)
    dumper.set_defaults(run=cmd_dump)
    return dumper
