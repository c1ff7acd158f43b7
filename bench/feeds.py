"""Feed speed: build time against icalendar alone, and request rates against a hello-world.

Seeds a temporary database with one branch holding 2,000 events, then prints in one run:

1. the time to build the branch feed from the database (cold caches: query, text clean-up,
   Markdown stripping, VTIMEZONE, every VEVENT), against the time icalendar alone takes to build
   and serialize a calendar of the same events from values prepared beforehand (aim: <= 1.5x);
   and the rebuild after one event changed (the other VEVENTs come from the cache);
2. requests per second on one gunicorn (same workers, same process tree) for a hello-world route
   (bench/hello_wsgi.py), for the feed answered 200 from its cached body (gzipped, as calendar
   clients ask for it, and plain), and for the feed answered 304 to If-None-Match (aim: >= 70%
   of the hello-world).

The load generator is ``wrk`` when it is installed (Debian: ``apt-get install wrk``), otherwise
a bounded pool of Python threads using http.client. Usage:

    .venv/bin/python bench/feeds.py [--events 2000] [--seconds 4] [--rounds 3]
                                    [--database-url postgresql://postgres@127.0.0.1:5432/test]

With ``--database-url`` pointing at PostgreSQL, a scratch database ``<name>_feeds_bench`` is
created on that server and dropped afterwards; by default a temporary SQLite file is used.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from icalendar import Calendar, Timezone, vDuration  # noqa: E402
from icalendar import Event as VEvent  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from bench.server import (  # noqa: E402
    cpu_model,
    free_port,
    probe,
    python_load,
    start_gunicorn,
    stop,
    wrk_load,
)
from calendar_app import create_app  # noqa: E402
from calendar_app.database import read_only_transactions  # noqa: E402
from calendar_app.extensions import db  # noqa: E402
from calendar_app.models import Branch, Event, Venue  # noqa: E402
from calendar_app.public.feeds import body_cache  # noqa: E402
from calendar_app.services import feed_queries, feed_text, ical  # noqa: E402

BASE_URL = "https://events.example.kz"
UID_DOMAIN = "events.example.kz"
# Builds and served feeds take every event made, however far ahead (FEED_HORIZON_DAYS would
# otherwise drop the later ones), so that the figures stay comparable with earlier runs.
BUILD_HORIZON_DAYS = 3650
SLUG = "central-children"
TITLES = [
    "«Құтадғу білік» оқулары",
    "Шексіздік сыртындағы шам: кітап тұсаукесері",
    "Мастер-класс по каллиграфии для детей",
    "Meeting with the editors of «Жұлдыз», a; b\\c",
    "Домбыра күні: концерт",
    "Литературный разбор: Абай, «Қара сөздер»",
]
# Every event gets a description of its own (so no cache hides the work): half of them plain
# prose, half with Markdown emphasis, a list and a link.
MARKDOWN_DESCRIPTION = (
    "Бастауыш сынып оқушыларына арналған **шеберлік сабағы** №{n}: қағаз, бояу және ертегі.\n\n"
    "- Ата-аналар балаларымен бірге келеді;\n- материалдар тегін беріледі.\n\n"
    "Подробнее на [сайте библиотеки](https://lib.example.kz/about), вход свободный, "
    "но места ограничены. Bring your library card 😀."
)
PLAIN_DESCRIPTION = (
    "Кездесу №{n}: жазушы жаңа кітабы туралы әңгімелейді, оқырмандардың сұрақтарына жауап береді.\n"
    "Встреча с автором, вопросы читателей, автограф-сессия; вход свободный.\n\n"
    "A meeting with the author, questions from readers, signing; free entry."
)


# --- set-up --------------------------------------------------------------------------------------


def seed(count: int, now: datetime) -> int:
    """One branch with four rooms and ``count`` events from three weeks ago on."""
    zone = ZoneInfo("Asia/Almaty")
    branch = Branch(
        slug=SLUG,
        name="Орталық балалар кітапханасы",
        address="Алматы, Абай даңғылы 1",
        timezone="Asia/Almaty",
        created_at=now,
        updated_at=now,
    )
    db.session.add(branch)
    db.session.flush()
    venues = [
        Venue(branch_id=branch.id, name=f"Зал {n}", capacity=80, created_at=now, updated_at=now)
        for n in range(1, 5)
    ]
    db.session.add_all(venues)
    db.session.flush()
    first_day = (now - timedelta(days=21)).astimezone(zone).date()
    for index in range(count):
        day = first_day + timedelta(days=index // 8)
        hour = 10 + 2 * (index % 4)
        starts = datetime(day.year, day.month, day.day, hour, 0, tzinfo=zone)
        db.session.add(
            Event(
                branch_id=branch.id,
                venue_id=venues[(index // 4) % 2 + 2 * (index % 2)].id,
                title=f"{TITLES[index % len(TITLES)]} №{index + 1}",
                description=(MARKDOWN_DESCRIPTION, PLAIN_DESCRIPTION)[index % 2].format(
                    n=index + 1
                ),
                category=("master_class", "book_presentation", "concert", "exhibition")[index % 4],
                audience=("children", "families", "adults", "all")[index % 4],
                starts_at=starts.astimezone(UTC),
                ends_at=(starts + timedelta(minutes=90)).astimezone(UTC),
                capacity=30,
                sequence=index % 3,
                status="cancelled" if index % 50 == 0 else "scheduled",
                translations={},
                created_at=now - timedelta(days=40),
                updated_at=now - timedelta(days=40, seconds=-index),
            )
        )
    db.session.commit()
    return branch.id


# --- build times ---------------------------------------------------------------------------------


def build_ours(branch_id: int, now: datetime) -> bytes:
    events = feed_queries.feed_events(
        branch_id, feed_queries.FeedFilters(), now, BUILD_HORIZON_DAYS
    )
    return ical.build_feed(
        events, name="Орталық балалар кітапханасы", base_url=BASE_URL, uid_domain=UID_DOMAIN
    )


def prepared_values(events: list[Event]) -> list[dict]:
    """Everything the feed shows, computed before the clock starts for icalendar alone."""
    labels = ical.Labels()
    return [
        {
            "uid": ical.event_uid(event.id, UID_DOMAIN),
            "stamp": event.updated_at,
            "created": event.created_at,
            "sequence": event.sequence,
            "start": event.starts_at.astimezone(ZoneInfo(event.branch.timezone)),
            "end": event.ends_at.astimezone(ZoneInfo(event.branch.timezone)),
            "summary": event.title,
            "description": feed_text.plain_text(event.description),
            "location": ical.event_location(event),
            "categories": [labels.category(event.category), labels.audience(event.audience)],
            "url": ical.event_url(event.id, BASE_URL),
            "status": "CANCELLED" if event.status == "cancelled" else "CONFIRMED",
        }
        for event in events
    ]


def build_icalendar_alone(values: list[dict], first: datetime, last: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", ical.PRODID)
    calendar.calendar_name = "Орталық балалар кітапханасы"
    calendar.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(timedelta(hours=1)))
    calendar.add_component(
        Timezone.from_tzid("Asia/Almaty", first_date=first.date(), last_date=last.date())
    )
    for item in values:
        event = VEvent()
        event.add("UID", item["uid"])
        event.add("DTSTAMP", item["stamp"])
        event.add("LAST-MODIFIED", item["stamp"])
        event.add("CREATED", item["created"])
        event.add("SEQUENCE", item["sequence"])
        event.add("DTSTART", item["start"])
        event.add("DTEND", item["end"])
        event.add("SUMMARY", item["summary"])
        event.add("DESCRIPTION", item["description"])
        event.add("LOCATION", item["location"])
        event.add("CATEGORIES", item["categories"])
        event.add("URL", item["url"])
        event.add("STATUS", item["status"])
        event.add("TRANSP", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def best_of(repeats: int, function) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def measure_builds(app, branch_id: int, now: datetime, repeats: int) -> dict[str, float]:
    def cold() -> bytes:
        ical.vevent_cache.clear()
        feed_text.plain_text.cache_clear()
        ical.vtimezone_bytes.cache_clear()
        db.session.expire_all()
        return build_ours(branch_id, now)

    with app.app_context(), read_only_transactions():
        events = feed_queries.feed_events(
            branch_id, feed_queries.FeedFilters(), now, BUILD_HORIZON_DAYS
        )
        values = prepared_values(events)
        first, last = events[0].starts_at, events[-1].ends_at + timedelta(days=366)
        ours_times, alone_times = [], []
        for _ in range(repeats):  # interleaved, so that a busy moment hits both
            took, body = best_of(1, cold)
            ours_times.append(took)
            took, reference = best_of(1, lambda: build_icalendar_alone(values, first, last))
            alone_times.append(took)
        ours, alone = min(ours_times), min(alone_times)
        db.session.rollback()
    assert body.count(b"BEGIN:VEVENT") == reference.count(b"BEGIN:VEVENT") == len(values)

    with app.app_context():
        build_ours(branch_id, now)  # warm the VEVENT cache

        def one_changed() -> bytes:
            event = db.session.execute(
                db.select(Event).where(Event.branch_id == branch_id).limit(1)
            ).scalar_one()
            event.updated_at = event.updated_at + timedelta(seconds=1)
            db.session.commit()
            db.session.expire_all()
            return build_ours(branch_id, now)

        warm, _ = best_of(repeats, one_changed)
    return {"events": len(values), "ours": ours, "alone": alone, "warm": warm, "bytes": len(body)}


# --- HTTP ----------------------------------------------------------------------------------------


def measure_http(env, workers, seconds, rounds, connections) -> dict[str, object]:
    port = free_port()
    process = start_gunicorn(env, port, workers)
    load = wrk_load if shutil.which("wrk") else python_load
    feed = f"/branches/{SLUG}/calendar.ics"
    try:
        for _ in range(workers * 4):  # every worker builds and caches the body once
            first = probe(port, feed)
            assert first.status == 200, first.status
            assert probe(port, feed, {"Accept-Encoding": "gzip"}).status == 200
        etag = first.getheader("ETag")
        assert probe(port, feed, {"If-None-Match": etag}).status == 304
        gzip = {"Accept-Encoding": "gzip"}
        cases = {
            "hello": ("/bench/hello", {}, 200),
            "feed 200 cached, gzip": (feed, gzip, 200),
            "feed 200 cached, plain": (feed, {}, 200),
            "feed 304 (If-None-Match)": (feed, {**gzip, "If-None-Match": etag}, 304),
        }
        rates: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, (path, headers, status) in cases.items():
                load(port, path, headers, 1, connections, status)  # warm-up
                rates[name].append(load(port, path, headers, seconds, connections, status))
    finally:
        stop(process)
    return {
        "generator": "wrk" if load is wrk_load else f"python http.client, {connections} threads",
        "body_bytes": len(first.body),
        "rates": {name: statistics.median(values) for name, values in rates.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="feeds-bench-"))
    url, drop = scratch_database(args.database_url, tmp, "feeds")
    env = dict(
        os.environ,
        DATABASE_URL=url,
        BASE_URL=BASE_URL,
        SECRET_KEY="bench-only",
        RATELIMIT_ENABLED="false",
        FEED_HORIZON_DAYS=str(BUILD_HORIZON_DAYS),
        CALENDAR_INSTANCE_PATH=str(tmp / "instance"),
    )
    try:
        from flask_migrate import upgrade

        app = create_app(
            {
                "DATABASE_URL": url,
                "BASE_URL": BASE_URL,
                "SECRET_KEY": "bench-only",
                "INSTANCE_PATH": str(tmp / "instance"),
                "RATELIMIT_ENABLED": False,
            }
        )
        now = datetime.now(UTC)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            branch_id = seed(args.events, now)
        body_cache.clear()
        builds = measure_builds(app, branch_id, now, args.repeats)
        with app.app_context():
            db.engine.dispose()
        served = measure_http(env, args.workers, args.seconds, args.rounds, args.connections)
    finally:
        drop()
        shutil.rmtree(tmp, ignore_errors=True)

    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    rates = served["rates"]
    hello = rates["hello"]
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; Python {platform.python_version()}")
    print(
        f"database: {backend}; feed of one branch: {builds['events']} events, "
        f"{builds['bytes'] / 1024:.0f} KiB"
    )
    print(f"build, cold caches:       {builds['ours'] * 1000:8.1f} ms")
    print(f"icalendar alone:          {builds['alone'] * 1000:8.1f} ms")
    print(f"  ratio:                  {builds['ours'] / builds['alone']:8.2f}x  (aim <= 1.5x)")
    print(f"rebuild, one event changed:{builds['warm'] * 1000:7.1f} ms")
    print(
        f"gunicorn: {args.workers} sync workers; load: {served['generator']}, "
        f"{args.rounds} rounds x {args.seconds:g} s, median"
    )
    for name, rate in rates.items():
        share = "" if name == "hello" else f"  {rate / hello:6.0%} of hello-world"
        print(f"  {name:26s} {rate:8.0f} req/s{share}")
    print("  (aim: >= 70% of hello-world; calendar clients send Accept-Encoding: gzip)")


if __name__ == "__main__":
    main()
