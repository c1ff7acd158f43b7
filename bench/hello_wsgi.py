"""The application as gunicorn serves it, plus two baselines every bench measures against in the
same run: a hello-world route, and the floor of a registration. Only the benches load this module;
the real WSGI entry point is ``app.py``."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from typing import Any, NamedTuple

from flask import Response, jsonify, request

from calendar_app import create_app
from calendar_app.extensions import csrf, db
from calendar_app.timeutil import utcnow

app = create_app()


@app.get("/bench/hello")
def hello() -> str:
    return "Hello, World!"


class FloorStatements(NamedTuple):
    lock: str  # SQLite: the transaction began with BEGIN IMMEDIATE, which is the lock
    count: str
    add_registration: str
    add_mail: str
    move_version: str


_FLOOR_STATEMENTS = FloorStatements(
    lock="SELECT capacity FROM events WHERE id = :event_id FOR UPDATE",
    count="SELECT coalesce(sum(seats), 0) FROM registrations"
    " WHERE event_id = :event_id AND status = 'confirmed'",
    add_registration="INSERT INTO registrations (event_id, name, email, email_normalized, seats,"
    " status, language, source, token_seed, token_hash, checkin_code_hash, created_at, updated_at,"
    " confirmed_at, standby, photo_consent) VALUES (:event_id, :name, :email, :email, 1, :status,"
    " 'kk', 'api', :seed, :token_hash, :code_hash, :now, :now, :confirmed_at, false, false)"
    " RETURNING id",
    add_mail="INSERT INTO outbox_messages (kind, message_id, to_address, to_name, subject,"
    " body_text, body_html, language, registration_id, event_id, status, attempts,"
    " next_attempt_at, created_at) VALUES ('registered', :message_id, :email, '', '', '', '',"
    " 'kk', :registration_id, :event_id, 'pending', 0, :now, :now)",
    move_version="UPDATE content_version SET version = version + 1 WHERE id = 1",
)


@functools.cache
def floor_statements(dialect: str) -> FloorStatements:
    """The floor's SQL in the driver's own parameter style (psycopg: %(name)s)."""
    if dialect == "sqlite":
        return FloorStatements(*(sql.replace(" FOR UPDATE", "") for sql in _FLOOR_STATEMENTS))
    return FloorStatements(*(re.sub(r":(\w+)", r"%(\1)s", sql) for sql in _FLOOR_STATEMENTS))


def floor_party(event_id: int, dialect: str) -> dict[str, Any]:
    """The parameters of one registration by the request's JSON body, for the floors' SQL."""
    body = request.get_json(force=True)
    seed = secrets.token_hex(16)
    now = utcnow()
    return {
        "event_id": event_id,
        "name": str(body["name"]),
        "email": str(body["email"]).lower(),
        "seed": seed,
        "token_hash": hashlib.sha256(f"token {seed}".encode()).hexdigest(),
        "code_hash": hashlib.sha256(f"code {seed}".encode()).hexdigest(),
        "message_id": f"<{seed}@bench.invalid>",
        # SQLite keeps naive UTC text, as the service's column type writes it
        "now": now.replace(tzinfo=None).isoformat(" ") if dialect == "sqlite" else now,
    }


@app.post("/bench/floor/<int:event_id>")
@csrf.exempt
def registration_floor(event_id: int) -> tuple[Response, int]:
    """The least that any correct registration does, as the ceiling of what one can reach here.

    In one transaction on a pooled connection: lock the event's row (``BEGIN IMMEDIATE`` on
    SQLite), sum its confirmed seats, insert the registration and its outbox row, move the
    content version and commit durably. Plain SQL straight to the driver, with no validation,
    rate limit, metrics, ORM or statement compilation: what the service adds to it is what
    bench/registrations.py shows beside it.
    """
    with db.engine.begin() as connection:
        dialect = connection.dialect.name
        sql = floor_statements(dialect)
        party = floor_party(event_id, dialect)
        driver = connection.connection.dbapi_connection
        capacity = driver.execute(sql.lock, party).fetchone()[0]
        taken = driver.execute(sql.count, party).fetchone()[0]
        write_party(driver, sql, party, seated=taken + 1 <= capacity)
    return jsonify({"status": party["status"]}), 201


def write_party(driver: Any, sql: FloorStatements, party: dict[str, Any], *, seated: bool) -> None:
    """The floors' writes once the seat is decided: the registration with its status, its
    outbox row and the content version (``party`` gets the status and the new row's id)."""
    party["status"] = "confirmed" if seated else "waitlisted"
    party["confirmed_at"] = party["now"] if seated else None
    party["registration_id"] = driver.execute(sql.add_registration, party).fetchone()[0]
    driver.execute(sql.add_mail, party)
    driver.execute(sql.move_version)
