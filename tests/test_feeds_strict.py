"""Every kind of calendar the site serves or mails, read by libical and ical.js as strictly as
they can (no error, no warning), beside the three Python parsers; and the feed's size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendar_app.extensions import db
from calendar_app.models import Event, OutboxMessage, Venue
from calendar_app.security import generate_token
from calendar_app.services import ical
from calendar_app.services import registrations as regs
from calendar_app.services.events import cancel_event
from calendar_app.timeutil import utcnow
from tests.conftest import BASE_URL
from tests.factories import make_branch, make_event, make_registration
from tests.ical_checks import clear_feed_caches, parse_all, property_lines
from tests.mail_support import rendered
from tests.strict_parsers import strict_check

ALMATY = ZoneInfo("Asia/Almaty")
MEGABYTE = 1024 * 1024


@pytest.fixture(autouse=True)
def fresh_caches():
    clear_feed_caches()


def register(event: Event, email: str, seats: int = 1):
    return regs.register(
        event.id,
        name="Айгерім",
        email=email,
        seats=seats,
        language="ru",
        source="web",
        now=utcnow(),
    )


def test_every_served_calendar_reads_strictly(client, ctx):
    now = utcnow().replace(microsecond=0)
    children = make_branch("children", name="Балалар кітапханасы", address="Алматы, Абай 1")
    make_branch("empty", name="Бос филиал")
    event = make_event(
        children,
        title="Құтадғу білік; a, b\\c",
        description="Шам 😀\nline two",
        capacity=1,
        starts_at=now + timedelta(days=3),
        now=now - timedelta(days=1),
    )
    make_event(children, starts_at=now + timedelta(days=5), now=now - timedelta(days=1))
    confirmed = register(event, "one@example.kz")
    waiting = register(event, "two@example.kz")
    gone = register(event, "three@example.kz")
    regs.cancel(gone.registration, utcnow())
    db.session.commit()

    paths = ["/calendar.ics", "/branches/children/calendar.ics", f"/events/{event.id}.ics"]
    for path in paths:
        assert len(strict_check(client.get(path).data)) >= 1
    empty = client.get("/branches/empty/calendar.ics").data
    assert strict_check(empty) == [] and b"BEGIN:VTIMEZONE" in empty
    parse_all(empty)
    states = {}
    for name, result in (("confirmed", confirmed), ("waiting", waiting), ("gone", gone)):
        [states[name]] = strict_check(client.get(f"/r/{result.token}.ics").data)
    assert states["confirmed"]["status"] == "CONFIRMED"
    assert states["waiting"]["status"] == "TENTATIVE"
    assert states["gone"]["status"] == "CANCELLED"
    assert states["gone"]["sequence"] > states["confirmed"]["sequence"]
    assert len({state["uid"] for state in states.values()}) == 3


def test_an_event_before_the_2024_change_reads_right_everywhere(ctx):
    branch = make_branch("children")
    winter = make_event(
        branch,
        starts_at=datetime(2024, 2, 20, 18, 0, tzinfo=ALMATY),
        now=datetime(2024, 1, 5, tzinfo=UTC),
    )
    spring = make_event(
        branch,
        starts_at=datetime(2025, 5, 10, 18, 0, tzinfo=ALMATY),
        now=datetime(2025, 4, 1, tzinfo=UTC),
    )
    for events in ([spring], [winter, spring]):
        body = ical.build_feed(events, name="x", base_url=BASE_URL, uid_domain="a.kz")
        starts = [event["start_utc"] for event in strict_check(body)]
        expected = {"20240220T120000Z", "20250510T130000Z"}
        assert set(starts) <= expected and starts[-1] == "20250510T130000Z"


def mails_of(registration_id: int) -> list[OutboxMessage]:
    return rendered(
        db.session.execute(
            db.select(OutboxMessage)
            .where(OutboxMessage.registration_id == registration_id)
            .order_by(OutboxMessage.id)
        ).scalars()
    )


def worker_takes_the_outbox() -> None:
    """What the outbox worker does a moment after a commit: render the mail written so far."""
    rendered(db.session.execute(db.select(OutboxMessage)).scalars())
    db.session.commit()


def calendar_part(message: OutboxMessage) -> tuple[str, dict]:
    body = message.ics_attachment.encode("utf-8")
    [event] = strict_check(body)
    parse_all(body)
    assert property_lines(body, "ATTENDEE") == []
    [organizer] = property_lines(body, "ORGANIZER")
    assert organizer.endswith(":mailto:no-reply@events.example.kz")
    [method] = property_lines(body, "METHOD")
    return method.split(":", 1)[1], event


def test_cancelling_a_registration_sends_a_cancel_of_the_same_entry(ctx):
    event = make_event(make_branch("children"), capacity=1, starts_at=utcnow() + timedelta(days=3))
    first = register(event, "one@example.kz")
    waiting = register(event, "two@example.kz")
    db.session.commit()
    worker_takes_the_outbox()
    regs.cancel(waiting.registration, utcnow())  # a waitlist place given up
    regs.cancel(first.registration, utcnow())
    again = register(event, "one@example.kz")
    db.session.commit()

    (published, confirmation), (cancelled, cancel) = map(
        calendar_part, mails_of(first.registration.id)
    )
    assert (published, cancelled) == ("PUBLISH", "CANCEL")
    assert (
        cancel["uid"]
        == confirmation["uid"]
        == f"registration-{first.registration.id}@events.example.kz"
    )
    assert cancel["sequence"] > confirmation["sequence"]
    assert cancel["status"] == "CANCELLED"
    [waitlist_mail, given_up] = mails_of(waiting.registration.id)
    assert waitlist_mail.ics_attachment is None
    method, entry = calendar_part(given_up)
    assert method == "CANCEL" and entry["uid"].startswith(
        f"registration-{waiting.registration.id}@"
    )
    [(_method, renewed)] = map(calendar_part, mails_of(again.registration.id))
    assert renewed["uid"] != confirmation["uid"]


def test_cancelled_or_moved_event_updates_the_entry_in_the_mail(ctx):
    from dataclasses import fields

    from calendar_app.services.events import EventData, update_event

    branch = make_branch("children")
    moved = make_event(branch, starts_at=utcnow() + timedelta(days=3))
    dropped = make_event(branch, starts_at=utcnow() + timedelta(days=4))
    on_moved, on_dropped = register(moved, "a@example.kz"), register(dropped, "b@example.kz")
    db.session.commit()
    worker_takes_the_outbox()
    values = {f.name: getattr(moved, f.name) for f in fields(EventData)}
    values["starts_at"] = moved.starts_at + timedelta(days=1)
    values["ends_at"] = moved.ends_at + timedelta(days=1)
    update_event(moved, EventData(**values), utcnow())
    cancel_event(dropped, utcnow())
    db.session.commit()

    [(m1, before), (m2, after)] = map(calendar_part, mails_of(on_moved.registration.id))
    assert (m1, m2) == ("PUBLISH", "PUBLISH")
    assert after["uid"] == before["uid"] and after["sequence"] > before["sequence"]
    assert after["start_utc"] != before["start_utc"]
    [(m1, before), (m2, after)] = map(calendar_part, mails_of(on_dropped.registration.id))
    assert (m1, m2) == ("PUBLISH", "CANCEL")
    assert after["uid"] == before["uid"] and after["sequence"] > before["sequence"]


DESCRIPTION = (
    "Бастауыш сынып оқушыларына арналған **шеберлік сабағы** №{n}: қағаз, бояу және ертегі.\n\n"
    "- Ата-аналар балаларымен бірге келеді;\n- материалдар тегін беріледі.\n\n"
    "Подробнее на [сайте библиотеки](https://lib.example.kz/about), вход свободный, "
    "но места ограничены. Bring your library card."
)


def test_a_busy_year_stays_under_a_megabyte_with_the_default_horizon(client, ctx):
    """3,000 events over a year in ten branches: the real HTTP body of the all-branches feed."""
    now = utcnow()
    branches = [make_branch(f"b{n}", name=f"№{n} Орталық кітапхана") for n in range(10)]
    venues = []
    for branch in branches:
        for n in range(3):
            venue = Venue(
                branch_id=branch.id,
                name=f"Мәжіліс залы {n}",
                capacity=50,
                created_at=now,
                updated_at=now,
            )
            venues.append(venue)
    db.session.add_all(venues)
    db.session.flush()
    first = now - timedelta(days=30)
    for index in range(3000):
        starts = first + timedelta(minutes=index * 175)  # 3,000 events over 365 days
        venue = venues[index % len(venues)]
        db.session.add(
            Event(
                branch_id=venue.branch_id,
                venue_id=venue.id,
                title=f"Шексіздік сыртындағы шам: кітап тұсаукесері №{index}",
                description=DESCRIPTION.format(n=index),
                category="master_class",
                audience="children",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=90),
                capacity=30,
                sequence=0,
                status="scheduled",
                translations={},
                created_at=now,
                updated_at=now,
            )
        )
    db.session.commit()
    response = client.get("/calendar.ics", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert len(response.data) < MEGABYTE
    horizon = client.application.config["FEED_HORIZON_DAYS"]
    shown = response.data.count(b"BEGIN:VEVENT")
    assert 3000 * horizon / 365 * 0.9 < shown < 3000


def test_feeds_ignore_the_locale_cookie_and_registrations_stay_private(client, ctx):
    event = make_event(make_branch("children"), starts_at=utcnow() + timedelta(days=3))
    token = generate_token()
    make_registration(event.id, token=token, email="x@example.kz")
    db.session.commit()
    plain = client.get("/calendar.ics?lang=ru")
    client.set_cookie("lang", "kk")
    with_cookie = client.get("/calendar.ics?lang=ru")
    assert with_cookie.data == plain.data
    for response in (plain, with_cookie, client.get(f"/events/{event.id}.ics")):
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "Set-Cookie" not in response.headers
    for path in (f"/r/{token}", f"/r/{token}.ics"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
