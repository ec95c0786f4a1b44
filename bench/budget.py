"""The per-request budget: py-spy's samples of a served workload, sorted into the stages of a
request, and turned into microseconds with the deployment's measured CPU time per request.

Each sample (a stack, root first, from ``bench.profile``'s collapsed files) goes to one stage:
the innermost frame that belongs to a known stage decides (a ``re`` call inside the SPARQL
tokenizer is the tokenizer's). Samples whose leaf is a wait (a selector, a queue, a lock, a
socket receive) are counted apart as waiting: py-spy leaves out threads it sees idle, but not
these. The stages:

- HTTP parsing: gunicorn's request reading (request line, headers, the WSGI environment);
- routing and the app: the WSGI fast path's own work, Flask and Werkzeug, our views;
- safety reading: reading the query string, the tokenizer, the safety checks and limits, the
  bound of a one-resource query, the date index's rewriting (``server.sparql.service.plan``);
- engine: pyoxigraph running the query (``graph.store``, the store's calls);
- serialisation: writing the answer (SPARQL JSON, Turtle, N-Triples; rendering a document).
  pyoxigraph evaluates lazily, so iterating its solutions while writing them is counted here;
- crossing: sending a job to a query process and its answer back (pickling, the socket pair);
- writing: sending the response (gunicorn's response head and body, the socket writes);
- server loop: gunicorn's selector, thread pool and keep-alive bookkeeping, the master;
- housekeeping: the query processes' memory watcher.

    python -m bench.budget bench/results/profile-…/describe.txt [--cpu-us 420]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path


def parse_collapsed(text: str) -> list[tuple[list[str], int]]:
    """py-spy's raw (collapsed) stacks: ``frame;frame;… count`` per line, root first."""
    stacks = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


#: A frame of py-spy's raw output: ``function (path:line)``; process frames have no path.
FRAME = re.compile(r"^(?P<function>.+?) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")

#: A leaf that is a wait, not work: ``(function regex, path regex)``.
WAITS = (
    (r"select|poll|_poll|wait|acquire|sleep|get", r"selectors\.py|threading\.py|queue\.py"),
    (r"_worker", r"concurrent/futures/thread\.py"),
    (r"_recv|_recv_bytes|recv|recv_bytes|wait|_poll|poll", r"multiprocessing/connection\.py"),
    (r"wait_for_signals|sleep|.*", r"gunicorn/arbiter\.py"),
    (r"wait_for_and_dispatch_events", r"gunicorn/workers/gthread\.py"),
)

#: Stages by the frame's path (and function), checked in order for each frame.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("housekeeping", r"server/sparql/engine\.py", r"private_memory|_watch"),
    ("crossing", r"server/sparql/engine\.py", r"Pool\.|_send|_ask|_reply|_child_loop"),
    ("crossing", r"server/sparql/process\.py", r".*"),
    ("crossing", r"multiprocessing/connection\.py|pickle\.py|copyreg\.py", r".*"),
    ("engine", r"graph/store/", r".*"),
    ("serialisation", r"server/sparql/results\.py|server/render/", r".*"),
    ("serialisation", r"server/publish/(documents|cache|site)\.py", r".*"),
    ("serialisation", r"jinja2/", r".*"),
    ("safety reading", r"server/sparql/(safety|reader|limits|bounded|ranges|protocol)\.py", r".*"),
    ("safety reading", r"graph/sparql_lexer\.py", r".*"),
    ("safety reading", r"server/sparql/service\.py", r"plan|_bounded|_narrowed|_prefixes|dataset"),
    ("routing and the app", r"server/sparql/service\.py", r".*"),
    ("engine", r"server/sparql/engine\.py", r"execute|store_for|_child_main"),
    ("writing", r"gunicorn/util\.py", r"write.*|sendfile"),
    ("writing", r"gunicorn/http/wsgi\.py", r"Response\.(write|_emit_body|send_headers|close)"),
    ("writing", r"gunicorn/http/wsgi\.py", r"Response\.(default_headers|process_headers)"),
    ("writing", r"gunicorn/http/wsgi\.py", r"Response\.start_response"),
    ("HTTP parsing", r"gunicorn/http/", r".*"),
    ("routing and the app", r"server/views/|server/app\.py|server/errors\.py", r".*"),
    ("routing and the app", r"flask/|werkzeug/", r".*"),
    ("server loop", r"gunicorn/|selectors\.py|concurrent/futures/|threading\.py|socket\.py", r".*"),
)

ORDER = (
    "HTTP parsing",
    "routing and the app",
    "safety reading",
    "engine",
    "serialisation",
    "crossing",
    "writing",
    "server loop",
    "housekeeping",
    "other",
)


def split(frame: str) -> tuple[str, str]:
    match = FRAME.match(frame)
    if not match:
        return frame, ""
    return match["function"], match["path"].replace("\\", "/")


def waiting(frame: str) -> bool:
    function, path = split(frame)
    return any(
        re.search(where, path) and re.fullmatch(what, function.rsplit(".", 1)[-1])
        for what, where in WAITS
    )


def stage_of(frames: list[str]) -> str:
    """The stage of one sample (root-first frames): ``waiting`` when its leaf waits, else the
    stage of its innermost recognized frame, else ``other``."""
    if frames and waiting(frames[-1]):
        return "waiting"
    for frame in reversed(frames):
        function, path = split(frame)
        if not path:
            continue
        for stage, where, what in STAGES:
            if re.search(where, path) and re.fullmatch(what, function):
                return stage
    return "other"


def budget(stacks: list[tuple[list[str], int]], cpu_us: float | None = None) -> dict:
    """Samples by stage; each busy stage's share of the busy samples, and with ``cpu_us`` (the
    deployment's CPU time per request) its microseconds per request."""
    counts: Counter[str] = Counter()
    for frames, count in stacks:
        counts[stage_of(frames)] += count
    busy = sum(n for stage, n in counts.items() if stage != "waiting")
    total = busy + counts["waiting"]
    rows = []
    for stage in ORDER:
        share = counts[stage] / busy if busy else 0.0
        rows.append(
            {
                "stage": stage,
                "samples": counts[stage],
                "share": round(100 * share, 1),
                "us": None if cpu_us is None else round(share * cpu_us, 1),
            }
        )
    return {
        "samples": total,
        "waiting_share": round(100 * counts["waiting"] / total, 1) if total else 0.0,
        "cpu_us_per_request": cpu_us,
        "stages": rows,
    }


def print_budget(name: str, figures: dict) -> None:
    cpu = figures["cpu_us_per_request"]
    head = f"\n{name}: per-request budget, {figures['samples']:,} samples"
    head += f" ({figures['waiting_share']}% waiting, left out)"
    if cpu is not None:
        head += f", {cpu:.0f} µs of CPU per request (all processes, user + system)"
    print(head)
    for row in figures["stages"]:
        us = "" if row["us"] is None else f"{row['us']:8.1f} µs"
        print(f"  {row['stage']:22} {row['share']:5.1f}% {us}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.budget", description=__doc__)
    parser.add_argument("stacks", type=Path, nargs="+", help="py-spy collapsed stacks (raw)")
    parser.add_argument("--cpu-us", type=float, default=None, help="CPU µs per request")
    args = parser.parse_args(argv)
    for path in args.stacks:
        stacks = parse_collapsed(path.read_text(encoding="utf-8"))
        print_budget(path.stem, budget(stacks, args.cpu_us))
    return 0


if __name__ == "__main__":
    sys.exit(main())
