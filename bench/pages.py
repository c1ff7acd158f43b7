"""Speed side by side: the public pages, the events API and a branch feed against a hello-world.

Seeds a temporary SQLite database (or a scratch PostgreSQL database with ``--database-url``) with
the demo season plus ``--extra`` generated events, starts one gunicorn (``--workers`` sync
workers) serving the real application with a hello-world route added (bench/hello_wsgi.py), and
measures, in the same run and process tree, round after round: the hello-world, ``/``,
``/events/<id>``, ``/calendar``, ``/branches/<slug>``, ``/api/v1/events``, and the branch's iCal
feed answered 200 from its cached gzip body and 304 to If-None-Match. It prints requests per
second, the share of the hello-world with the project's aim for each, and the resident memory of
each worker after the run.

The load generator is ``wrk`` when installed (Debian: ``apt-get install wrk``), otherwise a
bounded pool of Python threads. Usage:

    .venv/bin/python bench/pages.py [--seconds 4] [--rounds 3] [--workers 4] [--connections 16]
                                    [--extra 300]
                                    [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import scratch_database  # noqa: E402
from bench.server import (  # noqa: E402
    cpu_model,
    free_port,
    probe,
    python_load,
    start_gunicorn,
    stop,
    worker_rss,
    wrk_load,
)
from calendar_app import create_app  # noqa: E402
from calendar_app.extensions import db  # noqa: E402
from calendar_app.models import Branch, Event, Venue  # noqa: E402
from calendar_app.services.seeding import seed_demo  # noqa: E402
from calendar_app.timeutil import utcnow  # noqa: E402

TITLES = ["«Құтадғу білік» оқулары", "Мастер-класс по каллиграфии", "Meeting with the editors"]


def prepare(database_url: str, instance: Path, extra: int) -> dict[str, str]:
    """Migrate, seed the demo season and ``extra`` events; return the paths to measure."""
    from flask_migrate import upgrade

    app = create_app(
        {"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"}
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        now = utcnow()
        seed_demo(now)
        db.session.flush()
        branch = db.session.query(Branch).filter_by(slug="chekhov").one()
        venue = db.session.query(Venue).filter_by(branch_id=branch.id).first()
        for number in range(extra):
            starts = now + timedelta(days=1 + number // 6, hours=number % 6)
            db.session.add(
                Event(
                    branch_id=branch.id,
                    venue_id=venue.id,
                    title=f"{TITLES[number % 3]} №{number}",
                    description="**Кіру тегін.** Вход свободный.",
                    category="master_class",
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=50),
                    capacity=30,
                    created_at=now,
                    updated_at=now,
                )
            )
        db.session.commit()
        event_id = db.session.query(Event.id).filter(Event.capacity >= 20).first()[0]
        db.engine.dispose()
    return {
        "hello-world": "/bench/hello",
        "list /": "/",
        "event page": f"/events/{event_id}",
        "month grid": "/calendar",
        "branch page": "/branches/chekhov",
        "/api/v1/events": "/api/v1/events",
        "feed": "/branches/chekhov/calendar.ics",
    }


def measure(
    env: dict[str, str],
    paths: dict[str, str],
    workers: int,
    seconds: float,
    rounds: int,
    connections: int,
) -> tuple[dict[str, float], list[int], str]:
    """Median requests per second of each case over ``rounds`` rounds (every case once per
    round, so a change in the machine's load touches all alike), and each worker's RSS after."""
    port = env_port(env)
    process = start_gunicorn(env, port, workers)
    load = wrk_load if shutil.which("wrk") else python_load
    feed = paths.pop("feed")
    gzip = {"Accept-Encoding": "gzip"}
    try:
        for _ in range(workers * 4):  # every worker renders each page and builds the feed once
            for path in paths.values():
                assert probe(port, path).status == 200, path
            first = probe(port, feed, gzip)
        etag = first.getheader("ETag")
        assert probe(port, feed, {**gzip, "If-None-Match": etag}).status == 304
        cases = {label: (path, {}, 200) for label, path in paths.items()}
        cases["feed 200 cached, gzip"] = (feed, gzip, 200)
        cases["feed 304"] = (feed, {**gzip, "If-None-Match": etag}, 304)
        rates: dict[str, list[float]] = {label: [] for label in cases}
        for _ in range(rounds):
            for label, (path, headers, status) in cases.items():
                load(port, path, headers, 1, connections, status)  # warm-up
                rates[label].append(load(port, path, headers, seconds, connections, status))
        rss = worker_rss(process)
    finally:
        stop(process)
    generator = f"wrk -c{connections}" if load is wrk_load else f"{connections} client threads"
    return {label: statistics.median(values) for label, values in rates.items()}, rss, generator


def env_port(env: dict[str, str]) -> int:
    return int(env["BASE_URL"].rsplit(":", 1)[1])


AIMS = {
    "list /": 0.25,
    "event page": 0.25,
    "month grid": 0.25,
    "branch page": 0.25,
    "/api/v1/events": 0.30,
    "feed 200 cached, gzip": 0.60,
    "feed 304": 0.70,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--extra", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        database_url, drop = scratch_database(args.database_url, tmp, "pages")
        try:
            paths = prepare(database_url, tmp / "instance", args.extra)
            port = free_port()
            env = dict(
                os.environ,
                DATABASE_URL=database_url,
                CALENDAR_INSTANCE_PATH=str(tmp / "instance"),
                SECRET_KEY="bench",
                RATELIMIT_ENABLED="false",
                BASE_URL=f"http://127.0.0.1:{port}",
            )
            rates, rss, generator = measure(
                env, paths, args.workers, args.seconds, args.rounds, args.connections
            )
        finally:
            drop()

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; Python {platform.python_version()}")
    print(
        f"{backend}; gunicorn {args.workers} sync workers; {generator}; "
        f"{args.rounds} rounds x {args.seconds:g} s, median; demo season + {args.extra} events"
    )
    baseline = rates["hello-world"]
    if not baseline:
        raise SystemExit("the hello-world answered nothing in time; is the machine overloaded?")
    for label, rate in rates.items():
        aim = AIMS.get(label)
        share = "" if label == "hello-world" else f"  {rate / baseline:6.1%} of hello-world"
        verdict = (
            ""
            if aim is None
            else f"  (aim {aim:.0%}: {'met' if rate >= aim * baseline else 'NOT met'})"
        )
        print(f"  {label:<22} {rate:8.0f} req/s{share}{verdict}")
    print("  worker RSS after the run: " + ", ".join(f"{size / 1024:.0f} MiB" for size in rss))


if __name__ == "__main__":
    main()
