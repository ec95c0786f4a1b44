"""``python -m bench.soak``: the soak's command line (options, exit status: see the package)."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from pathlib import Path

import bench.soak
from bench.soak.load import MIX
from bench.soak.report import print_report
from bench.soak.run import soak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=bench.soak.__doc__.split("\n\n")[0]
    )
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients [64]")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds [60]")
    parser.add_argument("--warmup", type=float, default=10, help="warm-up seconds [10]")
    parser.add_argument(
        "--sparql-timeout", type=float, default=2.0, help="the server's sparql_timeout [2]"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers [2]")
    parser.add_argument(
        "--sparql-workers", type=int, default=None, help="query processes per worker [server's]"
    )
    parser.add_argument(
        "--runaway-weight",
        type=float,
        default=MIX["runaway"],
        help=f"weight of runaway queries in the mix (of {sum(MIX.values())}) [{MIX['runaway']}]",
    )
    parser.add_argument(
        "--crash-mix",
        type=int,
        default=0,
        metavar="N",
        help="1 request in N is a query that crashes the engine, answered 400 [0: none]",
    )
    parser.add_argument(
        "--lift-limits",
        action="store_true",
        help="with --crash-mix: lift the server's structural and length limits, so that each "
        "crash-inducing query kills its query process (400; 503 if the deadline comes first) "
        "instead of being refused (400)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=max(2, min(4, os.cpu_count() or 2)),
        help="client processes the clients are spread over [CPUs, 2 to 4]",
    )
    parser.add_argument("--data", action="append", help="publish this instead of the essay graph")
    parser.add_argument("--json", metavar="OUT", help="write every figure to this JSON file")
    options = parser.parse_args(argv)
    if options.clients < 1 or options.seconds <= 0 or options.warmup < 0:
        parser.error("--clients must be positive, --seconds positive, --warmup not negative")
    if options.crash_mix == 1 or options.crash_mix < 0:
        parser.error("--crash-mix must be 0 (none) or at least 2")
    if options.seconds > 3600 or options.clients > 1024:
        parser.error("bounded: at most 3600 s and 1024 clients")
    try:
        result = soak(options)
    except (RuntimeError, OSError, multiprocessing.TimeoutError) as error:
        print(f"bench.soak: the harness failed: {error}", file=sys.stderr)
        return 2
    print_report(result)
    if options.json:
        Path(options.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
