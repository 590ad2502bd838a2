"""Logs as JSON lines, each with the id of the request it belongs to.

One line per record on stderr: {"ts", "level", "logger", "message", "request_id", ...extra}.
A request's id comes from a trusted proxy's X-Request-ID (nginx's $request_id) or is made here,
and is sent back in X-Request-ID, so a person can quote it and an operator find every line.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import g, has_request_context

# Attributes every LogRecord has; anything else passed in `extra=` is written as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or "-") on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line; non-ASCII text (Chinese) kept readable."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                 "request_id": getattr(record, "request_id", "-")}
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def make_handler(fmt: str) -> logging.Handler:
    """A stderr handler writing JSON lines ("json") or plain text ("text")."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.set_name("supervise")
    return handler


def configure_logging(fmt: str = "json", level: int = logging.INFO) -> None:
    """Send the root logger's records to stderr in `fmt`; calling it again replaces our handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "supervise":
            root.removeHandler(handler)
    root.addHandler(make_handler(fmt))
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic names each of its plugins at INFO whenever Flask-Migrate loads it, before any command
    # runs (even `supervise --help`): noise, not an event of the service.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
