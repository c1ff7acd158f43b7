"""The roster at the door: finding a party by name or address (``q``), the counts that stay in
view, clock times without seconds, and cancelling the event kept apart behind a confirmation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from calendar_app.extensions import db
from calendar_app.models import Event, Registration
from calendar_app.services import registrations as regs
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.staff_support import door_counts, log_in, make_staff

SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")


def sign_up(event_id: int, name: str, email: str, seats: int):
    return regs.register(
        event_id,
        name=name,
        email=email,
        seats=seats,
        language="kk",
        source="web",
        now=utcnow(),
    )


@pytest.fixture
def door(app, client):
    """An event of 6 seats at 17:00 in Almaty: two confirmed parties (3 and 2 seats), one party
    waiting, and parties whose names hold ``%`` and ``_``."""
    with app.app_context():
        branch = make_branch("children", name="Children's library")
        hall = make_venue(branch, "Hall", capacity=10)
        day = utcnow().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=2)
        event = make_event(branch, hall, title="Құтадғу білік", capacity=6, starts_at=day)
        family = sign_up(event.id, "Айгерім Сәрсенова", "aigerim.s@example.kz", 3)
        pair = sign_up(event.id, "Иван Петров", "ivan@mail.example.kz", 2)
        percent = make_registration(event.id, "Скидка 100% Оспан", email="osp@example.kz")
        waiting = sign_up(event.id, "Гүлнар Мұқанова", "gulnar@example.kz", 2)
        underscore = make_registration(
            event.id, "Under_score", email="u@example.kz", status="waitlisted"
        )
        assert waiting.status == "waitlisted"
        staff = make_staff("door@example.kz", branches=[branch])
        db.session.commit()
        ids = {
            "event": event.id,
            "family": family.registration.id,
            "pair": pair.registration.id,
            "percent": percent.id,
            "waiting": waiting.registration.id,
            "underscore": underscore.id,
        }
        staff_id = staff.get_id()
    log_in(client, staff_id)
    return ids


def roster(client, door, **args):
    return client.get(f"/staff/events/{door['event']}/roster", query_string=args)


def shown(page: str, door) -> set[str]:
    """Which of the fixture's parties the page lists."""
    names = {
        "family": "Айгерім Сәрсенова",
        "pair": "Иван Петров",
        "percent": "Скидка 100% Оспан",
        "waiting": "Гүлнар Мұқанова",
        "underscore": "Under_score",
    }
    return {key for key, name in names.items() if name in page}


@pytest.mark.parametrize(
    "q,expected",
    [
        ("айгерім", {"family"}),
        ("АЙГЕРІМ", {"family"}),
        ("  Сәрсен ", {"family"}),
        ("иван", {"pair"}),
        ("мұқанова", {"waiting"}),
        ("GULNAR@EXAMPLE", {"waiting"}),
        ("mail.example", {"pair"}),
        ("ова", {"family", "waiting"}),
        ("%", {"percent"}),
        ("_", {"underscore"}),
        ("100%", {"percent"}),
        ("", {"family", "pair", "percent", "waiting", "underscore"}),
        ("   ", {"family", "pair", "percent", "waiting", "underscore"}),
    ],
)
def test_q_finds_parties_by_part_of_name_or_address(client, door, q, expected):
    response = roster(client, door, q=q)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert shown(page, door) == expected
    if q.strip():
        assert f"Shown: {len(expected)} of 5." in page
        assert 'href="/staff/events/{}/roster">Show everyone'.format(door["event"]) in page
    # The counts describe the whole event whatever the search shows.
    assert door_counts(page) == {"checked_in": 0, "expected": 6, "walk_ins": 0, "free": 0}


def test_q_in_kazakh_and_russian_pages(client, door):
    for language in ("kk", "ru"):
        page = roster(client, door, q="айгерім", lang=language).get_data(as_text=True)
        assert shown(page, door) == {"family"}
        assert "Shown:" not in page and 'id="roster-found"' in page


def test_a_search_that_finds_nobody_says_so(client, door):
    response = roster(client, door, q="Жоқ адам")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No party matches “Жоқ адам”." in page
    assert shown(page, door) == set()
    assert 'id="registration-' not in page
    assert "Nobody has registered yet." not in page and "Nobody is waiting." not in page


@pytest.mark.parametrize(
    "q,message",
    [
        ("a" * 201, "This is too long (200 characters at most)."),
        ("x" * 100_000, "This is too long (200 characters at most)."),
        ("Айгерім\x00", "This contains characters that are not allowed."),
        ("\x1b[31mred", "This contains characters that are not allowed."),
        ("line\nbreak", "This contains characters that are not allowed."),
    ],
)
def test_hostile_q_gets_a_clear_400(client, door, q, message):
    response = roster(client, door, q=q)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert "\x00" not in page and "\x1b" not in page
    assert shown(page, door) == {"family", "pair", "percent", "waiting", "underscore"}


@pytest.mark.parametrize(
    "raw",
    ["%", "%25", "_", "%%", "%ED%A0%80", "%FF", "'%20OR%201=1--", "<script>", "a&q=b", "\\"],
)
def test_odd_query_strings_never_fail(client, door, raw):
    response = client.get(f"/staff/events/{door['event']}/roster?q={raw}")
    assert response.status_code in (200, 400)
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]


def test_counts_follow_check_ins_and_walk_ins(app, client, door):
    assert door_counts(roster(client, door).get_data(as_text=True)) == {
        "checked_in": 0,
        "expected": 6,
        "walk_ins": 0,
        "free": 0,
    }
    response = client.post(f"/staff/registrations/{door['family']}/check-in")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert door_counts(page) == {"checked_in": 3, "expected": 6, "walk_ins": 0, "free": 0}
    response = client.post(
        f"/staff/events/{door['event']}/walk-ins",
        data={"name": "Серік", "seats": "2", "override_capacity": "y"},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert door_counts(page) == {"checked_in": 5, "expected": 8, "walk_ins": 2, "free": 0}
    response = client.post(
        f"/staff/registrations/{door['family']}/undo-check-in",
        headers={"Accept": "application/json"},
    )
    assert door_counts(response.get_json()["counts_html"])["checked_in"] == 2


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_times_on_staff_pages_have_no_seconds(app, client, door, language):
    client.post(f"/staff/registrations/{door['pair']}/check-in")
    event = door["event"]
    with app.app_context():
        # A check-in in the middle of a minute still shows hours and minutes only.
        registration = db.session.get(Registration, door["pair"])
        registration.checked_in_at = registration.checked_in_at.replace(second=42)
        db.session.commit()
    for path in (
        f"/staff/events/{event}/roster",
        "/staff/",
        f"/staff/events/{event}/cancel",
        f"/staff/events/{event}/sign-in-sheet",
    ):
        page = client.get(path, query_string={"lang": language}).get_data(as_text=True)
        assert not SECONDS.search(page), (path, SECONDS.search(page))
        assert "17:00" in page or "5:00" in page, path


def test_cancel_event_is_apart_from_edit_and_behind_a_confirmation(app, client, door):
    page = roster(client, door).get_data(as_text=True)
    cancel_url = f"/staff/events/{door['event']}/cancel"
    actions = page.split('<ul class="tool-links no-print">', 1)[1].split("</ul>", 1)[0]
    assert "/edit" in actions and cancel_url not in actions
    zone = page.split('<section class="danger-zone', 1)[1].split("</section>", 1)[0]
    assert f'<a class="button button-danger" href="{cancel_url}">Cancel event</a>' in zone
    assert page.index("danger-zone") > page.index("Waitlist")  # at the bottom of the page
    confirm = client.get(cancel_url)
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Yes, cancel the event" in text and 'class="button-danger"' in text
    with app.app_context():
        assert db.session.get(Event, door["event"]).status == "scheduled"
    assert client.post(cancel_url).status_code == 302
    with app.app_context():
        assert db.session.get(Event, door["event"]).is_cancelled
    page = roster(client, door).get_data(as_text=True)
    assert "danger-zone" not in page and cancel_url not in page


def test_the_door_scripts_are_files_and_the_page_has_nothing_inline(client, door):
    page = roster(client, door, q="ов").get_data(as_text=True)
    assert 'src="/static/js/roster.js?v=' in page and 'src="/static/js/staff.js?v=' in page
    assert "<script>" not in page and "<style" not in page and 'style="' not in page
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers
    script = client.get("/static/js/roster.js")
    assert script.status_code == 200 and b'getElementById("roster-q")' in script.data
    script.close()


def test_the_roster_leads_to_scanning_for_its_event(client, door):
    page = roster(client, door).get_data(as_text=True)
    assert f'href="/staff/scan?event={door["event"]}"' in page
    scan = client.get(f"/staff/scan?event={door['event']}")
    assert scan.status_code == 200 and "Құтадғу білік" in scan.get_data(as_text=True)
