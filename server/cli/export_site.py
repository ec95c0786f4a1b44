"""``policygraph export-site DIR``: every document as files, and an nginx configuration that
answers for them as ``policygraph serve`` does (:mod:`server.publish.site`,
:mod:`server.publish.nginx`)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import tempfile
import time
from pathlib import Path

from server.app import create_app
from server.cli.common import EXIT_OK
from server.cli.serve import add_arguments, settings_from_arguments
from server.publish import nginx, site
from server.publish.publication import EXTENSION

log = logging.getLogger(__name__)

CONFIG_NAME = "policygraph.nginx.conf"


def cmd_export_site(args: argparse.Namespace) -> int:
    """Build the publication as ``serve`` would, write its documents and the configuration."""
    started = time.monotonic()
    settings = dataclasses.replace(settings_from_arguments(args), precompute=False)
    folder = Path(args.dir).resolve()
    with tempfile.TemporaryDirectory(prefix="policygraph-export-") as scratch:
        if settings.dumps_dir is None:  # the dumps are the server's to write, not the site's
            settings = dataclasses.replace(settings, dumps_dir=scratch)
        app = create_app(settings)
        pub = app.extensions[EXTENSION]
        with app.app_context():
            exported = site.export(pub, folder / "files", args.jobs)
    root = args.root or str(folder / "files")
    text = nginx.config(exported, root, args.upstream, args.listen, args.server_name)
    (folder / CONFIG_NAME).write_text(text, encoding="utf-8")
    log.info(
        "%d documents, %d files in %s/files, nginx configuration %s/%s (%.1f s)",
        len(exported.links),
        len(exported.files) + len(exported.fixed),
        folder,
        folder,
        CONFIG_NAME,
        time.monotonic() - started,
    )
    return EXIT_OK


def add_export_site_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph export-site`` on the ``policygraph`` command's subparsers."""
    command = commands.add_parser(
        "export-site",
        help="write every document as files, with an nginx configuration serving them",
        description="Load and validate the data as `serve` does (same flags and environment: "
        "the base, the data and the store must be those of the `policygraph serve` nginx "
        "passes the rest to), then write every document in every format and language under "
        f"DIR/files and, in DIR/{CONFIG_NAME}, an nginx configuration to include in its http "
        "block: it answers dereferencing, negotiation and revalidation from the files as the "
        "publisher does, and passes everything else to the publisher. After the data changes, "
        "export into a new DIR and reload nginx on its configuration: the files and the "
        "configuration's ETags must come from the same export.",
    )
    command.add_argument("dir", metavar="DIR", help="folder to write (made if absent)")
    command.add_argument(
        "--upstream",
        default="127.0.0.1:8080",
        help="address of `policygraph serve` for nginx's upstream (default 127.0.0.1:8080)",
    )
    command.add_argument("--listen", default="80", help="nginx's listen parameter (default 80)")
    command.add_argument("--server-name", default="_", help="nginx's server_name (default _: any)")
    command.add_argument(
        "--root",
        default=None,
        help="the files folder as nginx will see it (default DIR/files, absolute)",
    )
    command.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="processes rendering documents (default 1; forked after loading, sharing the store)",
    )
    add_arguments(command)
    command.set_defaults(run=cmd_export_site)
    return command
