"""Honest seats: every page and the API offer what a new party can get now, in one seat state.

Each state is checked through the list card (or the branch page), the event page with its
registration panel, and the API (``seats_left`` and ``seat_state``, against openapi.json).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Event, Registration
from calendar_app.services.events import cancel_event
from calendar_app.services.seats import FEW_SEATS, few_seats_threshold
from calendar_app.timeutil import to_local, utcnow
from tests.factories import make_event, make_registration
from tests.openapi_contract import Contract


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def badge_after(html: str, marker: str) -> tuple[str, str]:
    """(state class, words) of the first seat badge after ``marker`` in ``html``."""
    start = html.index(marker)
    match = re.compile(
        r'<span class="badge seat-state seat-([a-z-]+)"><span class="seat-icon" '
        r'aria-hidden="true">[^<]+</span>([^<]*)</span>'
    ).search(html, start)
    assert match, f"no seat badge after {marker}"
    return match.group(1), match.group(2).strip()


def card_badge(html: str, event_id: int) -> tuple[str, str]:
    return badge_after(html, f'id="event-{event_id}-title"')


def page_badge(html: str) -> tuple[str, str]:
    """The event page says how the seats stand once, near the title."""
    assert html.count('class="badge seat-state') == 1
    return badge_after(html, 'id="event-title"')


def panel(html: str) -> str:
    start = html.index('<section class="registration-panel"')
    return html[start : html.index("</section>", start)]


def seats_input(html: str) -> str:
    match = re.search(r'<input[^>]*id="seats"[^>]*>', html)
    assert match, "the registration form has a seats field"
    return match.group(0)


def fill(event_id: int, seats: int, status: str = "confirmed") -> None:
    make_registration(event_id, seats=seats, status=status, created_at=utcnow())


# Each builder makes one event in a state, in an app context, and returns its id.
def _plenty() -> int:
    return make_event(capacity=30, now=utcnow()).id


def _few_left() -> int:
    event = make_event(capacity=30, now=utcnow())
    for _party in range(6):
        fill(event.id, 4)
    fill(event.id, 3)  # 27 of 30: 3 left
    return event.id


def _two_free_while_four_wait() -> int:
    event = make_event(capacity=10, max_party=4, now=utcnow())
    fill(event.id, 4)
    fill(event.id, 4)
    fill(event.id, 4, status="waitlisted")
    return event.id


def _full_without_waitlist() -> int:
    event = make_event(capacity=4, max_party=4, waitlist_enabled=False, now=utcnow())
    fill(event.id, 4)
    return event.id


def _not_yet_open() -> int:
    now = utcnow()
    return make_event(capacity=30, opens_at=now + timedelta(days=2), now=now).id


def _closed() -> int:
    now = utcnow()
    return make_event(
        capacity=30, closes_at=now - timedelta(hours=1), now=now - timedelta(days=1)
    ).id


def _ended() -> int:
    now = utcnow()
    return make_event(
        capacity=31, starts_at=now - timedelta(days=2), now=now - timedelta(days=10)
    ).id


def _cancelled() -> int:
    now = utcnow()
    event = make_event(capacity=30, now=now)
    cancel_event(event, now)
    return event.id


def _drop_in() -> int:
    return make_event(registration="none", now=utcnow()).id


# state, builder, seats_left in the API, the words of the badge, a sentence of the panel
STATES: list[tuple[str, Callable[[], int], int | None, str, str]] = [
    ("plenty", _plenty, 30, "30 seats left", "30 seats left."),
    ("few_left", _few_left, 3, "Only 3 seats left", "3 seats are free now; a larger party"),
    ("waitlist", _two_free_while_four_wait, 0, "Full: waitlist open", "join the waitlist"),
    ("full", _full_without_waitlist, 0, "Fully booked", "All seats are taken."),
    ("not_yet_open", _not_yet_open, 30, "Registration opens ", "Registration opens on "),
    ("closed", _closed, 30, "Registration closed", "Registration for this event is closed."),
    ("ended", _ended, 31, "The event has ended", "This event has ended."),
    ("cancelled", _cancelled, 30, "Cancelled", "This event is cancelled"),
    ("drop_in", _drop_in, None, "Drop in: no registration needed", "No registration needed"),
]


@pytest.mark.parametrize(
    ("state", "build", "seats_left", "badge", "sentence"), STATES, ids=[s[0] for s in STATES]
)
def test_each_seat_state_reads_the_same_on_cards_event_page_and_api(
    app, client, state, build, seats_left, badge, sentence
):
    with app.app_context():
        event_id = build()
        db.session.commit()
        event = db.session.get(Event, event_id)
        local_day = to_local(event.starts_at, event.branch.timezone).date().isoformat()
        slug = event.branch.slug
    css = state.replace("_", "-")

    listing = text_of(client.get(f"/?lang=en&from={local_day}&to={local_day}"))
    card_state, words = card_badge(listing, event_id)
    assert card_state == css and words.startswith(badge)
    if state != "ended":  # the branch page lists what has not ended
        branch_page = text_of(client.get(f"/branches/{slug}?lang=en"))
        assert card_badge(branch_page, event_id)[0] == css

    page = text_of(client.get(f"/events/{event_id}?lang=en"))
    page_state, words = page_badge(page)
    assert page_state == css and words.startswith(badge)
    assert sentence in panel(page)
    if state == "ended":
        assert "seats left" not in page

    api = Contract(client.get("/api/v1/openapi.json").get_json())
    answer = api.check(client.get(f"/api/v1/events/{event_id}"), "/events/{event_id}", "get")
    assert answer["seat_state"] == state and answer["seats_left"] == seats_left
    listed = client.get(f"/api/v1/events?from={local_day}&to={local_day}").get_json()["events"]
    assert [item["seat_state"] for item in listed if item["id"] == event_id] == [state]


def test_not_yet_open_says_when_registration_opens(app, client):
    with app.app_context():
        event_id = _not_yet_open()
        db.session.commit()
    page = text_of(client.get(f"/events/{event_id}?lang=en"))
    words = page_badge(page)[1]
    assert re.fullmatch(r"Registration opens \w+ \d{1,2}, \d{4} at \d{1,2}:\d{2}( [AP]M)?", words)
    assert "Register" not in panel(page).replace("Registration", "")


def test_two_free_while_four_wait_offers_no_seat_and_the_form_says_the_party_waits(app, client):
    with app.app_context():
        event_id = _two_free_while_four_wait()
        db.session.commit()
    page = text_of(client.get(f"/events/{event_id}?lang=en"))
    assert "2 seats left" not in page and "seats left" not in panel(page)
    assert "Register to join the waitlist" in panel(page)
    assert ">Join the waitlist</button>" in panel(page)
    assert client.get(f"/api/v1/events/{event_id}").get_json()["seats_left"] == 0

    response = client.post(
        f"/events/{event_id}/register",
        data={"name": "Әсем", "email": "asem@example.kz", "seats": "2", "website": ""},
    )
    assert response.status_code == 303
    assert "On the waitlist" in text_of(client.get(response.headers["Location"] + "?lang=en"))


def test_without_a_waitlist_the_form_offers_only_the_seats_that_are_free(app, client):
    with app.app_context():
        event = make_event(capacity=10, max_party=4, waitlist_enabled=False, now=utcnow())
        fill(event.id, 4)
        fill(event.id, 4)  # 2 free
        event_id = event.id
        db.session.commit()
    page = text_of(client.get(f"/events/{event_id}?lang=en"))
    assert 'max="2"' in seats_input(page) and "up to 2." in panel(page)
    assert "Only 2 seats left" in page

    response = client.post(
        f"/events/{event_id}/register",
        data={"name": "Әсем", "email": "asem@example.kz", "seats": "3", "website": ""},
    )
    assert response.status_code == 409
    body = text_of(response)
    assert 'id="seats-error"' in body and "Only 2 seats are free now." in body
    with app.app_context():
        stored = db.session.execute(
            select(func.count(Registration.id)).where(Registration.event_id == event_id)
        ).scalar_one()
    assert stored == 2
    api = client.post(
        f"/api/v1/events/{event_id}/registrations",
        json={"name": "Әсем", "email": "asem@example.kz", "seats": 3},
    )
    assert api.status_code == 409 and api.get_json()["error"] == "Only 2 seats are free now."


def test_with_a_waitlist_a_larger_party_is_told_it_will_wait_and_does(app, client):
    with app.app_context():
        event = make_event(capacity=10, max_party=4, now=utcnow())
        fill(event.id, 4)
        fill(event.id, 4)  # 2 free, nobody waiting
        event_id = event.id
        db.session.commit()
    page = text_of(client.get(f"/events/{event_id}?lang=en"))
    assert 'max="4"' in seats_input(page)
    assert "2 seats are free now; a larger party joins the waitlist." in panel(page)
    response = client.post(
        f"/events/{event_id}/register",
        data={"name": "Әсем", "email": "asem@example.kz", "seats": "4", "website": ""},
    )
    assert response.status_code == 303
    assert "On the waitlist" in text_of(client.get(response.headers["Location"] + "?lang=en"))
    # Now someone waits: nothing is offered to the next party.
    assert client.get(f"/api/v1/events/{event_id}").get_json()["seat_state"] == "waitlist"


def test_plenty_of_seats_offers_the_largest_party(app, client):
    with app.app_context():
        event_id = make_event(capacity=30, max_party=4, waitlist_enabled=False, now=utcnow()).id
        db.session.commit()
    page = text_of(client.get(f"/events/{event_id}?lang=en"))
    assert 'max="4"' in seats_input(page) and "larger party" not in page


def test_the_few_seats_threshold_is_five_or_a_tenth_of_the_capacity():
    assert FEW_SEATS == 5
    assert few_seats_threshold(20) == 5 and few_seats_threshold(120) == 12


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_states_are_translated(app, client, lang):
    with app.app_context():
        ids = {state: build() for state, build, *_ in STATES}
        db.session.commit()
    english = {
        state: page_badge(text_of(client.get(f"/events/{i}?lang=en")))[1]
        for state, i in ids.items()
    }
    for state, event_id in ids.items():
        words = page_badge(text_of(client.get(f"/events/{event_id}?lang={lang}")))[1]
        assert words and words != english[state], (lang, state, words)
