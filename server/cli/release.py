"""``policygraph release VERSION``: freeze the validated data as an immutable release."""

from __future__ import annotations

import argparse
from pathlib import Path

import graph
from graph.release import freeze
from server.cli.common import EXIT_OK
from server.settings import Settings


def cmd_release(args) -> int:
    """Validate the sources through the server's SHACL gate (:func:`graph.load`: a Violation
    exits 1 with the report, no data exits 2), then write release ``VERSION``
    (:func:`graph.release.freeze.freeze`); an existing version exits 2."""
    settings = Settings.resolve(
        {"base": args.base, "data": args.data or None, "releases_dir": args.releases}
    )
    paths = [Path(p) for p in settings.data] or None
    dataset = graph.load(settings.base, paths)
    release = freeze.freeze(dataset, settings.base, settings.releases_dir, args.version)
    print(f"release {release.version} of {settings.base}, issued {release.issued.isoformat()}")
    print(f"  in {release.path}")
    if release.previous:
        print(f"  revision of {release.previous}")
    for item in release.files:
        print(f"  {item.sha256}  {item.name} ({item.size:,} bytes)")
    return EXIT_OK


def add_release_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph release`` on the ``policygraph`` command's subparsers."""
    release = commands.add_parser(
        "release",
        help="freeze the validated data as an immutable release",
        description="Validate the sources as `serve` does, then write the release VERSION into "
        "the releases folder: the dumps, SHA256SUMS, release.ttl (VoID, DCAT) and the changelog "
        "since the previous release. Exit 0 when written, 1 on a SHACL Violation (the report "
        "is printed), 2 when there is no data, the version exists or is not a version.",
    )
    release.add_argument("version", metavar="VERSION", help="e.g. 1.0 (letters, digits, . _ -)")
    release.add_argument(
        "--data",
        action="append",
        metavar="DIR",
        help="source folder (repeatable; env POLICYGRAPH_DATA; default: the bundled sources)",
    )
    release.add_argument(
        "--releases",
        metavar="DIR",
        help="releases folder (env POLICYGRAPH_RELEASES_DIR; default: the setting releases_dir)",
    )
    release.add_argument(
        "--base",
        help=f"public base IRI (env POLICYGRAPH_BASE; default {graph.DEFAULT_BASE})",
    )
    release.set_defaults(run=cmd_release)
    return release
