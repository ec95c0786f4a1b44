"""Same bytes before and after: crawl every URL of the curated graph at two commits and compare.

Each commit is checked out with ``git worktree add --detach`` into a temporary folder, and its own
code builds its own app (``create_app`` from ``server.app``, or from ``server`` before the re-lay)
in a child process whose ``sys.path`` starts at that checkout. Through Flask's test client the
child requests every document of the sitemap in every format (suffix and ``Accept``) and every
language (``?lang=`` and ``Accept-Language``), each thing's ``/id/`` IRI, the fixed resources,
the dumps, the SPARQL example queries in every result format, and a set of errors (404, 406,
400, 403, 413, 414, 415, 304), and records for each request the status, the significant
headers and the SHA-256 of the body.

What legitimately differs between two starts of the same data is normalised, not skipped:

- the time the data was loaded (``Last-Modified``, ``dcterms:modified`` and the like, in
  headers and bodies) becomes ``⟨loaded⟩``; the time a query took, on the query page,
  ``⟨elapsed⟩``;
- ``ETag`` values become ``⟨etag⟩`` (an ``If-None-Match`` with each page's own ETag still checks
  the 304); ``Allow`` and ``Vary`` are compared as sets;
- blank-node labels (``_:x``, ``rdf:nodeID``) are renamed in order of first appearance, and an
  RDF body holding blank nodes is compared as its canonical N-Quads (rdflib's canonical labels):
  its serializer orders statements by their random labels;
- the checkout's folder (the validation page names the files of a problem) becomes
  ``⟨checkout⟩``;
- gzip bodies are compared decompressed (the gzip header carries a time);
- a dump's SHA-256 (in its ``.sha256`` file and in the VoID) becomes the SHA-256 of its
  normalised content, and its byte size the size of its normalised content.

The environment is made equal too: each checkout's files get one modification time (static files
are served with theirs) and the crawls run with ``PYTHONHASHSEED=0`` (a set's order shows in a
405's list of methods).

The crawl of one checkout is :mod:`bench.snapshot`, run as a script in that checkout.

    python -m bench.crawl 7a2b55c HEAD              # compare two commits (~1 minute each)
    python -m bench.crawl --data DIR OLD NEW        # over another source folder

Exit status: 0 when every request gave the same normalised answer at both commits, 1 when some
differ (the first differences are printed with a diff of their bodies), 2 when a crawl failed.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import snapshot as one_checkout

#: The modification time given to every file of a checkout (2000-01-01T00:00:00Z).
FILE_TIME = 946684800


# -- two commits ----------------------------------------------------------------------------------


def crawl_checkout(checkout: Path, out: Path, data: list[str]) -> dict:
    """Crawl ``checkout`` in a child process (its code first on ``sys.path``); the result."""
    dumps = Path(tempfile.mkdtemp(prefix="crawl-dumps-"))
    code = (
        "import runpy, sys; sys.argv = sys.argv[1:]; "
        "runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    script = str(Path(one_checkout.__file__).resolve())
    command = [sys.executable, "-c", code, script, str(out), "--dumps", str(dumps)]
    command += [f"--source={d}" for d in data]
    # A fixed hash seed: Python's set order shows in a few answers (an Allow list in a message).
    env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONHASHSEED": "0"}
    started = time.monotonic()
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the crawl of {checkout} failed:\n{done.stderr[-4000:]}")
    result = json.loads(out.read_text("utf-8"))
    if Path(result["server"]) != (checkout / "server").resolve():
        raise RuntimeError(f"the crawl of {checkout} imported the code of {result['server']}")
    result["seconds"] = time.monotonic() - started
    return result


def compare(old: dict, new: dict) -> list[str]:
    """The keys whose normalised answers differ, or that only one side has."""
    keys = sorted(set(old["answers"]) | set(new["answers"]))
    return [key for key in keys if old["answers"].get(key) != new["answers"].get(key)]


def explain(key: str, old: dict, new: dict) -> str:
    """One difference: status and headers side by side, then a diff of the bodies."""
    a, b = old["answers"].get(key), new["answers"].get(key)
    if a is None or b is None:
        return f"{key}\n  only at the {'new' if a is None else 'old'} commit"
    lines = [key]
    if a[0] != b[0]:
        lines.append(f"  status {a[0]} → {b[0]}")
    for name in sorted(set(a[1]) | set(b[1])):
        if a[1].get(name) != b[1].get(name):
            lines.append(f"  {name}: {a[1].get(name)!r} → {b[1].get(name)!r}")
    if a[2] != b[2]:
        diff = difflib.unified_diff(
            old["bodies"][a[2]].splitlines(), new["bodies"][b[2]].splitlines(), lineterm="", n=1
        )
        lines.extend("  " + line[:200] for line in list(diff)[2:40])
    return "\n".join(lines)


def checkout(commit: str, folder: Path) -> Path:
    """``git worktree add --detach`` of ``commit`` into ``folder``."""
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        ["git", "-C", str(root), "worktree", "add", "--detach", "--quiet", str(folder), commit],
        check=True,
    )
    # Static files are served with their modification time (Last-Modified, and the query page's
    # asset links): the same instant in every checkout.
    for path in folder.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            os.utime(path, (FILE_TIME, FILE_TIME))
    return folder


def remove(folder: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        ["git", "-C", str(root), "worktree", "remove", "--force", str(folder)], check=False
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.crawl",
        description=__doc__.split("\n\n")[0],
        epilog="Exit 0: the same answers; 1: some differ; 2: a crawl failed.",
    )
    parser.add_argument("old", nargs="?", help="the commit before (e.g. 7a2b55c)")
    parser.add_argument("new", nargs="?", default="HEAD", help="the commit after [HEAD]")
    parser.add_argument(
        "--data", action="append", default=[], help="a source folder to publish at both commits"
    )
    parser.add_argument("--out", type=Path, help="keep both crawls (JSON) in this folder")
    parser.add_argument("--show", type=int, default=10, help="differences printed in full [10]")
    args = parser.parse_args(argv)
    if not args.old:
        parser.error("name the commit before (and after, default HEAD)")
    data = [str(Path(d).resolve()) for d in args.data]
    work = Path(tempfile.mkdtemp(prefix="policygraph-crawl-"))
    out = args.out or work
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    try:
        for side, commit in (("old", args.old), ("new", args.new)):
            folder = checkout(commit, work / side)
            try:
                results[side] = crawl_checkout(folder, out / f"{side}.json", data)
            finally:
                remove(folder)
            answers = results[side]["answers"]
            print(f"{side} {commit}: {len(answers)} requests in {results[side]['seconds']:.0f} s")
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"bench.crawl: {error}", file=sys.stderr)
        return 2
    differing = compare(results["old"], results["new"])
    total = len(set(results["old"]["answers"]) | set(results["new"]["answers"]))
    statuses: dict[int, int] = {}
    for answer in results["new"]["answers"].values():
        statuses[answer[0]] = statuses.get(answer[0], 0) + 1
    print(
        f"{total - len(differing)} of {total} requests answered the same (statuses at the new "
        f"commit: {', '.join(f'{s} ×{n}' for s, n in sorted(statuses.items()))})"
    )
    for key in differing[: args.show]:
        print(explain(key, results["old"], results["new"]))
    if len(differing) > args.show:
        print(f"… and {len(differing) - args.show} more")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
