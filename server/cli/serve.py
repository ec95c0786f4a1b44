"""``policygraph serve``: its flags (each also a setting), and ``python -m server.cli.serve``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import graph
from server.cli.common import EXIT_OK
from server.run import serving
from server.settings import BY_NAME, resolve

PID_FILE_ENV = "POLICYGRAPH_PID_FILE"
SERVE_FLAGS = ("host", "port", "base", "store", "workers", "threads", "dev", "data")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add serve's flags (each also settable as ``POLICYGRAPH_<NAME>``) to ``parser``."""
    for name in SERVE_FLAGS:
        setting = BY_NAME[name]
        flag = f"--{name}"
        if name == "dev":
            parser.add_argument(flag, action="store_true", default=None, help=setting.help)
        elif name == "data":
            parser.add_argument(
                flag,
                action="append",
                default=None,
                metavar="PATH",
                help=setting.help + " Repeatable.",
            )
        else:
            parser.add_argument(flag, default=None, help=f"{setting.help} [{setting.env}]")
    parser.add_argument(
        "--pid-file",
        dest="pid_file",
        default=None,
        metavar="FILE",
        help="write the master's process id here (for `policygraph reload --pid-file FILE`) "
        f"[{PID_FILE_ENV}]",
    )


def settings_from_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """Resolved settings: flags given on the command line, then environment, then defaults."""
    given = {name: getattr(args, name, None) for name in SERVE_FLAGS}
    resolved = resolve({k: v for k, v in given.items() if v is not None})
    resolved["pid_file"] = getattr(args, "pid_file", None) or os.environ.get(PID_FILE_ENV) or None
    return resolved


def cmd_serve(args) -> int:
    """Start the publisher (gunicorn, or Flask's reloader with --dev)."""
    serving.run(settings_from_arguments(args))
    return EXIT_OK


def add_serve_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph serve`` on the ``policygraph`` command's subparsers."""
    serve = commands.add_parser(
        "serve",
        help="start the linked-data publisher and SPARQL endpoint",
        description="Parse, validate (refusing to start on a Violation), load into pyoxigraph "
        "and serve over HTTP with gunicorn.",
    )
    add_arguments(serve)
    serve.set_defaults(run=cmd_serve)
    return serve


def main(argv: list[str] | None = None) -> None:
    """``python -m server.cli.serve``: the same as ``policygraph serve``."""
    parser = argparse.ArgumentParser(prog="policygraph serve", description=serving.__doc__)
    add_arguments(parser)
    try:
        serving.run(settings_from_arguments(parser.parse_args(argv)))
    except graph.InvalidData as error:
        sys.stderr.write(f"policygraph: refusing to publish: {error}\n{error.report.text}")
        sys.exit(1)
    except graph.DataError as error:
        sys.stderr.write(f"policygraph: cannot read the data: {error}\n")
        sys.exit(1)
    except (ValueError, OSError) as error:  # a bad setting, an unusable store folder
        sys.stderr.write(f"policygraph: cannot start: {error}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
