"""A feed's language reaches its places and name; its UIDs survive a change of BASE_URL; every
calendar link on a page carries the page's language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from calendar_app import create_app
from calendar_app.extensions import db
from calendar_app.timeutil import utcnow
from tests.conftest import make_test_config
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.ical_checks import clear_feed_caches, parse_all, property_lines


@pytest.fixture(autouse=True)
def fresh_caches():
    clear_feed_caches()


@pytest.fixture
def translated(ctx):
    branch = make_branch(
        "children",
        name="Балалар кітапханасы",
        address="Алматы, Абай 1",
        translations={
            "ru": {"name": "Детская библиотека", "address": "Алматы, Абая 1"},
            "en": {"name": "Children's library"},
        },
    )
    venue = make_venue(branch, name="Мәжіліс залы", translations={"ru": {"name": "Зал заседаний"}})
    event = make_event(branch, venue, starts_at=utcnow() + timedelta(days=2))
    db.session.commit()
    return event


@pytest.mark.parametrize(
    ("lang", "location", "name"),
    [
        ("kk", "Мәжіліс залы, Балалар кітапханасы, Алматы, Абай 1", "Балалар кітапханасы"),
        ("ru", "Зал заседаний, Детская библиотека, Алматы, Абая 1", "Детская библиотека"),
        ("en", "Мәжіліс залы, Children's library, Алматы, Абай 1", "Children's library"),
    ],
)
def test_lang_sets_location_and_the_calendar_name(client, translated, lang, location, name):
    for path in ("/branches/children/calendar.ics", f"/events/{translated.id}.ics"):
        body = client.get(f"{path}?lang={lang}").data
        for events in parse_all(body).values():
            assert events[0].location == location
    body = client.get(f"/branches/children/calendar.ics?lang={lang}").data
    [calname] = property_lines(body, "X-WR-CALNAME")
    [plain_name] = property_lines(body, "NAME")
    assert calname.split(":", 1)[1].startswith(name + " · ")
    assert plain_name.split(":", 1)[1] == calname.split(":", 1)[1]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_every_calendar_link_carries_the_pages_language(client, translated, lang):
    token = "t" * 43
    make_registration(translated.id, token=token, email="x@example.kz")
    db.session.commit()
    pages = {
        "/": ["calendar.ics?lang="],
        "/branches/children": ["branches/children/calendar.ics?lang="],
        f"/events/{translated.id}": [f"events/{translated.id}.ics?lang="],
        f"/r/{token}": [f"/r/{token}.ics?lang="],
    }
    for page, expected in pages.items():
        html = client.get(f"{page}?lang={lang}").get_data(as_text=True)
        links = [part.split('"')[0] for part in html.split('href="')[1:] if ".ics" in part[:200]]
        values = [part.split('"')[0] for part in html.split('value="')[1:] if ".ics" in part[:200]]
        assert links, page
        for link in links + values:
            assert f"lang={lang}" in link, (page, link)
        for fragment in expected:
            assert any(fragment + lang in link for link in links), (page, links)


def test_uids_stay_the_same_when_base_url_changes(database_url, tmp_path):
    instance = tmp_path / "instance"
    bodies = []
    for base_url in ("https://events.example.kz", "https://kitaphana.almaty.kz"):
        app = create_app(make_test_config(database_url, instance, BASE_URL=base_url))
        with app.app_context():
            if not bodies:
                from tests.conftest import _empty_all_tables

                _empty_all_tables()
                make_event(make_branch("children"), starts_at=utcnow() + timedelta(days=2))
                db.session.commit()
            assert app.config["UID_DOMAIN"] == "events.example.kz"
            clear_feed_caches()
            bodies.append(app.test_client().get("/calendar.ics").data)
            db.session.remove()
            db.engine.dispose()
    before, after = ([event.uid for event in parse_all(body)["icalendar"]] for body in bodies)
    assert before == after and before[0].endswith("@events.example.kz")
    assert b"https://kitaphana.almaty.kz/events/" in bodies[1]  # links follow BASE_URL
    assert (instance / "uid_domain").read_text() == "events.example.kz"


def test_uid_domain_can_be_set(database_url, tmp_path):
    config = make_test_config(database_url, tmp_path / "instance", UID_DOMAIN="lib.almaty.kz")
    assert create_app(config).config["UID_DOMAIN"] == "lib.almaty.kz"
