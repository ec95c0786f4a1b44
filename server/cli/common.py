"""What the ``policygraph`` subcommands share: exit statuses, the base IRI and source paths."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import graph

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def base_iri(args) -> str:
    """``--base``, else ``POLICYGRAPH_BASE``, else the default, checked by graph.check_base."""
    return graph.check_base(args.base or os.environ.get("POLICYGRAPH_BASE") or graph.DEFAULT_BASE)


def source_paths(args) -> list[Path] | None:
    """The source folders or files given, or None for the bundled sources."""
    return [Path(p) for p in args.paths] if getattr(args, "paths", None) else None


def add_base_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base",
        help="public base IRI the relative IRIs resolve against "
        f"(env POLICYGRAPH_BASE; default {graph.DEFAULT_BASE})",
    )


def load_dataset(args):
    """(base IRI, the validated dataset); raises :class:`graph.InvalidData` on a Violation."""
    base = base_iri(args)
    return base, graph.load(base, source_paths(args))
