"""The opening rush: a popular children's master class opens for registration.

For each backend (PostgreSQL and SQLite, each in a scratch database) this starts one gunicorn
(``--workers`` sync workers, the real application as in production: rate limits on, counted in
Redis, the visitor's address taken from X-Forwarded-For behind one trusted proxy) and adds one
24-seat event with a waitlist whose registration opens a few seconds later. When it opens,
``--clients`` visitors arrive spread evenly over ``--spread`` seconds; each, from an address of
its own, as a browser would:

1. loads the event page (GET /events/<id>, which sets the session cookie and the form's token);
2. sends the registration form (POST /events/<id>/register, one seat) and follows nothing.

It prints p50, p95 and p99 latency of both steps, every HTTP status (the form answers 303 to the
visitor's manage page on success; anything else but 200 and 303 counts as an error, 429 only
where a limit is meant), and checks the database: exactly 24 seats confirmed, the confirmed
parties the first 24 to arrive, the waitlist in arrival order, and how far the order the server
saw differs from the order the clients sent in.

    .venv/bin/python bench/rush.py [--clients 500] [--spread 10] [--workers 4]
        [--backends postgresql,sqlite] [--database-url postgresql://postgres@127.0.0.1:5432/test]
        [--redis-url redis://127.0.0.1:6379/15]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.scratch import add_one_event, scratch_database  # noqa: E402
from bench.server import cpu_model, free_port, start_gunicorn, stop  # noqa: E402
from calendar_app import create_app  # noqa: E402
from calendar_app.extensions import db  # noqa: E402
from calendar_app.models import Registration  # noqa: E402
from calendar_app.timeutil import utcnow  # noqa: E402

CAPACITY = 24
OPENS_IN = timedelta(seconds=8)  # time to start the server and the clients before it opens
TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
GOOD = {200, 303}


@dataclass
class Visit:
    """One visitor's two requests, as the client saw them."""

    number: int
    page_status: int | str = 0
    page_seconds: float = 0.0
    register_status: int | str = 0
    register_seconds: float = 0.0
    sent_at: float = 0.0  # when the registration was sent (perf_counter)


@dataclass
class Rush:
    visits: list[Visit]
    seconds: float
    statuses: dict[str, Counter] = field(default_factory=dict)


def prepare(database_url: str, instance: Path) -> tuple[int, float]:
    """Migrate the scratch database and add the event; returns its id and when it opens
    (as a ``time.time()`` value)."""
    opens = utcnow() + OPENS_IN
    event_id = add_one_event(database_url, instance, capacity=CAPACITY, max_party=4, opens_at=opens)
    return event_id, opens.timestamp()


def request(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int | str, bytes, list[str], float]:
    began = time.perf_counter()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        cookies = response.headers.get_all("Set-Cookie") or []
        status: int | str = response.status
        connection.close()
    except OSError as error:
        status, payload, cookies = f"error {type(error).__name__}", b"", []
    return status, payload, cookies, time.perf_counter() - began


def visitor(port: int, event_id: int, visit: Visit, start_at: float) -> None:
    """Wait for this visitor's moment, load the page, send the form."""
    time.sleep(max(0.0, start_at - time.perf_counter()))
    address = f"10.{visit.number // 65536 % 256}.{visit.number // 256 % 256}.{visit.number % 256}"
    headers = {"X-Forwarded-For": address, "Accept-Language": "kk"}
    status, page, cookies, seconds = request(port, "GET", f"/events/{event_id}", headers)
    visit.page_status, visit.page_seconds = status, seconds
    token = TOKEN.search(page)
    if status != 200 or token is None:
        visit.register_status = "no form"
        return
    cookie = "; ".join(value.split(";", 1)[0] for value in cookies)
    form = urlencode(
        {
            "csrf_token": token.group(1).decode(),
            "name": f"Ата-ана {visit.number}",
            "email": f"parent{visit.number}@example.kz",
            "seats": "1",
            "website": "",
        }
    ).encode()
    visit.sent_at = time.perf_counter()
    status, _, _, seconds = request(
        port,
        "POST",
        f"/events/{event_id}/register",
        {
            **headers,
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "http://127.0.0.1",
        },
        form,
    )
    visit.register_status, visit.register_seconds = status, seconds


def rush(port: int, event_id: int, opens_at: float, clients: int, spread: float) -> Rush:
    visits = [Visit(number=n) for n in range(clients)]
    time.sleep(max(0.0, opens_at - time.time() + 0.2))  # a moment after it opens
    began = time.perf_counter()
    threads = [
        threading.Thread(target=visitor, args=(port, event_id, visit, began + spread * n / clients))
        for n, visit in enumerate(visits)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return Rush(
        visits,
        seconds,
        {
            "page": Counter(str(visit.page_status) for visit in visits),
            "register": Counter(str(visit.register_status) for visit in visits),
        },
    )


def outcome(database_url: str, instance: Path, event_id: int, visits: list[Visit]) -> dict:
    """What the database holds after the rush, against the order the clients sent in."""
    app = create_app(
        {"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"}
    )
    with app.app_context():
        rows = db.session.execute(
            select(Registration.email, Registration.status, Registration.seats)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        ).all()
        db.engine.dispose()
    confirmed = sum(seats for _, status, seats in rows if status == "confirmed")
    statuses = [status for _, status, _ in rows]
    arrived_in_order = statuses == sorted(statuses, key=lambda status: status != "confirmed")
    sent = {f"parent{visit.number}@example.kz": visit.sent_at for visit in visits}
    server_order = [sent[email] for email, _, _ in rows if email in sent]
    inverted = sum(
        1 for earlier, later in zip(server_order, server_order[1:], strict=False) if later < earlier
    )
    worst = max(
        (earlier - later for earlier, later in zip(server_order, server_order[1:], strict=False)),
        default=0.0,
    )
    return {
        "rows": len(rows),
        "confirmed_seats": confirmed,
        "waitlisted": statuses.count("waitlisted"),
        "first_come_first_served": arrived_in_order and "cancelled" not in statuses,
        "neighbours_swapped": inverted,
        "largest_swap_ms": max(0.0, worst) * 1000,
    }


def percentiles(values: list[float]) -> str:
    if not values:
        return "no answers"
    ordered = sorted(values)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    return f"p50 {at(0.5):7.1f} ms  p95 {at(0.95):7.1f} ms  p99 {at(0.99):7.1f} ms"


def run_backend(backend: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="rush-bench-") as scratch:
        tmp = Path(scratch)
        database_url, drop = scratch_database(
            None if backend == "sqlite" else args.database_url, tmp, "rush"
        )
        try:
            event_id, opens_at = prepare(database_url, tmp / "instance")
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "CALENDAR_INSTANCE_PATH": str(tmp / "instance"),
                "SECRET_KEY": "bench",
                "BASE_URL": f"http://127.0.0.1:{port}",
                "RATELIMIT_ENABLED": "true",
                "RATELIMIT_STORAGE_URI": args.redis_url,
                "TRUSTED_PROXIES": "1",
                "LOG_LEVEL": "WARNING",
            }
            _flush_redis(args.redis_url)
            process = start_gunicorn(env, port, args.workers)
            try:
                if time.time() > opens_at:
                    raise SystemExit("the server took longer to start than the event takes to open")
                result = rush(port, event_id, opens_at, args.clients, args.spread)
            finally:
                stop(process)
            stored = outcome(database_url, tmp / "instance", event_id, result.visits)
        finally:
            drop()
    return {"backend": backend, "rush": result, **stored}


def _flush_redis(url: str) -> None:
    """Start from empty limit counters (the bench uses a database of its own, 15 by default)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--spread", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}; gunicorn {args.workers} sync workers; "
        f"{args.clients} visitors over {args.spread:g} s at a {CAPACITY}-seat event with a "
        "waitlist; rate limits on (Redis), one address per visitor"
    )
    failed = False
    for backend in args.backends.split(","):
        result = run_backend(backend.strip(), args)
        rushed: Rush = result["rush"]
        pages = [v.page_seconds for v in rushed.visits if v.page_status == 200]
        sends = [v.register_seconds for v in rushed.visits if v.register_status in GOOD]
        errors = sum(
            count
            for step in rushed.statuses.values()
            for status, count in step.items()
            if status not in {str(code) for code in GOOD}
        )
        print(
            f"\n[{result['backend']}] all {len(rushed.visits)} visitors done in "
            f"{rushed.seconds:.1f} s\n"
            f"  event page:   {percentiles(pages)}   statuses {dict(rushed.statuses['page'])}\n"
            f"  registration: {percentiles(sends)}   statuses "
            f"{dict(rushed.statuses['register'])}\n"
            f"  answers other than 200/303: {errors}\n"
            f"  database: {result['rows']} registrations, {result['confirmed_seats']} seats "
            f"confirmed (capacity {CAPACITY}), {result['waitlisted']} on the waitlist; "
            f"confirmed first and waitlist in arrival order: {result['first_come_first_served']}\n"
            f"  server's order against the clients' sending order: "
            f"{result['neighbours_swapped']} neighbouring pairs swapped, the largest by "
            f"{result['largest_swap_ms']:.1f} ms"
        )
        if (
            result["confirmed_seats"] != CAPACITY
            or not result["first_come_first_served"]
            or errors
            or any(str(status).startswith("5") for status in rushed.statuses["register"])
        ):
            failed = True
    if failed:
        raise SystemExit("the rush went wrong: see above")


if __name__ == "__main__":
    main()
