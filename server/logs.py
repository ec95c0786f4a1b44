"""Where the publisher's log records go, configured once per process.

Every module logs through ``logging.getLogger(__name__)``, under the ``server`` and ``graph``
loggers. The command line gives those a plain handler on standard error (:func:`to_stderr`,
lines ``policygraph: …``); under gunicorn the master hands them gunicorn's own error-log handlers
once it has made them (:func:`to_handlers_of`), so that the publisher's lines and gunicorn's have
one format and one destination, inherited by the workers it forks.
"""

from __future__ import annotations

import logging
import sys

#: The loggers the project's modules log under.
PROJECT_LOGGERS = ("server", "graph")
PLAIN_FORMAT = "policygraph: %(message)s"
_CONFIGURED = "_policygraph_configured"


class _Stderr(logging.StreamHandler):
    """A stream handler writing to whatever ``sys.stderr`` is when a record comes."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _project_loggers() -> list[logging.Logger]:
    return [logging.getLogger(name) for name in PROJECT_LOGGERS]


def to_stderr(level: int = logging.INFO) -> None:
    """A plain handler on standard error (``policygraph: message``), unless already configured."""
    loggers = _project_loggers()
    if any(getattr(logger, _CONFIGURED, False) for logger in loggers):
        return
    handler = _Stderr()
    handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(level)
        setattr(logger, _CONFIGURED, True)


def to_handlers_of(other: logging.Logger) -> None:
    """The handlers and level of ``other`` (gunicorn's error log) instead of any set before."""
    for logger in _project_loggers():
        logger.handlers = list(other.handlers)
        logger.setLevel(other.level or logging.INFO)
        setattr(logger, _CONFIGURED, True)
