"""What other seat models would allow: the floors of three registration designs side by side.

The service counts seats from the registrations under the event's lock (the floor of that design
is bench/hello_wsgi.py's route, which bench/registrations.py measures beside the service). This
bench measures, in one run on a scratch PostgreSQL database, against the hello-world:

1. that floor: lock the event row, sum its confirmed seats, insert the registration and its
   outbox row, commit;
2. a seat counter on the event row (two columns this bench adds to its scratch database): one
   conditional UPDATE locks the row and decides, then the two inserts and the commit;
3. the same counter with both inserts in the same statement (data-modifying CTEs).

Each fires ``--attempts`` registrations (parties of one, a 100-seat event with a waitlist) from
``--concurrency`` threads, and the database is checked afterwards: exactly 100 confirmed, the
first to arrive, and the counters equal to the rows. None of these is the service's code: the
counter would have to be kept right by every path that changes seats (cancels, promotions,
walk-ins, course bookings, the no-show policy), which the service avoids by counting the rows.

    .venv/bin/python bench/seat_models.py [--attempts 1000] [--concurrency 32] [--workers 4]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.registrations import CAPACITY, add_rush_arguments, fire, outcome  # noqa: E402
from bench.scratch import add_events, scratch_database  # noqa: E402
from bench.server import cpu_model, free_port, start_gunicorn, stop  # noqa: E402

MODELS = (
    ("count under the lock (the service's model)", "/bench/floor/{}"),
    ("seat counter", "/bench/seat-counter/{}"),
    ("seat counter, one statement", "/bench/seat-counter-one-statement/{}"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_rush_arguments(parser)
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}; gunicorn {args.workers} sync workers; "
        f"{args.attempts} attempts from {args.concurrency} client threads at a "
        f"{CAPACITY}-seat event per model; PostgreSQL"
    )
    with tempfile.TemporaryDirectory(prefix="seat-models-bench-") as scratch:
        tmp = Path(scratch)
        database_url, drop = scratch_database(args.database_url, tmp, "seat_models")
        try:
            instance = tmp / "instance"
            event_ids = add_events(
                database_url, instance, len(MODELS), capacity=CAPACITY, max_party=1
            )
            engine = create_engine(database_url)
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "ALTER TABLE events ADD COLUMN bench_confirmed integer NOT NULL DEFAULT 0,"
                        " ADD COLUMN bench_waiting integer NOT NULL DEFAULT 0"
                    )
                )
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "CALENDAR_INSTANCE_PATH": str(instance),
                "SECRET_KEY": "bench",
                "BASE_URL": "https://events.example.kz",
                "RATELIMIT_ENABLED": "false",
            }
            port = free_port()
            process = start_gunicorn(
                env, port, args.workers, application="bench.seat_models_wsgi:app"
            )
            try:
                hello = [("GET", "/bench/hello", None)] * args.attempts
                fire(port, hello[:200], args.concurrency)
                before = fire(port, hello, args.concurrency)
                rates = []
                for (_, path), event_id in zip(MODELS, event_ids, strict=True):
                    attempts = [
                        (
                            "POST",
                            path.format(event_id),
                            json.dumps(
                                {"name": f"Қонақ {n}", "email": f"guest{n}@example.kz"}
                            ).encode(),
                        )
                        for n in range(args.attempts)
                    ]
                    rates.append(fire(port, attempts, args.concurrency))
                after = fire(port, hello, args.concurrency)
            finally:
                stop(process)
            hello_rate = statistics.mean([before.rate, after.rate])
            print(f"\n  hello-world: {hello_rate:7.1f} req/s")
            failed = False
            for (name, _), event_id, result in zip(MODELS, event_ids, rates, strict=True):
                stored = outcome(database_url, instance, event_id)
                with engine.connect() as connection:
                    counters = connection.execute(
                        text("SELECT bench_confirmed, bench_waiting FROM events WHERE id = :id"),
                        {"id": event_id},
                    ).one()
                counted = name.startswith("seat counter")
                right = (
                    stored["confirmed_seats"] == CAPACITY
                    and stored["first_come_first_served"]
                    and (not counted or tuple(counters) == (CAPACITY, stored["rows"] - CAPACITY))
                )
                failed = failed or not right or set(result.statuses) != {201}
                print(
                    f"  {name + ':':45s} {result.rate:7.1f} req/s  "
                    f"ratio {result.rate / hello_rate:.0%} of hello-world  "
                    f"p50 {result.percentile(0.5):6.1f} ms  HTTP {dict(result.statuses)}; "
                    f"exactly {stored['confirmed_seats']} confirmed, first come first served: "
                    f"{stored['first_come_first_served']}"
                    + (f"; counters {tuple(counters)}" if counted else "")
                )
            engine.dispose()
        finally:
            drop()
    if failed:
        raise SystemExit("a model sold the wrong seats, or answered other than 201")


if __name__ == "__main__":
    main()
