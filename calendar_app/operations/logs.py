"""Logs: one line per record on stderr, JSON by default (``LOG_FORMAT=text`` for people).

Every request gets an id, taken from a sane incoming ``X-Request-ID`` or made up, sent back in
the response's ``X-Request-ID`` and carried by every line logged while it is handled. The line
for a request names its path with secrets left out: the values of route arguments other than
numbers and slugs (a visitor's ``/r/<token>``, a check-in code) are replaced by the argument's
name, and the query string is never logged.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask import Flask, Request, g, has_request_context, request

PACKAGE_LOGGER = "calendar_app"
REQUEST_LOGGER = "calendar_app.requests"
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
# Route arguments whose values are shown in logged paths; any other string argument is hidden.
PUBLIC_ARGUMENTS = frozenset({"slug", "filename"})
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# In a path no route matched, anything long enough to be a token is hidden.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{16,}")
# Attributes every LogRecord has; anything else given through ``extra`` goes into the line.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def request_id_from(incoming: str | None) -> str:
    """The client's request id if it is short and plain, else a new one."""
    if incoming and _SANE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


def loggable_path(req: Request) -> str:
    """The request's path with secret route arguments replaced by their names."""
    rule = req.url_rule
    if rule is None:
        return _TOKEN_LIKE.sub("<redacted>", req.path)
    arguments = req.view_args or {}

    def shown(match: re.Match[str]) -> str:
        name = match.group(1)
        value = arguments.get(name)
        if isinstance(value, int) or (name in PUBLIC_ARGUMENTS and value is not None):
            return quote(str(value), safe="/")
        return f"<{name}>"

    return _RULE_ARGUMENT.sub(shown, rule.rule)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            line["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A plain line: time, level, logger, message, then the extras as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        extras = {
            key: value
            for key, value in vars(record).items()
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
        }
        request_id = current_request_id()
        if request_id:
            extras = {"request_id": request_id, **extras}
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        text = f"{when} {record.levelname} {record.name}: {record.getMessage()}"
        if extras:
            text += " " + " ".join(f"{key}={value}" for key, value in extras.items())
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(app: Flask) -> None:
    """Send the package's records (the app's, the requests', the outbox worker's) to stderr."""
    from flask.logging import default_handler

    log_format = str(app.config["LOG_FORMAT"]).strip().lower()
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    logger = logging.getLogger(PACKAGE_LOGGER)
    for handler in list(logger.handlers):
        if handler is default_handler or isinstance(handler, StderrHandler):
            logger.removeHandler(handler)
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(str(app.config["LOG_LEVEL"]).upper())
    logger.propagate = False  # one line per record, whatever the root logger prints


def log_request(status: int, duration_ms: float) -> None:
    logging.getLogger(REQUEST_LOGGER).info(
        "request",
        extra={
            "method": request.method,
            "path": loggable_path(request),
            "endpoint": request.endpoint,
            "status": status,
            "duration_ms": round(duration_ms, 2),
            "remote_addr": request.remote_addr,
        },
    )
