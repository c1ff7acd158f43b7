"""Registration under a rush: many concurrent attempts at one event, against a hello-world.

For each backend (PostgreSQL and SQLite, each in a scratch database) this starts one gunicorn
with several sync workers serving bench/hello_wsgi.py (the app plus a hello-world
route), seeds one event with 100 seats (parties of one, waitlist on), and then, in one run:

1. fires the hello-world route ``--attempts`` times from ``--concurrency`` client threads;
2. fires ``--attempts`` registration attempts (POST /api/v1/events/<id>/registrations, each with
   its own address) at the event from the same number of threads;
3. fires the same attempts at a second 100-seat event through the floor route of
   bench/hello_wsgi.py: the least any correct registration does (lock, count, two inserts,
   commit), with none of the service's validation, limits, metrics or ORM;
4. fires the hello-world again (the baseline is the mean of both runs, so a neighbour's load
   during the run weighs on both sides).

It prints requests per second, p50/p95 latency, the ratios of registrations and of the floor to
the hello-world, and of registrations to the floor, and checks the database afterwards for both
events: exactly 100 confirmed seats, every other attempt waitlisted, the confirmed ones being the
first to arrive. Rate limits are off (RATELIMIT_ENABLED=false).

For each phase it also prints the CPU each request cost the gunicorn (master and workers),
the PostgreSQL server and the bench's own client threads (read from /proc around the phase), how
busy that kept the machine's CPUs, and the most that cost allows: the share of the hello-world's
rate reached were every CPU busy with it. A phase well below that ceiling waits on the event's
lock; one near it is bound by the processors.

    .venv/bin/python bench/registrations.py [--attempts 1000] [--concurrency 32] [--workers 4]
        [--backends postgresql,sqlite] [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.scratch import add_events, scratch_database  # noqa: E402
from bench.server import CpuTimes, cpu_model, cpu_times, free_port, start_gunicorn, stop  # noqa: E402
from calendar_app import create_app  # noqa: E402
from calendar_app.extensions import db  # noqa: E402
from calendar_app.models import Registration  # noqa: E402

BASE_URL = "https://events.example.kz"
CAPACITY = 100


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float]
    statuses: Counter
    bodies: list[dict]
    cpu: CpuTimes | None = None  # what the run cost each side (``fire`` with ``measure``)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def cpu_summary(self, hello_rate: float) -> str:
        """CPU milliseconds per request on each side; how busy that kept the machine (well
        below 100% while requests queue: they wait on a lock, not on the processors); and the
        most this CPU cost allows, as a share of the hello-world's rate, were every CPU busy."""
        if self.cpu is None:
            return "not measured"
        count = len(self.latencies)
        cpus = os.cpu_count() or 1
        sides = [("workers", self.cpu.workers), ("client", self.cpu.client)]
        if self.cpu.database:
            sides.insert(1, ("PostgreSQL", self.cpu.database))
        per_request = ", ".join(f"{name} {used / count * 1000:.2f}" for name, used in sides)
        busy = self.cpu.total / (self.seconds * cpus)
        ceiling = cpus / (self.cpu.total / count) / hello_rate
        return (
            f"{per_request} ms per request; the CPUs {busy:.0%} busy; "
            f"at this cost at most {ceiling:.0%} of the hello-world"
        )

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def prepare(database_url: str, instance: Path) -> tuple[int, int]:
    """Migrate the scratch database and add two 100-seat events: one for the service's
    registrations, one for the floor's; returns their ids."""
    service_event, floor_event = add_events(
        database_url, instance, 2, capacity=CAPACITY, max_party=1
    )
    return service_event, floor_event


def outcome(database_url: str, instance: Path, event_id: int) -> dict[str, object]:
    """What the database holds for an event after the rush."""
    app = create_app(
        {"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"}
    )
    with app.app_context():
        rows = db.session.execute(
            select(Registration.id, Registration.status, Registration.seats)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        ).all()
        confirmed = db.session.execute(
            select(func.coalesce(func.sum(Registration.seats), 0)).where(
                Registration.event_id == event_id, Registration.status == "confirmed"
            )
        ).scalar_one()
        db.engine.dispose()
    statuses = [status for _, status, _ in rows]
    first_come = statuses == ["confirmed"] * confirmed + ["waitlisted"] * (len(rows) - confirmed)
    return {"rows": len(rows), "confirmed_seats": confirmed, "first_come_first_served": first_come}


def fire(
    port: int,
    requests: list[tuple[str, str, bytes | None]],
    concurrency: int,
    measure: Callable[[], CpuTimes] | None = None,
) -> LoadResult:
    """Send every request once from ``concurrency`` threads; one connection per request. With
    ``measure`` (a ``cpu_times`` reading), the result also holds the CPU the run cost."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    bodies: list[dict] = []
    lock = threading.Lock()
    cursor = iter(range(len(requests)))
    start_line = threading.Barrier(concurrency + 1)

    def worker() -> None:
        start_line.wait()
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            method, path, body = requests[index]
            headers = {"Content-Type": "application/json"} if body is not None else {}
            began = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
                connection.close()
            except OSError as error:
                status, payload = f"error {type(error).__name__}", b""
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1
                if body is not None and payload.startswith(b"{"):
                    bodies.append(json.loads(payload))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    used_before = measure() if measure is not None else None
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    cpu = measure() - used_before if measure is not None else None
    return LoadResult(seconds, latencies, statuses, bodies, cpu)


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="registrations-bench-") as scratch:
        tmp = Path(scratch)
        database_url, drop = scratch_database(
            None if backend == "sqlite" else args.database_url, tmp, "registrations"
        )
        try:
            event_id, floor_event_id = prepare(database_url, tmp / "instance")
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "CALENDAR_INSTANCE_PATH": str(tmp / "instance"),
                "SECRET_KEY": "bench",
                "BASE_URL": BASE_URL,
                "RATELIMIT_ENABLED": "false",
            }
            port = free_port()
            process = start_gunicorn(env, port, args.workers)
            measure = functools.partial(cpu_times, process, with_database=backend != "sqlite")
            try:
                hello = [("GET", "/bench/hello", None)] * args.attempts
                fire(port, hello[:200], args.concurrency)  # warm every worker up
                before = fire(port, hello, args.concurrency, measure)
                registrations = [
                    (
                        "POST",
                        f"/api/v1/events/{event_id}/registrations",
                        json.dumps(
                            {"name": f"Қонақ {n}", "email": f"guest{n}@example.kz", "seats": 1}
                        ).encode(),
                    )
                    for n in range(args.attempts)
                ]
                rush = fire(port, registrations, args.concurrency, measure)
                floor = fire(
                    port,
                    [
                        ("POST", f"/bench/floor/{floor_event_id}", body)
                        for _, _, body in registrations
                    ],
                    args.concurrency,
                    measure,
                )
                after = fire(port, hello, args.concurrency, measure)
            finally:
                stop(process)
            stored = outcome(database_url, tmp / "instance", event_id)
            floor_stored = outcome(database_url, tmp / "instance", floor_event_id)
        finally:
            drop()
    answered = Counter(body.get("status", "error") for body in rush.bodies)
    hello_rate = statistics.mean([before.rate, after.rate])
    return {
        "backend": backend,
        "hello_rate": hello_rate,
        "hello_p50": statistics.mean([before.percentile(0.5), after.percentile(0.5)]),
        "hello_p95": statistics.mean([before.percentile(0.95), after.percentile(0.95)]),
        "rate": rush.rate,
        "p50": rush.percentile(0.5),
        "p95": rush.percentile(0.95),
        "ratio": rush.rate / hello_rate,
        "floor_rate": floor.rate,
        "floor_p50": floor.percentile(0.5),
        "floor_p95": floor.percentile(0.95),
        "floor_ratio": floor.rate / hello_rate,
        "of_floor": rush.rate / floor.rate,
        "floor_http": dict(floor.statuses),
        "floor_ok": floor_stored["confirmed_seats"] == CAPACITY
        and floor_stored["first_come_first_served"],
        "cpu": {
            "hello-world": before.cpu_summary(hello_rate),
            "registrations": rush.cpu_summary(hello_rate),
            "floor": floor.cpu_summary(hello_rate),
        },
        "http": dict(rush.statuses),
        "answered": dict(answered),
        **stored,
    }


def add_rush_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every registration rush of these benches takes."""
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_rush_arguments(parser)
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}; gunicorn {args.workers} sync workers; "
        f"{args.attempts} attempts from {args.concurrency} client threads at a "
        f"{CAPACITY}-seat event"
    )
    failed = False
    for backend in args.backends.split(","):
        result = run_backend(backend.strip(), args)
        print(
            f"\n[{result['backend']}]\n"
            f"  hello-world:   {result['hello_rate']:7.1f} req/s  "
            f"p50 {result['hello_p50']:6.1f} ms  p95 {result['hello_p95']:6.1f} ms\n"
            f"  registrations: {result['rate']:7.1f} req/s  "
            f"p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
            f"ratio {result['ratio']:.0%} of hello-world, {result['of_floor']:.0%} of the floor\n"
            f"  floor:         {result['floor_rate']:7.1f} req/s  "
            f"p50 {result['floor_p50']:6.1f} ms  p95 {result['floor_p95']:6.1f} ms  "
            f"ratio {result['floor_ratio']:.0%} of hello-world; HTTP statuses "
            f"{result['floor_http']}, exactly-capacity and in order: {result['floor_ok']}\n"
            + "".join(f"  CPU, {phase}: {summary}\n" for phase, summary in result["cpu"].items())
            + f"  HTTP statuses: {result['http']}; answers: {result['answered']}\n"
            f"  database: {result['rows']} registrations, {result['confirmed_seats']} seats "
            f"confirmed (capacity {CAPACITY}), first come first served: "
            f"{result['first_come_first_served']}"
        )
        if (
            result["confirmed_seats"] != CAPACITY
            or not result["first_come_first_served"]
            or not result["floor_ok"]
        ):
            failed = True
    if failed:
        raise SystemExit("seat count or order wrong")


if __name__ == "__main__":
    main()
