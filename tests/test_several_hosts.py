"""Two app hosts and two outbox workers on one PostgreSQL and one Redis, as in production: seats,
mail and rate limits hold across all of them.

Each host is its own gunicorn master (two sync workers) with an instance folder of its own; they
share only the database, Redis, SECRET_KEY and BASE_URL. Clients come from distinct loopback
addresses (127.0.0.0/8), so the per-address rate limit sees them as different visitors.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import OutboxMessage, Registration
from calendar_app.models.outbox import OUTBOX_SENT
from calendar_app.services import mail
from calendar_app.timeutil import utcnow
from tests.conftest import BASE_URL, requires_redis
from tests.factories import make_event
from tests.servers import (
    Launch,
    ServerProcess,
    answers_200,
    flask_command,
    gunicorn_command,
    running,
)
from tests.smtp_server import SMTPServer, free_port, running_smtp_server
from tests.test_registration_races import check_outcome

pytestmark = [pytest.mark.slow, pytest.mark.postgresql_only, requires_redis]

HOSTS = 2
GUNICORN_WORKERS = 2
OUTBOX_WORKERS = 2
CAPACITY = 4
CLIENTS = 24
LIMIT = 5  # registration attempts per address and minute, across every host
LIMIT_ATTEMPTS = 12
READINESS_PATH = "/api/v1/branches"  # answered from the database


@dataclass
class Deployment:
    ports: list[int]
    outbox_workers: list[ServerProcess]
    smtp: SMTPServer

    def port_for(self, number: int) -> int:
        """Clients take turns: even numbers go to the first host, odd ones to the second."""
        return self.ports[number % len(self.ports)]

    def sent_by_each_worker(self) -> list[int]:
        """Stop the outbox workers (each finishes the message in hand) and add up their reports."""
        sent = []
        for worker in self.outbox_workers:
            assert worker.stop() == 0, worker.log()
            reports = re.findall(r"sent (\d+), to retry (\d+), failed (\d+)", worker.log())
            assert all(retry == failed == "0" for _, retry, failed in reports), worker.log()
            sent.append(sum(int(count) for count, _, _ in reports))
        return sent


@pytest.fixture
def deployment(
    database_url: str, redis_url: str, tmp_path: Path, app: Flask
) -> Iterator[Deployment]:
    """Both hosts and both outbox workers, each ready (a host answers a page read from the
    database, a worker has announced itself); all stopped afterwards, also when a start fails."""
    key_prefix = f"several-hosts-{uuid.uuid4().hex}"  # this run's counters alone in the Redis

    def environment(name: str, smtp: SMTPServer) -> dict[str, str]:
        instance = tmp_path / name
        instance.mkdir()
        (instance / "config.py").write_text(
            f"REGISTRATION_RATE_LIMIT = '{LIMIT} per minute'\n"
            f"RATELIMIT_KEY_PREFIX = {key_prefix!r}\n",
            encoding="utf-8",
        )
        return {
            **os.environ,
            "DATABASE_URL": database_url,
            "CALENDAR_INSTANCE_PATH": str(instance),
            "SECRET_KEY": "test-secret-key",
            "BASE_URL": BASE_URL,
            "RATELIMIT_ENABLED": "true",
            "RATELIMIT_STORAGE_URI": redis_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "MAIL_DEFAULT_SENDER": "Library events <no-reply@events.example.kz>",
            "OUTBOX_RETRY_DELAYS": "30,120,600",
        }

    with running_smtp_server() as smtp:
        ports = [free_port() for _ in range(HOSTS)]
        hosts = [
            Launch(
                gunicorn_command(port, GUNICORN_WORKERS),
                environment(f"host-{number}", smtp),
                tmp_path / f"host-{number}.log",
                ready=lambda _server, port=port: answers_200(port, READINESS_PATH),
            )
            for number, port in enumerate(ports)
        ]
        outbox_workers = [
            Launch(
                flask_command("outbox-worker", "--interval", "0.2", "--batch", "2"),
                environment(f"outbox-{number}", smtp),
                tmp_path / f"outbox-{number}.log",
                ready=lambda server: "sending to SMTP 127.0.0.1" in server.log(),
            )
            for number in range(OUTBOX_WORKERS)
        ]
        with running(*hosts, *outbox_workers, timeout=45) as servers:
            yield Deployment(ports, servers[HOSTS:], smtp)


def register(port: int, event_id: int, number: int, address: str) -> tuple[int, dict[str, Any]]:
    """POST a party of one to the JSON API from ``address``; the HTTP status and the body."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(address, 0)
    )
    try:
        body = {"name": f"Қонақ {number}", "email": email(number), "seats": 1}
        connection.request(
            "POST",
            f"/api/v1/events/{event_id}/registrations",
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def email(number: int) -> str:
    return f"guest{number}@example.kz"


def wait_for_outbox_to_drain(app: Flask, expected: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            counts = dict(
                db.session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
            )
        if counts == {OUTBOX_SENT: expected}:
            return
        time.sleep(0.2)
    raise AssertionError(f"outbox not drained: {counts}, expected {expected} sent")


def test_two_hosts_and_two_outbox_workers_share_seats_mail_and_rate_limits(
    app: Flask, deployment: Deployment
):
    with app.app_context():
        event_id = make_event(capacity=CAPACITY, max_party=1, now=utcnow()).id
        other_event_id = make_event(capacity=50, now=utcnow()).id
        db.session.commit()

    # Seats: many visitors at once, half through each host.
    start_line = threading.Barrier(CLIENTS)

    def client(number: int) -> tuple[int, dict[str, Any]]:
        start_line.wait(timeout=30)
        address = f"127.0.0.{10 + number}"
        return register(deployment.port_for(number), event_id, number, address)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(client, range(CLIENTS)))

    assert [status for status, _ in answers] == [201] * CLIENTS, answers
    told = {email(number): body["status"] for number, (_, body) in enumerate(answers)}
    assert Counter(told.values()) == {"confirmed": CAPACITY, "waitlisted": CLIENTS - CAPACITY}
    with app.app_context():
        stored = db.session.execute(
            select(Registration.email, Registration.status).where(Registration.event_id == event_id)
        ).all()
    assert sorted(stored) == sorted(told.items())  # none lost, none doubled, each told the truth

    # Rate limit: one address, its attempts split between the hosts, one budget in total.
    limited = [
        register(deployment.port_for(number), other_event_id, 100 + number, "127.0.0.250")[0]
        for number in range(LIMIT_ATTEMPTS)
    ]
    assert limited == [201] * LIMIT + [429] * (LIMIT_ATTEMPTS - LIMIT)

    # Mail: one message per registration, each delivered once though two workers were sending.
    registered = CLIENTS + LIMIT
    wait_for_outbox_to_drain(app, registered)
    sent_by_each = deployment.sent_by_each_worker()
    assert sum(sent_by_each) == registered and all(sent_by_each), sent_by_each
    with app.app_context():
        outbox = {
            message_id: (registration_id, kind, address)
            for message_id, registration_id, kind, address in db.session.execute(
                select(
                    OutboxMessage.message_id,
                    OutboxMessage.registration_id,
                    OutboxMessage.kind,
                    Registration.email,
                ).join(Registration, Registration.id == OutboxMessage.registration_id)
            )
        }
        statuses = dict(db.session.execute(select(Registration.id, Registration.status)).all())
    received = deployment.smtp.received
    assert Counter(outbox[item.message_id][0] for item in received) == Counter(
        {registration_id: 1 for registration_id in statuses}
    )
    for item in received:
        registration_id, kind, address = outbox[item.message_id]
        assert item.rcpt_tos == [address]
        assert (
            kind
            == {"confirmed": mail.REGISTERED, "waitlisted": mail.WAITLISTED}[
                statuses[registration_id]
            ]
        )

    # The seats went first come, first served: in the order the registrations got the lock.
    with app.app_context():
        ids = db.session.execute(
            select(Registration.id)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        ).scalars()
        arrivals = {registration_id: rank for rank, registration_id in enumerate(ids, 1)}
    check_outcome(app, event_id, CAPACITY, arrivals)
