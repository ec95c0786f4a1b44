"""``policygraph serve``: one flag per setting (made from the settings table), and
``python -m server.cli.serve``."""

from __future__ import annotations

import argparse
import logging
import os
import sys

import graph
from server import logs
from server.cli.common import EXIT_OK, EXIT_UNREADABLE
from server.run import serving
from server.settings import SETTINGS, Setting, Settings

PID_FILE_ENV = "POLICYGRAPH_PID_FILE"
log = logging.getLogger("server.cli.serve")  # also when run as __main__


def add_setting_argument(parser: argparse.ArgumentParser, setting: Setting) -> None:
    """``--name-with-dashes`` for a setting (its underscore spelling is accepted too); a boolean
    setting also gets ``--no-…``, and a list (``data``, ``trusted_proxies``) may be repeated.
    The value is read as the environment's is (:meth:`server.settings.Settings.resolve`)."""
    names = [setting.flag]
    help_text = f"{setting.help} [{setting.env}]"
    if setting.type == "bool":
        options: dict = {"action": argparse.BooleanOptionalAction}
    elif setting.type.startswith("tuple["):
        options = {"action": "append", "metavar": "PATH" if setting.name == "data" else "VALUE"}
        help_text = f"{setting.help} Repeatable. [{setting.env}]"
    else:
        options = {"metavar": setting.name.upper()}
    parser.add_argument(*names, dest=setting.name, default=None, help=help_text, **options)
    if "_" in setting.name and setting.type != "bool":
        parser.add_argument(
            "--" + setting.name, dest=setting.name, default=None, help=argparse.SUPPRESS, **options
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add serve's flags (one per setting, each also ``POLICYGRAPH_<NAME>``) to ``parser``."""
    for setting in SETTINGS:
        add_setting_argument(parser, setting)
    parser.add_argument(
        "--pid-file",
        dest="pid_file",
        default=None,
        metavar="FILE",
        help="write the master's process id here (for `policygraph reload --pid-file FILE`) "
        f"[{PID_FILE_ENV}]",
    )


def settings_from_arguments(args: argparse.Namespace) -> Settings:
    """Resolved settings: flags given on the command line, then environment, then defaults."""
    given = {s.name: getattr(args, s.name, None) for s in SETTINGS}
    return Settings.resolve({name: value for name, value in given.items() if value is not None})


def pid_file_from_arguments(args: argparse.Namespace) -> str | None:
    """``--pid-file``, else ``POLICYGRAPH_PID_FILE``, else None."""
    return getattr(args, "pid_file", None) or os.environ.get(PID_FILE_ENV) or None


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the publisher (gunicorn, or Flask's reloader with --dev)."""
    serving.run(settings_from_arguments(args), pid_file_from_arguments(args))
    return EXIT_OK


def add_serve_command(commands) -> argparse.ArgumentParser:
    """Register ``policygraph serve`` on the ``policygraph`` command's subparsers."""
    serve = commands.add_parser(
        "serve",
        help="start the linked-data publisher and SPARQL endpoint",
        description="Parse, validate (refusing to start on a Violation), load into pyoxigraph "
        "and serve over HTTP with gunicorn, in the foreground. Every setting can be given as a "
        "flag, else as its environment variable.",
    )
    add_arguments(serve)
    serve.set_defaults(run=cmd_serve)
    return serve


def main(argv: list[str] | None = None) -> None:
    """``python -m server.cli.serve``: the same as ``policygraph serve``."""
    logs.to_stderr()
    parser = argparse.ArgumentParser(prog="policygraph serve", description=serving.__doc__)
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
        serving.run(settings_from_arguments(args), pid_file_from_arguments(args))
    except graph.InvalidData as error:
        log.error("refusing to publish: %s\n%s", error, error.report.text.rstrip())
        sys.exit(1)
    except graph.NoData as error:
        log.error("nothing to publish: %s", error)
        sys.exit(EXIT_UNREADABLE)
    except graph.DataError as error:
        log.error("cannot read the data: %s", error)
        sys.exit(1)
    except (ValueError, OSError) as error:  # a bad setting, an unusable store folder
        log.error("cannot start: %s", error)
        sys.exit(1)


if __name__ == "__main__":
    main()
