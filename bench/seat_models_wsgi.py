"""bench/hello_wsgi.py plus the floors of two seat models the service does not use, for
bench/seat_models.py: a seat counter on the event row that one conditional UPDATE both locks and
decides on, without and with the two inserts in the same statement. Like the floor of
bench/hello_wsgi.py they send plain SQL straight to the driver. They need the counter columns
that bench/seat_models.py adds to its scratch database, and run on PostgreSQL only."""

from __future__ import annotations

from flask import Response, jsonify

from bench.hello_wsgi import app, floor_party, floor_statements, write_party
from calendar_app.extensions import csrf, db

_SQL = floor_statements("postgresql")

# Seated if nobody waits and the party fits; else one more waiting party. The row is locked by
# the UPDATE itself, and READ COMMITTED evaluates the CASE on the latest committed version.
_TAKE_A_SEAT = """
UPDATE events SET
    bench_confirmed = CASE WHEN bench_waiting = 0 AND bench_confirmed + 1 <= capacity
        THEN bench_confirmed + 1 ELSE bench_confirmed END,
    bench_waiting = CASE WHEN bench_waiting = 0 AND bench_confirmed + 1 <= capacity
        THEN 0 ELSE bench_waiting + 1 END
WHERE id = %(event_id)s
RETURNING bench_waiting = 0 AS seated
"""
_ALL_IN_ONE_STATEMENT = f"""
WITH seat AS ({_TAKE_A_SEAT}),
registration AS (
    INSERT INTO registrations (event_id, name, email, email_normalized, seats, status, language,
        source, token_seed, token_hash, checkin_code_hash, created_at, updated_at, confirmed_at,
        standby, photo_consent)
    SELECT %(event_id)s, %(name)s, %(email)s, %(email)s, 1,
        CASE WHEN seat.seated THEN 'confirmed' ELSE 'waitlisted' END,
        'kk', 'api', %(seed)s, %(token_hash)s, %(code_hash)s, %(now)s, %(now)s,
        CASE WHEN seat.seated THEN %(now)s END, false, false
    FROM seat
    RETURNING id, status
)
INSERT INTO outbox_messages (kind, message_id, to_address, to_name, subject, body_text, body_html,
    language, registration_id, event_id, status, attempts, next_attempt_at, created_at)
SELECT 'registered', %(message_id)s, %(email)s, '', '', '', '', 'kk', registration.id,
    %(event_id)s, 'pending', 0, %(now)s, %(now)s
FROM registration
RETURNING (SELECT status FROM registration)
"""


@app.post("/bench/seat-counter/<int:event_id>")
@csrf.exempt
def seat_counter(event_id: int) -> tuple[Response, int]:
    """The counter decides (one statement), then the floor's two inserts and the commit."""
    party = floor_party(event_id, "postgresql")
    with db.engine.begin() as connection:
        driver = connection.connection.dbapi_connection
        seated = driver.execute(_TAKE_A_SEAT, party).fetchone()[0]
        write_party(driver, _SQL, party, seated=seated)
    return jsonify({"status": party["status"]}), 201


@app.post("/bench/seat-counter-one-statement/<int:event_id>")
@csrf.exempt
def seat_counter_one_statement(event_id: int) -> tuple[Response, int]:
    """The counter's decision and both inserts in one statement, then the commit."""
    party = floor_party(event_id, "postgresql")
    with db.engine.begin() as connection:
        driver = connection.connection.dbapi_connection
        status = driver.execute(_ALL_IN_ONE_STATEMENT, party).fetchone()[0]
        driver.execute(_SQL.move_version)
    return jsonify({"status": status}), 201
