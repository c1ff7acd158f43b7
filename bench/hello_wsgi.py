"""The application as gunicorn serves it, plus two baselines every bench measures against in the
same run: a hello-world route, and the floor of a registration. Only the benches load this module;
the real WSGI entry point is ``app.py``."""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, jsonify, request
from sqlalchemy import func, insert, select

from calendar_app import create_app
from calendar_app.extensions import csrf, db
from calendar_app.models import Event, OutboxMessage, Registration
from calendar_app.timeutil import utcnow

app = create_app()


@app.get("/bench/hello")
def hello() -> str:
    return "Hello, World!"


@app.post("/bench/floor/<int:event_id>")
@csrf.exempt
def registration_floor(event_id: int) -> tuple[Response, int]:
    """The least that any correct registration does, as the ceiling of what one can reach here.

    In one transaction: lock the event's row (``BEGIN IMMEDIATE`` on SQLite), sum its confirmed
    seats, insert the registration and its outbox row, and commit durably, which moves the
    content version. In SQLAlchemy Core, with no validation, no rate limit, no metrics and no
    ORM: what the service adds to it is what bench/registrations.py shows beside it.
    """
    body = request.get_json(force=True)
    address = str(body["email"]).lower()
    now = utcnow()
    seed = secrets.token_hex(16)
    with db.engine.begin() as connection:
        capacity = connection.execute(
            select(Event.capacity).where(Event.id == event_id).with_for_update()
        ).scalar_one()
        taken = connection.execute(
            select(func.coalesce(func.sum(Registration.seats), 0)).where(
                Registration.event_id == event_id, Registration.status == "confirmed"
            )
        ).scalar_one()
        status = "confirmed" if taken + 1 <= capacity else "waitlisted"
        registration_id = connection.execute(
            insert(Registration)
            .values(
                event_id=event_id,
                name=str(body["name"]),
                email=address,
                email_normalized=address,
                seats=1,
                status=status,
                language="kk",
                source="api",
                token_seed=seed,
                token_hash=hashlib.sha256(f"token {seed}".encode()).hexdigest(),
                checkin_code_hash=hashlib.sha256(f"code {seed}".encode()).hexdigest(),
                created_at=now,
                updated_at=now,
                confirmed_at=now if status == "confirmed" else None,
                standby=False,
                photo_consent=False,
            )
            .returning(Registration.id)
        ).scalar_one()
        connection.execute(
            insert(OutboxMessage).values(
                kind="registered",
                message_id=f"<{seed}@bench.invalid>",
                to_address=address,
                to_name="",
                subject="",
                body_text="",
                body_html="",
                language="kk",
                registration_id=registration_id,
                event_id=event_id,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return jsonify({"status": status}), 201
