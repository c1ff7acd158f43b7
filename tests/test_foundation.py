"""The foundation: configuration, the database set-up, time zones and the demo seed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from calendar_app import create_app
from calendar_app.config import parse_bool, parse_delays
from calendar_app.extensions import db
from calendar_app.models import Branch, Event, Registration, Venue
from calendar_app.services.seats import WINDOW_OPEN, registration_window
from calendar_app.services.seeding import seed_demo
from calendar_app.timeutil import local_to_utc, to_local
from tests.conftest import make_test_config
from tests.factories import NOW, make_event


def test_almaty_is_utc_plus_five_since_march_2024():
    assert to_local(datetime(2025, 5, 10, 13, 0, tzinfo=UTC), "Asia/Almaty").hour == 18
    assert local_to_utc(datetime(2025, 5, 10, 18, 0), "Asia/Almaty") == datetime(
        2025, 5, 10, 13, 0, tzinfo=UTC
    )
    # Before 2024-03-01 Almaty was UTC+6: a current tzdata knows the change.
    assert to_local(datetime(2024, 1, 10, 12, 0, tzinfo=UTC), "Asia/Almaty").hour == 18


def test_booleans_and_delays_parse():
    assert (
        parse_bool("true") and parse_bool("1") and not parse_bool("0") and not parse_bool("False")
    )
    with pytest.raises(ValueError):
        parse_bool("maybe")
    assert parse_delays("30, 120,600") == [30, 120, 600]


def test_secret_key_is_generated_once_into_instance(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = make_test_config("sqlite://", tmp_path)
    del config["SECRET_KEY"]
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_instance_config_and_environment_are_layered(tmp_path: Path, monkeypatch):
    (tmp_path / "config.py").write_text('BASE_URL = "https://from-instance.example/"\n')
    config = make_test_config("sqlite://", tmp_path)
    del config["BASE_URL"]
    assert create_app(config).config["BASE_URL"] == "https://from-instance.example"
    monkeypatch.setenv("BASE_URL", "https://from-env.example")
    assert create_app(config).config["BASE_URL"] == "https://from-env.example"


def test_times_are_stored_in_utc_and_read_back_aware(ctx):
    event = make_event(starts_at=datetime(2025, 5, 10, 13, 0, tzinfo=UTC), now=NOW)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert stored.starts_at == datetime(2025, 5, 10, 13, 0, tzinfo=UTC)
    assert stored.starts_at.tzinfo is not None
    assert to_local(stored.starts_at, stored.branch.timezone).strftime("%H:%M") == "18:00"


def test_database_is_set_up_for_concurrent_writers_and_unicode(ctx, backend):
    if backend == "sqlite":
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    else:
        assert db.session.execute(text("SHOW server_encoding")).scalar() == "UTF8"
        assert db.session.execute(text("SHOW TimeZone")).scalar() is not None


def test_an_event_renamed_in_the_demo_season_is_not_seeded_twice(ctx):
    from calendar_app.demo_data import EVENTS

    renamed = next(spec for spec in EVENTS if spec.former_titles)
    now = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    seed_demo(now)
    # A database seeded by an earlier season holds the event under its former title.
    event = db.session.execute(select(Event).where(Event.title == renamed.title)).scalar_one()
    event.title = renamed.former_titles[0]
    db.session.commit()
    assert seed_demo(now + timedelta(days=1))["events"] == 0
    db.session.commit()
    titles = db.session.execute(select(Event.title)).scalars().all()
    assert renamed.title not in titles and titles.count(renamed.former_titles[0]) == 1


def test_seed_demo_is_idempotent_and_has_what_the_contract_promises(ctx):
    now = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    first = seed_demo(now)
    db.session.commit()
    assert first["branches"] >= 5
    counts = {
        model: db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Branch, Venue, Event, Registration)
    }
    again = seed_demo(now + timedelta(days=3))
    db.session.commit()
    assert again == {
        "branches": 0,
        "venues": 0,
        "events": 0,
        "series": 0,
        "registrations": 0,
        "reports": 0,
        "photos": 0,
    }
    for model, number in counts.items():
        assert db.session.execute(select(func.count()).select_from(model)).scalar_one() == number

    events = db.session.execute(select(Event)).scalars().all()
    upcoming = [e for e in events if e.starts_at > now]
    assert len(upcoming) >= 15
    assert any(e.starts_at < now for e in events)
    assert any(e.is_drop_in for e in upcoming)

    def taken(event: Event) -> int:
        return sum(r.seats for r in event.registrations if r.status == "confirmed")

    open_with_waitlist = [
        e
        for e in upcoming
        if registration_window(e, now) == WINDOW_OPEN and e.waitlist_enabled and e.capacity >= 20
    ]
    assert len(open_with_waitlist) >= 6
    assert any(
        e.capacity - taken(e) <= 0.15 * e.capacity and taken(e) < e.capacity for e in upcoming
    )
    titles = {e.title for e in events}
    assert "Ақберен Елгезектің «Шексіздік сыртындағы шам» кітабының тұсаукесері" in titles
    assert "«Құтадғу білік» жаңа аудармасына әдеби талдау" in titles
    for event in events:
        assert event.capacity <= event.venue.capacity
        assert event.venue.branch_id == event.branch_id


def test_the_demo_season_has_series_that_skip_a_holiday_and_a_sanitary_day(ctx):
    from calendar_app.models import Series
    from calendar_app.services import series as series_service
    from calendar_app.services.closures import closure_reason, public_holiday

    now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    seed_demo(now)
    db.session.commit()
    made = {s.title: s for s in db.session.execute(select(Series)).scalars()}
    assert len(made) == 3

    def local_days(found):
        return [
            to_local(e.starts_at, "Asia/Almaty").date()
            for e in series_service.occurrences(found.id)
        ]

    reading = made["Ертегілер әлемі: оқу сағаты"]
    days = local_days(reading)
    assert len(days) == 9  # ten weeks, one of them a public holiday
    gap = next(a for a, b in zip(days, days[1:], strict=False) if (b - a).days == 14)
    assert public_holiday(gap + timedelta(days=7)) is not None

    club = made["English conversation club"]
    days = local_days(club)
    assert len(days) < 12
    branch = club.branch
    skipped = [
        a + timedelta(days=7) for a, b in zip(days, days[1:], strict=False) if (b - a).days > 7
    ]
    assert any(closure_reason(branch, day) for day in skipped)

    robotics = made["Робототехника для детей 10 лет: курс из 8 занятий"]
    assert robotics.is_whole_series and len(local_days(robotics)) >= 7
    rows = (
        db.session.execute(select(Registration).join(Event).where(Event.series_id == robotics.id))
        .scalars()
        .all()
    )
    assert {row.booking_id for row in rows} and all(row.booking_id for row in rows)


def test_the_demo_season_reads_in_kazakh_russian_and_english(app, client):
    from calendar_app.localization import localized

    with app.app_context():
        seed_demo(datetime.now(UTC))
        db.session.commit()
        for item in db.session.execute(select(Event)).scalars():
            for language in ("kk", "ru", "en"):
                assert localized(item, "title", language).strip(), (item.title, language)
                assert localized(item, "description", language).strip(), (item.title, language)
            others = {"kk", "ru", "en"} - {item.language}
            assert set(item.translations) == others, item.title
        for branch in db.session.execute(select(Branch)).scalars():
            for language in ("kk", "ru"):
                for field in ("name", "address"):
                    assert branch.translations[language][field].strip()
            for venue in branch.venues:
                for language in ("kk", "ru"):
                    assert venue.translations[language]["name"].strip()
                    assert venue.translations[language]["accessibility_notes"].strip()
        dombra = db.session.execute(
            select(Event).where(Event.title == "Ұлттық домбыра күні: домбыра кеші")
        ).scalar_one()
        dombra_id = dombra.id
        room = dombra.venue.translations["ru"]
        slug = dombra.branch.slug

    russian = client.get(f"/events/{dombra_id}?lang=ru").get_data(as_text=True)
    assert "Национальный день домбры: вечер домбры" in russian
    assert room["name"] in russian and room["accessibility_notes"] in russian
    assert room["name"] in client.get(f"/branches/{slug}?lang=ru").get_data(as_text=True)
    assert "г. Алматы, Алатауский район, ул. Момышулы, 15" in russian
    english = client.get(f"/events/{dombra_id}?lang=en").get_data(as_text=True)
    assert "Kuy performers and young dombra players" in english
