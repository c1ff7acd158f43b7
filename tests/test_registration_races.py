"""Many clients at once against one event: never one seat too many, the waitlist in order."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from calendar_app.database import unit_of_work
from calendar_app.extensions import db
from calendar_app.models import EventSeatTally, Registration
from calendar_app.services import registrations
from calendar_app.services.errors import Conflict
from calendar_app.services.seats import seat_count
from tests.conftest import make_test_config
from tests.factories import NOW, make_event
from tests.race_worker import register_many


def check_outcome(app, event_id: int, capacity: int, arrivals: dict[int, int]) -> None:
    """Confirmed == capacity, the first arrivals confirmed, the rest waiting in arrival order."""
    with app.app_context():
        rows = (
            db.session.execute(
                select(Registration)
                .where(Registration.event_id == event_id)
                .order_by(Registration.id)
            )
            .scalars()
            .all()
        )
        counted = seat_count(event_id)
        assert counted.confirmed == capacity
        # The tally a newcomer decided on moved with every racing registration.
        tally = db.session.get(EventSeatTally, event_id)
        assert (tally.confirmed_seats, tally.waiting_parties) == (capacity, counted.waiting_parties)
        by_arrival = sorted(rows, key=lambda row: arrivals[row.id])
        assert [row.id for row in by_arrival] == [row.id for row in rows]
        assert [row.status for row in by_arrival] == ["confirmed"] * capacity + ["waitlisted"] * (
            len(rows) - capacity
        )
        positions = [registrations.waitlist_position(row) for row in by_arrival[capacity:]]
        assert positions == list(range(1, len(rows) - capacity + 1))

        # Cancelling two confirmed seats promotes exactly the next two arrivals.
        promoted = registrations.cancel(by_arrival[0], NOW) + registrations.cancel(
            by_arrival[1], NOW
        )
        assert [row.id for row in promoted] == [
            row.id for row in by_arrival[capacity : capacity + 2]
        ]
        assert seat_count(event_id).confirmed == capacity
        db.session.commit()


def run_in_threads(client: Callable[[int], None], count: int) -> None:
    """Run ``client(0)`` to ``client(count - 1)`` each in a thread of its own; wait for all."""
    threads = [threading.Thread(target=client, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)


@pytest.mark.slow
def test_many_threads_never_oversell(app):
    capacity, clients = 12, 40
    with app.app_context():
        event_id = make_event(capacity=capacity, max_party=1).id
        db.session.commit()
    barrier = threading.Barrier(clients)
    counter = itertools.count(1)
    counter_lock = threading.Lock()
    arrivals: dict[int, int] = {}
    statuses: dict[int, str] = {}
    errors: list[BaseException] = []

    def client(number: int) -> None:
        try:
            barrier.wait(timeout=120)
            with app.app_context():
                result = registrations.register(
                    event_id,
                    name=f"Гость {number}",
                    email=f"thread{number}@example.kz",
                    seats=1,
                    language="kk",
                    source="api",
                    now=NOW,
                )
                with counter_lock:  # still holding the event's lock: arrival order
                    arrivals[result.registration.id] = next(counter)
                statuses[result.registration.id] = result.status
                db.session.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    run_in_threads(client, clients)
    assert not errors, errors
    assert len(arrivals) == clients
    assert list(statuses.values()).count("confirmed") == capacity
    check_outcome(app, event_id, capacity, arrivals)


@pytest.mark.slow
def test_several_processes_never_oversell(app, database_url: str, tmp_path: Path):
    capacity, processes, attempts = 10, 4, 7
    with app.app_context():
        event_id = make_event(capacity=capacity, max_party=1).id
        db.session.commit()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    counter = context.Value("i", 0)
    results = context.Queue()
    config = make_test_config(database_url, tmp_path / "worker-instance")
    workers = [
        context.Process(
            target=register_many,
            args=(config, event_id, number, attempts, barrier, counter, results),
        )
        for number in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = []
    try:
        for _ in range(processes * attempts):
            outcome = results.get(timeout=300)
            assert not outcome[2].startswith("error"), outcome
            outcomes.append(outcome)
        for worker in workers:
            worker.join(timeout=120)
            assert worker.exitcode == 0
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
    arrivals = {registration_id: arrival for arrival, registration_id, _ in outcomes}
    assert sorted(arrivals.values()) == list(range(1, processes * attempts + 1))
    assert [status for *_, status in outcomes].count("confirmed") == capacity
    check_outcome(app, event_id, capacity, arrivals)


@pytest.mark.slow
def test_one_address_pressed_from_many_clients_at_once_registers_once(app):
    """One registration, every other press refused as already registered, never a 500: the
    address is read under the event's lock, with the unique index behind it."""
    clients = 16
    with app.app_context():
        event_id = make_event(capacity=50, max_party=1).id
        db.session.commit()
    barrier = threading.Barrier(clients)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def client(number: int) -> None:
        try:
            barrier.wait(timeout=120)
            with app.app_context():
                try:
                    with unit_of_work():
                        registrations.register(
                            event_id,
                            name=f"Ана {number}",
                            email="Same.Parent@Example.kz"
                            if number % 2
                            else "same.parent@example.kz",
                            seats=1,
                            language="kk",
                            source="web",
                            now=NOW,
                        )
                    outcomes.append("registered")
                except Conflict as refusal:
                    outcomes.append(refusal.message)
        except BaseException as error:  # reported below
            errors.append(error)

    run_in_threads(client, clients)
    assert not errors, errors
    assert outcomes.count("registered") == 1
    assert all("already registered" in outcome for outcome in outcomes if outcome != "registered")
    assert len(outcomes) == clients
    with app.app_context():
        assert seat_count(event_id).confirmed == 1
