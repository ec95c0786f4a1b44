"""policygraph's WSGI app, or the Flask hello-world, under another HTTP server than its own
gunicorn gthread deployment: granian (a Rust HTTP server with a WSGI interface) or gunicorn's
sync worker. For the comparison of HTTP layers (:mod:`bench.httplayer`); nothing in ``server/``
changes.

The publication is loaded once, as ``bench.pgserve`` loads it, before the server forks its
workers: granian forks them from the process that calls it (multiprocessing's ``fork`` start
method, Linux's default before Python 3.14), and each worker takes the app from this module's
global through a loader that takes up the store again after the fork (as gunicorn's
``post_fork`` does); the per-process pool of query processes is created on first use in each
worker, as under gunicorn.

    python -m bench.hosts --server granian --app policygraph --corpus DIR --port 8080 \
        [--workers 2] [--threads N]
    python -m bench.hosts --server gunicorn-sync --app hello --port 8080
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from bench import hello
from bench.pgserve import build_app
from server.publish.publication import EXTENSION

SERVERS = ("granian", "gunicorn-sync", "gunicorn-gthread")

#: The app the workers serve, set before the server forks them.
APP = None


def loaded_app(_target: str = ""):
    """The preloaded app, in a worker after the fork: the store taken up again first."""
    if hasattr(APP, "extensions") and EXTENSION in APP.extensions:
        APP.extensions[EXTENSION].store.after_fork()
    return APP


def serve_granian(args) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    options = {}
    if args.threads:
        options["blocking_threads"] = args.threads
    Granian(
        "bench.hosts:APP",
        address="127.0.0.1",
        port=args.port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        log_level=LogLevels.warning,
        respawn_failed_workers=True,
        **options,
    ).serve(target_loader=loaded_app)


def serve_gunicorn(args, worker_class: str) -> None:
    from gunicorn.app.base import BaseApplication

    class Hosted(BaseApplication):
        def load_config(self):
            settings = {
                "bind": f"127.0.0.1:{args.port}",
                "workers": args.workers,
                "worker_class": worker_class,
                "threads": args.threads or 4,
                "preload_app": True,
                "keepalive": 5,
                "timeout": 60,
                "limit_request_line": 0,
                "accesslog": None,
                "loglevel": "warning",
                "post_fork": lambda server, worker: loaded_app(),
                "control_socket_disable": True,
            }
            for key, value in settings.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return APP

    Hosted().run()


def main(argv: list[str] | None = None) -> int:
    global APP
    parser = argparse.ArgumentParser(prog="python -m bench.hosts", description=__doc__)
    parser.add_argument("--server", choices=SERVERS, required=True)
    parser.add_argument("--app", choices=("policygraph", "hello"), required=True)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--base", default="http://127.0.0.1:8080/")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=None, help="threads per worker")
    args = parser.parse_args(argv)
    if args.app == "hello":
        app = hello.app
    else:
        app, _ = build_app(args.corpus, args.base, "memory", args.workers, args.port)
        app.extensions[EXTENSION].store.before_fork()
    APP = app  # what loaded_app, run in each forked worker, answers with
    gc.collect()
    gc.freeze()
    if args.server == "granian":
        serve_granian(args)
    else:
        serve_gunicorn(args, args.server.removeprefix("gunicorn-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
