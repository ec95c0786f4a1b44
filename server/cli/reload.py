"""``policygraph reload``: ask a running server to re-read, validate and swap in its data."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from server.run import reload
from server.run.reload import status_path

EXIT_OK, EXIT_REFUSED, EXIT_FAILED = 0, 1, 2


def send_reload(pid_file: str | os.PathLike, timeout: float = 120.0, out=sys.stdout) -> int:
    """SIGHUP the master named in ``pid_file`` and wait for the outcome it records."""
    try:
        pid = int(Path(pid_file).read_text(encoding="ascii").strip())
    except (OSError, ValueError) as error:
        print(f"error: cannot read a master pid from {pid_file}: {error}", file=sys.stderr)
        return EXIT_FAILED
    status = status_path(pid_file)
    before = status.stat().st_mtime_ns if status.exists() else None
    try:
        os.kill(pid, signal.SIGHUP)
    except OSError as error:
        print(f"error: cannot signal the master (pid {pid}): {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"sent SIGHUP to the policygraph master (pid {pid}); waiting for the outcome", file=out)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if status.exists() and status.stat().st_mtime_ns != before:
            try:
                result = json.loads(status.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                time.sleep(0.05)  # being replaced right now
                continue
            if result["outcome"] == "reloaded":
                print(
                    f"reloaded in {result['seconds']} s: now serving {result['triples']} triples",
                    file=out,
                )
                return EXIT_OK
            print(
                f"reload refused after {result['seconds']} s; still serving the previous "
                f"version ({result['triples']} triples):\n{result['report']}",
                file=out,
            )
            return EXIT_REFUSED
        time.sleep(0.1)
    print(f"error: no outcome after {timeout:g} s; see the server's log", file=sys.stderr)
    return EXIT_FAILED


def cmd_reload(args: argparse.Namespace) -> int:
    """Ask a running ``policygraph serve`` to re-read its data (exit 0 reloaded, 1 refused)."""
    return send_reload(args.pid_file, args.timeout)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pid-file",
        required=True,
        metavar="FILE",
        help="the pid file given to `policygraph serve --pid-file`",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the outcome (default 120)",
    )


def add_reload_command(subparsers) -> argparse.ArgumentParser:
    """Register ``policygraph reload`` on the ``policygraph`` command's subparsers."""
    parser = subparsers.add_parser(
        "reload",
        help="make a running server re-read, validate and atomically swap in its data",
        description="Send SIGHUP to the master of `policygraph serve --pid-file FILE` and wait "
        "for the outcome. The new data is parsed and validated before anything changes: exit 0 "
        "when it replaced the old version, 1 when it was refused (the report is printed and the "
        "old version keeps being served), 2 when the server could not be reached.",
    )
    add_arguments(parser)
    parser.set_defaults(run=cmd_reload)
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m server.cli.reload --pid-file F``: the same as ``policygraph reload``."""
    parser = argparse.ArgumentParser(prog="policygraph reload", description=reload.__doc__)
    add_arguments(parser)
    return cmd_reload(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
