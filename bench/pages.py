"""Page speed: requests per second for the public pages against a hello-world on the same server.

Seeds a temporary SQLite database (or a scratch PostgreSQL database with ``--database-url``) with
the demo season plus ``--extra`` generated events, starts one gunicorn (``--workers`` sync
workers) serving the real application with a hello-world route added (bench/hello_wsgi.py), and
measures, in the same run and process tree, the hello-world and then each page:
``/``, ``/events/<id>``, ``/calendar``, ``/branches/<slug>``. It prints requests per second and
the ratio to the hello-world (the project aims at 25% or better for pages).

The load generator is ``wrk`` when installed, otherwise a bounded pool of Python threads. Usage:

    .venv/bin/python bench/pages.py [--seconds 4] [--workers 2] [--extra 300]
                                    [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import scratch_database  # noqa: E402
from bench.server import free_port, start_gunicorn, stop  # noqa: E402
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
    }


def load_wrk(url: str, seconds: float) -> float:
    output = subprocess.run(
        ["wrk", "-t2", "-c8", "--timeout", "30s", f"-d{max(1, round(seconds))}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} failed responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def load_threads(url: str, seconds: float, threads: int = 8) -> float:
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]
    done = [0] * threads
    stop = time.monotonic() + seconds

    def worker(slot: int) -> None:
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                raise SystemExit(f"{url}: status {response.status}")
            done[slot] += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(done) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--extra", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    load = load_wrk if shutil.which("wrk") else load_threads

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
            server = start_gunicorn(env, port, args.workers)
            try:
                results = {}
                for label, path in paths.items():
                    url = f"http://127.0.0.1:{port}{path}"
                    load(url, 1)  # warm up
                    results[label] = load(url, args.seconds)
            finally:
                stop(server)
        finally:
            drop()

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{backend}, gunicorn {args.workers} sync workers, "
        f"{'wrk -t2 -c8' if load is load_wrk else '8 client threads'}, "
        f"{args.seconds:g} s per URL, demo season + {args.extra} events"
    )
    baseline = results["hello-world"]
    if not baseline:
        raise SystemExit("the hello-world answered nothing in time; is the machine overloaded?")
    for label, rate in results.items():
        print(f"  {label:<12} {rate:8.0f} req/s  {rate / baseline:6.1%} of hello-world")


if __name__ == "__main__":
    main()
