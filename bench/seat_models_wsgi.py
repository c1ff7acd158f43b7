"""bench/hello_wsgi.py plus the floors of two seat models the service does not use, for
bench/seat_models.py: a seat counter on the event row that one conditional UPDATE both locks and
decides on, without and with the two inserts in the same statement. They need the counter
columns that bench/seat_models.py adds to its scratch database, and run on PostgreSQL only."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import insert, text

from bench.hello_wsgi import app
from calendar_app.extensions import csrf, db
from calendar_app.models import OutboxMessage, Registration
from calendar_app.timeutil import utcnow

# Seated if nobody waits and the party fits; else one more waiting party. The row is locked by
# the UPDATE itself, and READ COMMITTED evaluates the CASE on the latest committed version.
_TAKE_A_SEAT = """
UPDATE events SET
    bench_confirmed = CASE WHEN bench_waiting = 0 AND bench_confirmed + 1 <= capacity
        THEN bench_confirmed + 1 ELSE bench_confirmed END,
    bench_waiting = CASE WHEN bench_waiting = 0 AND bench_confirmed + 1 <= capacity
        THEN 0 ELSE bench_waiting + 1 END
WHERE id = :event_id
RETURNING bench_waiting = 0 AS seated
"""

_REGISTRATION_COLUMNS = (
    "event_id, name, email, email_normalized, seats, status, language, source, token_seed, "
    "token_hash, checkin_code_hash, created_at, updated_at, confirmed_at, standby, photo_consent"
)
_OUTBOX_COLUMNS = (
    "kind, message_id, to_address, to_name, subject, body_text, body_html, language, "
    "registration_id, event_id, status, attempts, next_attempt_at, created_at"
)
_ALL_IN_ONE_STATEMENT = f"""
WITH seat AS ({_TAKE_A_SEAT}),
registration AS (
    INSERT INTO registrations ({_REGISTRATION_COLUMNS})
    SELECT :event_id, :name, :email, :email, 1,
        CASE WHEN seat.seated THEN 'confirmed' ELSE 'waitlisted' END,
        'kk', 'api', :token_seed, :token_hash, :checkin_code_hash, :now, :now,
        CASE WHEN seat.seated THEN CAST(:now AS timestamptz) END, false, false
    FROM seat
    RETURNING id, status
)
INSERT INTO outbox_messages ({_OUTBOX_COLUMNS})
SELECT 'registered', :message_id, :email, '', '', '', '', 'kk', registration.id, :event_id,
    'pending', 0, :now, :now
FROM registration
RETURNING (SELECT status FROM registration)
"""


def _party(event_id: int) -> dict[str, Any]:
    body = request.get_json(force=True)
    seed = secrets.token_hex(16)
    return {
        "event_id": event_id,
        "name": str(body["name"]),
        "email": str(body["email"]).lower(),
        "token_seed": seed,
        "token_hash": hashlib.sha256(f"token {seed}".encode()).hexdigest(),
        "checkin_code_hash": hashlib.sha256(f"code {seed}".encode()).hexdigest(),
        "message_id": f"<{seed}@bench.invalid>",
        "now": utcnow(),
    }


@app.post("/bench/seat-counter/<int:event_id>")
@csrf.exempt
def seat_counter(event_id: int) -> tuple[Response, int]:
    """The counter decides (one statement), then the two inserts and the commit."""
    party = _party(event_id)
    with db.engine.begin() as connection:
        seated = connection.execute(text(_TAKE_A_SEAT), party).scalar_one()
        status = "confirmed" if seated else "waitlisted"
        registration_id = connection.execute(
            insert(Registration)
            .values(
                event_id=event_id,
                name=party["name"],
                email=party["email"],
                email_normalized=party["email"],
                seats=1,
                status=status,
                language="kk",
                source="api",
                token_seed=party["token_seed"],
                token_hash=party["token_hash"],
                checkin_code_hash=party["checkin_code_hash"],
                created_at=party["now"],
                updated_at=party["now"],
                confirmed_at=party["now"] if seated else None,
                standby=False,
                photo_consent=False,
            )
            .returning(Registration.id)
        ).scalar_one()
        connection.execute(
            insert(OutboxMessage).values(
                kind="registered",
                message_id=party["message_id"],
                to_address=party["email"],
                to_name="",
                subject="",
                body_text="",
                body_html="",
                language="kk",
                registration_id=registration_id,
                event_id=event_id,
                status="pending",
                attempts=0,
                next_attempt_at=party["now"],
                created_at=party["now"],
            )
        )
    return jsonify({"status": status}), 201


@app.post("/bench/seat-counter-one-statement/<int:event_id>")
@csrf.exempt
def seat_counter_one_statement(event_id: int) -> tuple[Response, int]:
    """The counter's decision and both inserts in one statement, then the commit."""
    party = _party(event_id)
    with db.engine.begin() as connection:
        status = connection.execute(text(_ALL_IN_ONE_STATEMENT), party).scalar_one()
    return jsonify({"status": status}), 201
