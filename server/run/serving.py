"""``policygraph serve``: load once, then serve with gunicorn (workers forked after loading).

The in-memory store is loaded before the workers fork and shared copy-on-write; an on-disk
store (``--store oxigraph:PATH``) is built or opened before fork for the precomputation, then
reopened read-only in each worker (a RocksDB handle must not cross a fork): the store lets go of
what must not cross a fork and takes it up again after (:class:`graph.store.base.Store`).
``--dev`` runs Flask's development server with the reloader instead.

SIGHUP to the master (or ``policygraph reload --pid-file F``) reloads the data without downtime;
see :mod:`server.run.reload`. gthread workers: a slow or vanished client holds one thread of one
worker, never the others; a long query holds a query child (:mod:`server.sparql.engine`).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import time

from flask import Flask
from gunicorn.app.base import BaseApplication

import ontology
from server.app import create_app
from server.publish.publication import EXTENSION
from server.run.reload import ReloadingArbiter
from server.settings import Settings
from server.sparql import engine as sparql_engine

log = logging.getLogger(__name__)

THREADS = 4


def endpoints(base: str) -> list[tuple[str, str]]:
    return [
        ("home", base),
        ("things", f"{base}id/{{kind}}/{{slug}} → 303 {base}doc/{{kind}}/{{slug}}"),
        ("SPARQL", f"{base}sparql"),
        ("ontology", ontology.ontology_iri(base)),
        ("shapes", ontology.shapes_iri(base)),
        ("VoID", f"{base}.well-known/void"),
        ("dumps", f"{base}dumps/"),
        ("validation", f"{base}validation"),
    ]


def announce(app: Flask, started: float) -> None:
    """What is served: the base, the counts, the load time and the endpoints (logged)."""
    pub = app.extensions[EXTENSION]
    log.info("base IRI %s", pub.base)
    log.info(
        "%s triples in %d graph(s), %d things; %s",
        pub.counts["triples"],
        len(pub.data_graphs),
        len(pub.things),
        pub.rendering(),
    )
    listed = "".join(f"\n  {name:<11} {url}" for name, url in endpoints(pub.base))
    log.info("loaded in %.2f s%s", time.monotonic() - started, listed)


def announce_reload(pid_file: str | None) -> None:
    """How to reload this server, logged once gunicorn is about to start."""
    how = f"kill -HUP {os.getpid()}"
    if pid_file:
        how += f"  or  policygraph reload --pid-file {pid_file}"
    log.info("master pid %d; reload the data with: %s", os.getpid(), how)


class PublisherApplication(BaseApplication):
    """Gunicorn on our app factory; ``preload_app`` so the data is loaded once, before fork."""

    def __init__(self, app, settings: Settings, pid_file: str | None = None):
        self.application = app
        self.settings = settings
        self.pid_file = pid_file
        super().__init__()

    def load_config(self) -> None:
        workers = self.settings.workers or os.cpu_count() or 1
        options = {
            "bind": f"{self.settings.host}:{self.settings.port}",
            "workers": workers,
            "worker_class": "server.run.worker.PublisherWorker",
            # The app limits a SPARQL query's length itself (setting sparql_max_query_length).
            "limit_request_line": 0,
            "threads": self.settings.threads or THREADS,
            "preload_app": True,
            "timeout": 60,
            "graceful_timeout": 10,
            "keepalive": 5,
            "accesslog": None,
            "post_fork": _post_fork,
            "worker_exit": _worker_exit,
            "pidfile": self.pid_file,
            # The proxies whose forwarding headers gunicorn believes (X-Forwarded-Proto and the
            # like): those the app believes (setting trusted_proxies), none by default, never
            # gunicorn's own default of 127.0.0.1.
            "forwarded_allow_ips": ",".join(str(net) for net in self.settings.trusted_proxies),
            "control_socket_disable": True,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application

    def run(self) -> None:
        """Gunicorn's main loop, with :class:`ReloadingArbiter` handling SIGHUP."""
        try:
            ReloadingArbiter(self).run()
        except RuntimeError as error:
            log.error("gunicorn could not start: %s", error)
            sys.exit(1)


def _post_fork(server, worker) -> None:
    """Take up the store again in each worker, after fork (an on-disk one is reopened read-only,
    :meth:`graph.store.base.Store.after_fork`).

    Until gunicorn installs the worker's own signal handlers (after this hook), the master's
    handlers are still in place and would swallow a SIGTERM sent while the store is being
    opened (the worker then lingers until the graceful timeout); during boot the default
    actions apply instead.
    """
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        signal.signal(number, signal.SIG_DFL)
    app = worker.app.application
    app.extensions[EXTENSION].store.after_fork()


def _worker_exit(server, worker) -> None:
    """End a worker without interpreter teardown, once its query children are stopped.

    pyoxigraph 0.5's RocksDB keeps process-wide state: once the master has opened an on-disk
    store (to build the publication, even if it closed it before forking), a forked worker that
    opens the store dies of SIGSEGV in the destructors at interpreter exit. So the worker stops
    its query children, flushes its output and leaves with ``os._exit``, keeping the exit code
    gunicorn gave it (a boot error must still stop the master).
    """
    sparql_engine._close_all()
    pending = sys.exc_info()[1]
    code = pending.code if isinstance(pending, SystemExit) else (1 if pending else 0)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)


def run(settings: Settings, pid_file: str | None = None) -> None:
    """Load the publication once, print what is served, then serve until interrupted
    (``pid_file``: where gunicorn writes the master's process id)."""
    started = time.monotonic()
    app = create_app(settings)
    announce(app, started)
    if settings.dev:
        app.run(host=settings.host, port=settings.port, use_reloader=True)
        return
    app.extensions[EXTENSION].store.before_fork()  # taken up again per worker in post_fork
    gc.collect()
    gc.freeze()
    announce_reload(pid_file)
    PublisherApplication(app, settings, pid_file).run()
