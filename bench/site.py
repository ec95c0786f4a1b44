"""The exported site of a benchmark corpus (``policygraph export-site`` over the corpus's N-Quads).

``policygraph export-site`` reads curated Turtle and validates it; a synthetic corpus is loaded
as ``bench.pgserve`` loads it (N-Quads straight into pyoxigraph) and exported with the same code
(:func:`server.publish.site.export`, :func:`server.publish.nginx.config`). The configuration is
written with placeholders for the address nginx listens on and the upstream's, which the
harness fills in when it starts nginx (:mod:`bench.peers`).

The export is kept beside the corpus, keyed by the base and a digest of the code that renders
documents (``server/``), and reused while both are the same.

    python -m bench.site --corpus bench/corpora/1000000-seed1 --out DIR [--jobs 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.pgserve import build_app
from server.publish import nginx, site
from server.publish.publication import EXTENSION

ROOT = Path(__file__).resolve().parent.parent
LISTEN, UPSTREAM = "__LISTEN__", "__UPSTREAM__"
CONFIG = "policygraph.nginx.conf"


def code_digest() -> str:
    """A digest of every file under ``server/`` (what renders the documents and the config)."""
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted((ROOT / "server").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".rq", ".css"):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def folder_for(corpus: Path, base: str) -> Path:
    return corpus / f"site-{hashlib.blake2b(base.encode(), digest_size=6).hexdigest()}"


def cached(corpus: Path, base: str) -> Path | None:
    """The export of ``corpus`` for ``base`` by this code, if it was made."""
    folder = folder_for(corpus, base)
    manifest = folder / "site.json"
    if not manifest.is_file():
        return None
    made = json.loads(manifest.read_text(encoding="utf-8"))
    return folder if made.get("code") == code_digest() and made.get("base") == base else None


def export(corpus: Path, base: str, jobs: int = 2) -> Path:
    """Export the corpus into its site folder (replacing an older export); the folder."""
    folder = folder_for(corpus, base)
    shutil.rmtree(folder, ignore_errors=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-site-dumps-") as scratch:
        os.environ["POLICYGRAPH_DUMPS_DIR"] = scratch  # the dumps are the server's, not the site's
        app, _ = build_app(corpus, base, "memory", 1, 0, precompute="false")
        with app.app_context():
            exported = site.export(app.extensions[EXTENSION], folder / "files", jobs)
    text = nginx.config(exported, str(folder / "files"), UPSTREAM, LISTEN)
    (folder / CONFIG).write_text(text, encoding="utf-8")
    made = {
        "base": base,
        "code": code_digest(),
        "documents": len(exported.links),
        "files": len(exported.files),
        "seconds": round(time.monotonic() - started, 1),
    }
    (folder / "site.json").write_text(json.dumps(made), encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.site", description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--base", default="http://127.0.0.1:8080/")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    folder = export(args.corpus, args.base, args.jobs)
    made = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    print(
        f"bench.site: {made['documents']:,} documents, {made['files']:,} files in {folder} "
        f"({made['seconds']} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
