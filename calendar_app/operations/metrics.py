"""Prometheus metrics: requests, registrations by outcome, and the outbox read at scrape time.

Under gunicorn every worker process counts on its own; with ``PROMETHEUS_MULTIPROC_DIR`` set
(``deploy/gunicorn.conf.py`` sets and clears it) prometheus_client keeps the values in files there and
a scrape, answered by any one worker, adds up every worker's. The variable must be set before
prometheus_client is first imported, so it belongs in the server's environment, not in config.
The outbox gauges are not counted by anyone: they are read from the database at each scrape,
so they are right whichever process queued or sent the mail.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import ParamSpec, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from ..services.errors import Conflict, InvalidInput

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

disable_created_metrics()  # no *_created series: they double the output for no use here

# The metrics live in a registry of their own; in multi-process mode their values are in files
# and the registry is not read at all.
APP_REGISTRY = CollectorRegistry(auto_describe=True)

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
NO_ENDPOINT = "none"

HTTP_REQUESTS = Counter(
    "calendar_http_requests",
    "HTTP requests answered, by Flask endpoint (none: no route matched), method and status.",
    ["endpoint", "method", "status"],
    registry=APP_REGISTRY,
)
HTTP_REQUEST_DURATION = Histogram(
    "calendar_http_request_duration_seconds",
    "Time from the start of a request to its response, by Flask endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=APP_REGISTRY,
)
REGISTRATIONS = Counter(
    "calendar_registrations",
    "Registrations and course bookings decided: confirmed or waitlisted (counted once committed),"
    " refused (full, closed, already registered...) or invalid (bad fields), by source.",
    ["outcome", "source"],
    registry=APP_REGISTRY,
)

PAGE_CACHE = Counter(
    "calendar_page_cache_answers",
    "Anonymous requests for a page the workers keep (page_cache.py), by Flask endpoint: kept"
    " (served from a kept answer) or rendered.",
    ["endpoint", "outcome"],
    registry=APP_REGISTRY,
)

OUTCOME_REFUSED = "refused"
OUTCOME_INVALID = "invalid"
_PENDING_KEY = "calendar_registration_outcomes"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


# The labelled children of the request metrics, looked up once per label set (their number is
# bounded by the endpoints, methods and statuses): ``labels()`` checks and locks on every call.
_request_children: dict[tuple[str, str, int], tuple] = {}


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    """Count one answered request; endpoint names and methods keep the label values bounded."""
    key = (endpoint or NO_ENDPOINT, method if method in KNOWN_METHODS else "other", status)
    children = _request_children.get(key)
    if children is None:
        children = (
            HTTP_REQUESTS.labels(key[0], key[1], str(status)),
            HTTP_REQUEST_DURATION.labels(key[0]),
        )
        _request_children[key] = children
    children[0].inc()
    children[1].observe(seconds)


_page_cache_children: dict[tuple[str, bool], Counter] = {}


def observe_page_cache(endpoint: str, kept: bool) -> None:
    """Count one request for a kept page: served from what was kept, or rendered."""
    child = _page_cache_children.get((endpoint, kept))
    if child is None:
        child = PAGE_CACHE.labels(endpoint, "kept" if kept else "rendered")
        _page_cache_children[(endpoint, kept)] = child
    child.inc()


def counted_registration(register: Callable[P, R]) -> Callable[P, R]:
    """Count the outcome of a registering service (``register``, ``book_course``).

    A refusal is counted at once (nothing is written); a confirmed or waitlisted registration
    when the session's transaction commits, so one rolled back afterwards is not counted.
    """

    @functools.wraps(register)
    def counting(*args: P.args, **kwargs: P.kwargs) -> R:
        source = str(kwargs.get("source", "unknown"))
        try:
            result = register(*args, **kwargs)
        except InvalidInput:
            REGISTRATIONS.labels(OUTCOME_INVALID, source).inc()
            raise
        except Conflict:
            REGISTRATIONS.labels(OUTCOME_REFUSED, source).inc()
            raise
        from ..extensions import db

        db.session().info.setdefault(_PENDING_KEY, []).append((result.status, source))
        return result

    return counting


@event.listens_for(Session, "after_commit")
def _count_committed_registrations(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    for outcome, source in session.info.pop(_PENDING_KEY, ()):
        REGISTRATIONS.labels(outcome, source).inc()


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_registrations(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        session.info.pop(_PENDING_KEY, None)


class OutboxCollector:
    """The outbox gauges, read from the database when scraped (within an app context)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        from ..services.outbox_status import outbox_status

        try:
            status = outbox_status(self.now)
        except SQLAlchemyError as error:
            from ..extensions import db

            db.session.rollback()
            log.warning("metrics: outbox not readable: %s", type(error).__name__)
            yield GaugeMetricFamily(
                "calendar_outbox_readable", "1 if the outbox could be read at scrape time.", 0
            )
            return
        yield GaugeMetricFamily(
            "calendar_outbox_readable", "1 if the outbox could be read at scrape time.", 1
        )
        yield GaugeMetricFamily(
            "calendar_outbox_pending_messages",
            "Mails queued and not yet sent (waiting, retrying or being sent).",
            status.pending,
        )
        yield GaugeMetricFamily(
            "calendar_outbox_failed_messages",
            "Mails given up on after their last attempt.",
            status.failed,
        )
        yield GaugeMetricFamily(
            "calendar_outbox_oldest_pending_seconds",
            "Age of the oldest mail not yet sent (0 when none is).",
            status.oldest_pending_seconds or 0,
        )


class _AppMetrics:
    """The app registry's metrics, for a scrape of a single-process server."""

    def collect(self) -> Iterator[Metric]:
        return iter(APP_REGISTRY.collect())


def exposition(now: datetime) -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_AppMetrics())
    registry.register(OutboxCollector(now))
    return generate_latest(registry), CONTENT_TYPE_LATEST
