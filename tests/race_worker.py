"""A registering client for the multi-process race: its own process, app, engine and pool."""

from __future__ import annotations

from typing import Any


def register_many(
    config: dict[str, Any],
    event_id: int,
    worker: int,
    attempts: int,
    barrier: Any,
    arrivals: Any,
    results: Any,
) -> None:
    """Register ``attempts`` single seats, recording the order in which each got the lock."""
    from calendar_app import create_app
    from calendar_app.extensions import db
    from calendar_app.services import registrations
    from tests.factories import NOW

    try:
        app = create_app(config)
        with app.app_context():
            db.session.execute(db.select(1))  # connect before the start line
            db.session.rollback()
        barrier.wait(timeout=300)
    except BaseException as error:
        barrier.abort()
        results.put((0, 0, f"error: {error!r}"))
        raise
    for attempt in range(attempts):
        with app.app_context():
            try:
                result = registrations.register(
                    event_id,
                    name=f"Process {worker}",
                    email=f"p{worker}-{attempt}@example.kz",
                    seats=1,
                    language="ru",
                    source="web",
                    now=NOW,
                )
            except BaseException as error:
                results.put((0, 0, f"error: {error!r}"))
                raise
            # Still inside the transaction that holds the event's lock: this is arrival order.
            with arrivals.get_lock():
                arrivals.value += 1
                arrival = arrivals.value
            registration_id = result.registration.id
            db.session.commit()
            results.put((arrival, registration_id, result.status))
    with app.app_context():
        db.engine.dispose()
