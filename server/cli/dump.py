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
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def add_dump_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph dump`` on the ``policygraph`` command's subparsers."""
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
    add_base_argument(dumper)
    dumper.set_defaults(run=cmd_dump)
    return dumper
