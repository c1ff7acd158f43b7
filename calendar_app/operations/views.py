"""``/healthz`` (the process answers), ``/readyz`` (and can work), ``/metrics`` (Prometheus)."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..services.outbox_status import outbox_status
from ..sessions import mark_cookie_free
from ..timeutil import utcnow
from .metrics import exposition

bp = Blueprint("operations", __name__)
log = logging.getLogger(__name__)


def _no_store(response: Response) -> Response:
    """Never cached, and the same whatever cookie came (no ``Vary: Cookie``, no session)."""
    response.headers["Cache-Control"] = "no-store"
    return mark_cookie_free(response)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering; touches nothing else."""
    return _no_store(jsonify({"status": "ok"}))


def _failure(error: Exception) -> str:
    """What went wrong, by kind only: a driver's message may name hosts, users or paths."""
    return f"error: {type(error).__name__}"


@bp.get("/readyz")
def readyz() -> Any:
    """200 when the database answers and the outbox can be read, else 503 naming the failure."""
    body: dict[str, Any] = {"status": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        body["database"] = "ok"
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("readiness: database unavailable: %s", error)
        return _no_store(jsonify({"status": "unavailable", "database": _failure(error)})), 503
    try:
        status = outbox_status(utcnow())
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("readiness: outbox unreadable: %s", error)
        body.update(status="unavailable", outbox=_failure(error))
        return _no_store(jsonify(body)), 503
    db.session.rollback()
    body["outbox"] = {
        "pending": status.pending,
        "failed": status.failed,
        "oldest_pending_seconds": status.oldest_pending_seconds,
    }
    return _no_store(jsonify(body))


def metrics_allowed(address: str | None) -> bool:
    """Whether the client (as ProxyFix, when configured, reports it) may read the metrics."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in current_app.config["METRICS_ALLOW"])


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format, only for the networks in ``METRICS_ALLOW``; 404 for anyone else."""
    if not metrics_allowed(request.remote_addr):
        abort(404)
    body, content_type = exposition(utcnow())
    db.session.rollback()
    return _no_store(Response(body, content_type=content_type))
