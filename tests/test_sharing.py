"""What link previews and search engines see: schema.org Event JSON-LD (read with a JSON-LD
processor), Open Graph and Twitter tags, meta descriptions, canonical and hreflang links,
/sitemap.xml and /robots.txt."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from unittest.mock import patch
from xml.etree import ElementTree

import pytest

from calendar_app.extensions import db
from calendar_app.models import Event
from calendar_app.services.events import EventData, cancel_event, update_event
from tests.conftest import BASE_URL
from tests.factories import NOW, make_branch, make_event, make_registration
from tests.html_head import SCHEMA, expanded_events, read_head, types, value

KUTADGU = "«Құтадғу білік» жаңа аудармасына әдеби талдау"
TRANSLATIONS = {
    "ru": {
        "title": "Литературный разбор «Кутадгу билик»",
        "description": "Разбор **нового** перевода.",
    },
    "en": {
        "title": "Reading «Kutadgu Bilig»",
        "description": "A **new** translation, read closely.",
    },
}


@pytest.fixture(autouse=True)
def frozen_now():
    with (
        patch("calendar_app.public.pages.utcnow", return_value=NOW),
        patch("calendar_app.public.discovery.utcnow", return_value=NOW),
    ):
        yield


@pytest.fixture
def branch_id(app) -> int:
    with app.app_context():
        branch = make_branch(
            "chekhov",
            name="Central City Library named after A.P. Chekhov",
            address="Almaty, Zheltoksan St 71",
        )
        db.session.commit()
        return branch.id


def new_event(app, branch_id: int, **fields) -> int:
    from calendar_app.models import Branch

    with app.app_context():
        event = make_event(db.session.get(Branch, branch_id), **fields)
        db.session.commit()
        return event.id


def event_node(client, event_id: int, lang: str = "en") -> dict:
    response = client.get(f"/events/{event_id}?lang={lang}")
    assert response.status_code == 200
    nodes = expanded_events(read_head(response.get_data(as_text=True)))
    assert len(nodes) == 1
    assert types(nodes[0]) == [SCHEMA + "Event"]
    return nodes[0]


def offer_of(node: dict) -> dict | None:
    offers = node.get(SCHEMA + "offers")
    if offers is None:
        return None
    assert len(offers) == 1
    return offers[0]


def test_scheduled_event_json_ld_field_by_field(app, client, branch_id):
    event_id = new_event(
        app,
        branch_id,
        title=KUTADGU,
        description="Жаңа **аударма** туралы.",
        language="kk",
        translations=TRANSLATIONS,
        category="literary_analysis",
        capacity=40,
        starts_at=NOW + timedelta(days=7),
    )
    node = event_node(client, event_id, "ru")
    assert value(node, "name") == TRANSLATIONS["ru"]["title"]
    assert value(node, "description") == "Разбор нового перевода."
    # NOW + 7 days is 2026-05-08 06:00 UTC: 11:00 in Almaty, UTC+5.
    assert value(node, "startDate") == "2026-05-08T11:00:00+05:00"
    assert value(node, "endDate") == "2026-05-08T12:30:00+05:00"
    assert value(node, "eventStatus") == SCHEMA + "EventScheduled"
    assert value(node, "eventAttendanceMode") == SCHEMA + "OfflineEventAttendanceMode"
    assert value(node, "inLanguage") == "kk"
    assert value(node, "isAccessibleForFree") is True
    page = f"{BASE_URL}/events/{event_id}?lang=ru"
    assert value(node, "url") == page

    place = value(node, "location")
    assert types(place) == [SCHEMA + "Place"]
    assert value(place, "name").startswith("Central City Library named after A.P. Chekhov, Room")
    address = value(place, "address")
    assert types(address) == [SCHEMA + "PostalAddress"]
    assert value(address, "streetAddress") == "Almaty, Zheltoksan St 71"

    organizer = value(node, "organizer")
    assert types(organizer) == [SCHEMA + "Organization"]
    assert value(organizer, "name") == "Central City Library named after A.P. Chekhov"
    assert value(organizer, "url") == f"{BASE_URL}/branches/chekhov?lang=ru"

    image = value(node, "image")
    assert image.startswith(f"{BASE_URL}/static/img/share/literary_analysis.png")
    picture = client.get(image.removeprefix(BASE_URL))
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.data[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")

    offer = offer_of(node)
    assert types(offer) == [SCHEMA + "Offer"]
    assert value(offer, "price") == 0
    assert value(offer, "priceCurrency") == "KZT"
    assert value(offer, "url") == page
    assert value(offer, "availability") == SCHEMA + "InStock"
    assert value(offer, "validThrough") == "2026-05-08T11:00:00+05:00"  # closes at the start


def test_cancelled_event_says_so_and_offers_nothing(app, client, branch_id):
    event_id = new_event(app, branch_id)
    with app.app_context():
        cancel_event(db.session.get(Event, event_id), NOW)
        db.session.commit()
    node = event_node(client, event_id)
    assert value(node, "eventStatus") == SCHEMA + "EventCancelled"
    assert offer_of(node) is None


def test_moved_event_is_rescheduled_with_its_new_time(app, client, branch_id):
    event_id = new_event(app, branch_id, starts_at=NOW + timedelta(days=7))
    with app.app_context():
        event = db.session.get(Event, event_id)
        values = {f.name: getattr(event, f.name) for f in fields(EventData)}
        values.update(starts_at=NOW + timedelta(days=8), ends_at=NOW + timedelta(days=8, hours=2))
        update_event(event, EventData(**values), NOW)
        db.session.commit()
    node = event_node(client, event_id)
    assert value(node, "eventStatus") == SCHEMA + "EventRescheduled"
    assert value(node, "startDate") == "2026-05-09T11:00:00+05:00"
    assert value(offer_of(node), "availability") == SCHEMA + "InStock"


def test_an_edit_that_moves_nothing_keeps_it_scheduled(app, client, branch_id):
    event_id = new_event(app, branch_id)
    with app.app_context():
        event = db.session.get(Event, event_id)
        values = {f.name: getattr(event, f.name) for f in fields(EventData)}
        values.update(title="A better title")
        update_event(event, EventData(**values), NOW)
        db.session.commit()
    assert value(event_node(client, event_id), "eventStatus") == SCHEMA + "EventScheduled"


@pytest.mark.parametrize(
    ("confirmed", "waiting", "expected"),
    [
        (30, 0, "SoldOut"),  # full
        (20, 4, "SoldOut"),  # ten free, but promised to the waitlist
        (25, 0, "LimitedAvailability"),  # five left of thirty
        (24, 0, "InStock"),  # six left
    ],
)
def test_offer_availability_follows_the_seats_a_newcomer_can_get(
    app, client, branch_id, confirmed, waiting, expected
):
    event_id = new_event(app, branch_id, capacity=30)
    with app.app_context():
        make_registration(event_id, seats=confirmed)
        if waiting:
            make_registration(event_id, seats=waiting, status="waitlisted")
        db.session.commit()
    node = event_node(client, event_id)
    assert value(offer_of(node), "availability") == SCHEMA + expected
    assert value(node, "eventStatus") == SCHEMA + "EventScheduled"


def test_registration_not_open_yet_is_a_pre_order_from_the_opening(app, client, branch_id):
    event_id = new_event(app, branch_id, opens_at=NOW + timedelta(days=2))
    offer = offer_of(event_node(client, event_id))
    assert value(offer, "availability") == SCHEMA + "PreOrder"
    assert value(offer, "validFrom") == "2026-05-03T11:00:00+05:00"


def test_registration_closed_is_discontinued(app, client, branch_id):
    event_id = new_event(
        app,
        branch_id,
        starts_at=NOW + timedelta(hours=3),
        closes_at=NOW - timedelta(hours=1),
        now=NOW - timedelta(days=5),
    )
    offer = offer_of(event_node(client, event_id))
    assert value(offer, "availability") == SCHEMA + "Discontinued"


def test_drop_in_event_is_free_with_an_unlimited_offer(app, client, branch_id):
    event_id = new_event(app, branch_id, registration="none", capacity=0, category="exhibition")
    node = event_node(client, event_id)
    assert value(node, "isAccessibleForFree") is True
    offer = offer_of(node)
    assert value(offer, "availability") == SCHEMA + "InStock"
    assert value(offer, "price") == 0
    assert SCHEMA + "validFrom" not in offer
    assert SCHEMA + "inventoryLevel" not in offer
    assert value(node, "image").startswith(f"{BASE_URL}/static/img/share/exhibition.png")


@pytest.mark.parametrize(
    ("lang", "og_locale", "site_word", "category"),
    [
        ("kk", "kk_KZ", "Алматы", "Әдеби талдау"),
        ("ru", "ru_RU", "Алматы", "Литературный разбор"),
        ("en", "en_US", "Almaty", "Literary analysis"),
    ],
)
def test_open_graph_and_twitter_tags_in_each_language(
    app, client, branch_id, lang, og_locale, site_word, category
):
    event_id = new_event(
        app,
        branch_id,
        title=KUTADGU,
        description="Жаңа **аударма** туралы.",
        language="kk",
        translations=TRANSLATIONS,
        category="literary_analysis",
    )
    response = client.get(f"/events/{event_id}?lang={lang}")
    head = read_head(response.get_data(as_text=True))
    title = TRANSLATIONS[lang]["title"] if lang in TRANSLATIONS else KUTADGU
    description = {
        "kk": "Жаңа аударма туралы.",
        **{code: text["description"].replace("**", "") for code, text in TRANSLATIONS.items()},
    }[lang]
    assert head.lang == lang
    assert head.one("og:title") == head.one("twitter:title") == title
    assert head.one("og:description") == head.one("twitter:description") == description
    assert head.one("description") == description
    assert head.one("og:url") == f"{BASE_URL}/events/{event_id}?lang={lang}"
    assert head.one("og:type") == "website"
    assert site_word in head.one("og:site_name")
    assert head.one("og:locale") == og_locale
    assert sorted(head.meta["og:locale:alternate"]) == sorted(
        {"kk_KZ", "ru_RU", "en_US"} - {og_locale}
    )
    image = head.one("og:image")
    assert image == head.one("twitter:image")
    assert image.startswith(f"{BASE_URL}/static/img/share/literary_analysis.png")
    assert (head.one("og:image:width"), head.one("og:image:height")) == ("1200", "630")
    assert head.one("og:image:type") == "image/png"
    assert head.one("og:image:alt") == head.one("twitter:image:alt") == category
    assert head.one("twitter:card") == "summary_large_image"
    assert head.scripts == 1  # the JSON-LD data block, and no script to run


def test_an_event_without_description_is_described_by_what_when_where(app, client, branch_id):
    event_id = new_event(app, branch_id, category="concert", starts_at=NOW + timedelta(days=7))
    head = read_head(client.get(f"/events/{event_id}?lang=en").get_data(as_text=True))
    assert head.one("description") == (
        "Concert on May 8, 2026 at Central City Library named after A.P. Chekhov."
    )
    assert head.one("og:description") == head.one("description")


def test_every_public_page_has_a_description_canonical_and_language_alternates(
    app, client, branch_id
):
    event_id = new_event(app, branch_id)
    for path in ("/", "/calendar", "/branches", "/branches/chekhov", f"/events/{event_id}"):
        for lang in ("kk", "ru", "en"):
            response = client.get(f"{path}?lang={lang}")
            assert response.status_code == 200, path
            head = read_head(response.get_data(as_text=True))
            assert head.one("description"), path
            assert head.canonical() == f"{BASE_URL}{path}?lang={lang}"
            assert head.alternates() == {
                "kk": f"{BASE_URL}{path}?lang=kk",
                "ru": f"{BASE_URL}{path}?lang=ru",
                "en": f"{BASE_URL}{path}?lang=en",
                "x-default": f"{BASE_URL}{path}",
            }
    kk = read_head(client.get("/?lang=kk").get_data(as_text=True)).one("description")
    ru = read_head(client.get("/?lang=ru").get_data(as_text=True)).one("description")
    en = read_head(client.get("/?lang=en").get_data(as_text=True)).one("description")
    assert len({kk, ru, en}) == 3 and "Almaty" in en


def test_query_arguments_stay_in_the_canonical_and_alternates(app, client, branch_id):
    head = read_head(client.get("/calendar?month=2026-06&lang=ru").get_data(as_text=True))
    assert head.canonical() == f"{BASE_URL}/calendar?month=2026-06&lang=ru"
    assert head.alternates()["x-default"] == f"{BASE_URL}/calendar?month=2026-06"


def test_private_and_error_pages_have_no_canonical_or_alternates(app, client, branch_id):
    event_id = new_event(app, branch_id)
    with app.app_context():
        make_registration(event_id, token="t" * 43)
        db.session.commit()
    for path, status in (
        ("/r/" + "t" * 43, 200),
        ("/events/999999", 404),
        ("/nowhere", 404),
        ("/?category=nonsense", 400),
        ("/calendar?month=2026-13", 400),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        head = read_head(response.get_data(as_text=True))
        assert head.one("description")
        assert head.canonical() is None and head.alternates() == {}, path
        assert not head.json_ld and "og:title" not in head.meta


# --- sitemap and robots ------------------------------------------------------------------------

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def test_sitemap_lists_public_pages_and_recent_events_in_every_language(app, client, branch_id):
    upcoming = new_event(app, branch_id, starts_at=NOW + timedelta(days=3))
    recent = new_event(app, branch_id, starts_at=NOW - timedelta(days=10), now=NOW - timedelta(20))
    old = new_event(app, branch_id, starts_at=NOW - timedelta(days=40), now=NOW - timedelta(50))
    cancelled_now = new_event(app, branch_id, starts_at=NOW + timedelta(days=4))
    cancelled_long_ago = new_event(
        app, branch_id, starts_at=NOW + timedelta(days=5), now=NOW - timedelta(days=60)
    )
    with app.app_context():
        cancel_event(db.session.get(Event, cancelled_now), NOW + timedelta(hours=1))
        cancel_event(db.session.get(Event, cancelled_long_ago), NOW - timedelta(days=45))
        make_registration(upcoming, token="s" * 43, name="Private Person")
        db.session.commit()

    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == SITEMAP + "urlset"
    urls = root.findall(SITEMAP + "url")
    locs = [url.findtext(SITEMAP + "loc") for url in urls]
    assert len(locs) == len(set(locs))
    assert all(loc.startswith(BASE_URL + "/") for loc in locs)
    for path in ("/", "/calendar", "/branches", "/branches/chekhov"):
        for lang in ("kk", "ru", "en"):
            assert f"{BASE_URL}{path}?lang={lang}" in locs
    for event_id in (upcoming, recent, cancelled_now):
        assert f"{BASE_URL}/events/{event_id}?lang=kk" in locs
    listed = "".join(locs)
    for event_id in (old, cancelled_long_ago):
        assert f"/events/{event_id}?" not in listed
    body = response.get_data(as_text=True)
    for private in ("/staff", "/r/", "/api/", "Private Person", "s" * 43, "/embed"):
        assert private not in body

    for url in urls:
        links = url.findall(XHTML + "link")
        assert {link.get("hreflang") for link in links} == {"kk", "ru", "en", "x-default"}
        assert all(link.get("rel") == "alternate" for link in links)
        assert url.findtext(SITEMAP + "loc") in {link.get("href") for link in links}
    by_loc = {url.findtext(SITEMAP + "loc"): url for url in urls}
    cancelled_entry = by_loc[f"{BASE_URL}/events/{cancelled_now}?lang=en"]
    # The latest change of the event, its room and its branch: here the cancellation.
    assert cancelled_entry.findtext(SITEMAP + "lastmod") == "2026-05-01T07:00:00+00:00"
    recent_entry = by_loc[f"{BASE_URL}/events/{recent}?lang=ru"]
    assert recent_entry.findtext(SITEMAP + "lastmod") == "2026-05-01T06:00:00+00:00"


def test_an_empty_site_still_has_a_valid_sitemap(client):
    root = ElementTree.fromstring(client.get("/sitemap.xml").data)
    assert root.tag == SITEMAP + "urlset"
    assert len(root.findall(SITEMAP + "url")) == 12  # four pages in three languages


def test_robots_txt_keeps_crawlers_out_of_private_paths_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/staff/", "/r/", "/api/"):
        assert f"Disallow: {path}" in lines
    assert "Allow: /api/v1/openapi.json" in lines
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in lines
    assert "Disallow: /" not in lines  # the public pages stay open


def test_json_ld_keeps_any_title_inside_its_data_block(app, client, branch_id):
    title = 'Кеш </script><script>alert("x")</script> & <!-- «Абай»'
    event_id = new_event(app, branch_id, title=title)
    response = client.get(f"/events/{event_id}?lang=kk")
    html = response.get_data(as_text=True)
    head = read_head(html)
    assert head.scripts == 1
    assert value(expanded_events(head)[0], "name") == title
    assert "«Абай»" in head.json_ld[0]  # text as written, not \\u escapes


def test_sitemap_runs_a_constant_number_of_queries(app, client, branch_id, count_queries):
    new_event(app, branch_id)
    with count_queries() as few:
        assert client.get("/sitemap.xml").status_code == 200
    for number in range(40):
        new_event(app, branch_id, starts_at=NOW + timedelta(days=1, hours=number))
    with count_queries() as many:
        response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("<url>") == 3 * (4 + 1 + 41)
    assert many.count == few.count <= 3
