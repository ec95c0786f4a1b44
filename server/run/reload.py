"""Reloading the data without downtime: SIGHUP to the gunicorn master, or ``policygraph reload``.

The master re-reads the sources, parses and validates them and builds the whole new publication
(store, indexes, every representation) while the old workers keep serving the old one. Only then
does anything change: gunicorn's HUP forks new workers from the new state (``preload_app``) and
stops the old ones gracefully, so each request is answered wholly by the old or wholly by the new
version. Data that does not parse or breaks a core shape is refused: the report is logged (file
and line, or each Violation's focus node) and the old version goes on being served untouched.

An on-disk store (``oxigraph:PATH``) is rebuilt offline in a staging folder and swapped in by
rename (:func:`graph.store.build_on_disk`); the new workers open it read-only, and the old ones
keep reading the files they already hold open until they exit.

With ``--pid-file F`` the master records the outcome of each reload in ``F.reload.json``, which
``policygraph reload --pid-file F`` waits for and prints.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
import traceback
from pathlib import Path

from gunicorn.arbiter import Arbiter

import graph
from server import logs
from server.app import create_app
from server.publish.publication import EXTENSION, Publication, build
from server.publish.store import open_store
from server.settings import Settings

log = logging.getLogger(__name__)


def status_path(pid_file: str | os.PathLike) -> Path:
    return Path(f"{pid_file}.reload.json")


def rebuild(settings: Settings):
    """A new app from the sources, built completely; raises :class:`graph.DataError` if refused.

    Nothing that is being served is touched before this returns: an on-disk store is built in a
    staging folder and swapped in only after the data validated.
    """
    store, validation = open_store(settings, rebuild=True)
    pub = build(settings, store, validation)
    return create_app(settings, publication=pub)


def refusal(error: graph.DataError) -> str:
    """A readable account of why a new version was refused."""
    if isinstance(error, graph.InvalidData):
        return f"{error}\n{error.report.text.rstrip()}"
    if isinstance(error, graph.UnreadableData):
        return (
            f"cannot read {error.path}"
            + (f" line {error.line}" if error.line else "")
            + (f": {error.message}")
        )
    return str(error)


class ReloadingArbiter(Arbiter):
    """Gunicorn's arbiter whose HUP first builds and validates the new publication.

    Gunicorn's own HUP reloads the configuration and, with ``preload_app``, forks the new workers
    from the application object it already holds: it does not load the app again. So the new app
    is built here and put in place of the old one before gunicorn forks the new workers; when the
    new data is refused, gunicorn's HUP is not run at all and the old workers go on serving.
    """

    generation = 0

    def setup(self, app) -> None:
        """Gunicorn's setup; then the publisher logs through gunicorn's error log."""
        super().setup(app)
        logs.to_handlers_of(self.log.error_log)

    def handle_hup(self) -> None:
        self.generation += 1
        app = self.app.application
        old = app.extensions[EXTENSION]
        settings = old.settings
        started = time.monotonic()
        log.info("reload %d: re-reading the sources (serving the current version)", self.generation)
        try:
            new_app = rebuild(settings)
        except Exception as error:  # noqa: BLE001 - the master must outlive any bad version
            seconds = time.monotonic() - started
            if isinstance(error, graph.DataError):
                report = refusal(error)
            else:
                report = "".join(traceback.format_exception(error)).rstrip()
            log.error(
                f"reload {self.generation} REFUSED after {seconds:.2f} s; still serving the "
                f"previous version ({old.counts.get('triples')} triples, loaded at "
                f"{old.loaded_at.isoformat()}):\n{report}"
            )
            self._record("refused", seconds, old, report=report)
            return
        new = new_app.extensions[EXTENSION]
        seconds = time.monotonic() - started
        new.store.before_fork()  # an on-disk store is reopened in each new worker (post_fork)
        self.app.application = new_app
        self.app.callable = new_app
        del app, old
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        log.info(
            f"reload {self.generation}: new version validated and built in {seconds:.2f} s "
            f"({new.counts.get('triples')} triples, {len(new.things)} things); starting new "
            "workers, stopping the old ones gracefully"
        )
        super().handle_hup()  # gunicorn makes its log handlers anew
        logs.to_handlers_of(self.log.error_log)
        self._record("reloaded", seconds, new)

    def _record(self, outcome: str, seconds: float, pub: Publication, report: str = "") -> None:
        if not self.cfg.pidfile:
            return
        status = {
            "generation": self.generation,
            "outcome": outcome,
            "seconds": round(seconds, 3),
            "triples": pub.counts.get("triples"),
            "loaded_at": pub.loaded_at.isoformat(),
            "report": report,
            "pid": os.getpid(),
        }
        path = status_path(self.cfg.pidfile)
        staging = path.with_name(path.name + ".tmp")
        staging.write_text(json.dumps(status, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(staging, path)
