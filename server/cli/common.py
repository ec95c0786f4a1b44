"""What the ``policygraph`` subcommands share: exit statuses, the base IRI and source paths."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import graph

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


def _load_or_report(args):
    base = _base(args)
    return base, graph.load(base, _paths(args))
