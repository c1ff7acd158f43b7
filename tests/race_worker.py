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


def book_or_walk_in(
    config: dict[str, Any], series_id: int, worker: int, attempts: int, barrier: Any, results: Any
) -> None:
    """Alternate whole-course bookings and walk-ins at the course's first date."""
    from calendar_app import create_app
    from calendar_app.extensions import db
    from calendar_app.models import Event
    from calendar_app.services import course_bookings, registrations
    from calendar_app.services.errors import Conflict
    from tests.factories import NOW

    try:
        app = create_app(config)
        with app.app_context():
            first = (
                db.session.execute(
                    db.select(Event.id)
                    .where(Event.series_id == series_id)
                    .order_by(Event.starts_at)
                )
                .scalars()
                .first()
            )
            db.session.rollback()
        barrier.wait(timeout=300)
    except BaseException as error:
        barrier.abort()
        results.put(f"error: {error!r}")
        raise
    for attempt in range(attempts):
        with app.app_context():
            try:
                if attempt % 3 == 2:
                    registrations.add_walk_in(
                        first, name=f"Walk-in {worker}", seats=1, staff_id=None, now=NOW
                    )
                    outcome = "walk_in"
                else:
                    result = course_bookings.book_course(
                        series_id,
                        name=f"Family {worker}",
                        email=f"f{worker}-{attempt}@example.kz",
                        seats=1,
                        language="kk",
                        source="web",
                        now=NOW,
                    )
                    outcome = result.status
                db.session.commit()
            except Conflict:
                db.session.rollback()
                outcome = "refused"
            except BaseException as error:
                results.put(f"error: {error!r}")
                raise
            results.put(outcome)
    with app.app_context():
        db.engine.dispose()


def register_until_stopped(
    config: dict[str, Any], event_id: int, stop: Any, committed: Any, limit: int
) -> None:
    """Commit one registration after another until ``stop`` is set (at most ``limit``),
    counting each in ``committed`` after its commit returned."""
    from calendar_app import create_app
    from calendar_app.extensions import db
    from calendar_app.services import registrations
    from tests.factories import NOW

    app = create_app(config)
    for number in range(limit):
        if stop.is_set():
            break
        with app.app_context():
            registrations.register(
                event_id,
                name=f"Writer {number}",
                email=f"writer{number}@example.kz",
                seats=1,
                language="kk",
                source="web",
                now=NOW,
            )
            db.session.commit()
        with committed.get_lock():
            committed.value += 1
    with app.app_context():
        db.engine.dispose()
