"""Logging set-up: JSON lines for `serve`, readable console lines for the CLI.

Reconcile code binds app, revision, phase and wave with structlog's context variables,
so every line of one reconcile carries them without passing a logger around. Loggers of
the standard library (the Kubernetes client, the scheduler, the HTTP server) go through
the same processors, so `serve` writes one format only.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

_SECRET_FIELDS = frozenset(
    {"secret", "token", "password", "signature", "authorization", "api_token"}
)


def _drop_secrets(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in list(event):
        if key.lower() in _SECRET_FIELDS:
            event[key] = "<redacted>"
    return event


def configure(fmt: str = "console", level: str = "info") -> None:
    """Configure structlog and the stdlib root logger. `fmt` is ``json`` or ``console``."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    shared: list[Any] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_secrets,
    ]
    renderer: Any
    if fmt == "json":
        finish: list[Any] = [structlog.processors.format_exc_info]
        renderer = structlog.processors.JSONRenderer()
    else:
        finish = []
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *shared, *finish, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *finish,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    # Libraries log their chatter at INFO; below WARNING only when asked for debug.
    root.setLevel(numeric if numeric <= logging.DEBUG else max(numeric, logging.WARNING))
