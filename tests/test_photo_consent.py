"""The party's answer about being photographed at the event (``photo_consent``).

- The registration form offers it opt-in (unticked), says that parents or guardians decide for
  the children and that photos may appear in the library's news; it survives a failed POST and
  the language switch after it; a value that is not the checkbox's is refused.
- The public API takes ``true`` or ``false`` (missing: false) and refuses anything else with a
  422 naming the field, storing nothing; the visitor's JSON and the staff list show it.
- The manage page shows the answer and changes it with one button (CSRF); not for a cancelled
  registration; a course booking changes on every date.
- Staff see who must not be photographed: roster (with a count), waitlist, sign-in sheet, CSV,
  the door's answer and the check-in page. Another branch's staff see none of it.
- The purge and the visitor's erasure keep the answer (it identifies nobody).
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from calendar_app.extensions import db
from calendar_app.models import Registration, StaffUser
from calendar_app.services import api_tokens, course_bookings, photo_consent
from calendar_app.services import registrations as regs
from calendar_app.services.errors import Conflict, InvalidInput
from calendar_app.services.personal_data import erase_registration, purge_personal_data
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.staff_api_support import bearer
from tests.staff_support import log_in, make_staff
from tests.test_course_bookings import make_course
from tests.test_series_public import season  # noqa: F401 (a fixture)

CSRF = [{"WTF_CSRF_ENABLED": True}]
NAME = "Гүлнар Әбенова"
CHECKBOX = re.compile(r'<input[^>]*\bid="photo_consent"[^>]*>')


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    return found.group(1)


def checkbox(page: str) -> str:
    found = CHECKBOX.search(page)
    assert found, "the form has the photo consent checkbox"
    return found.group(0)


def answers() -> list[bool]:
    """The stored answers, in the order of the rows."""
    rows = db.session.execute(select(Registration.photo_consent).order_by(Registration.id))
    result = list(rows.scalars())
    db.session.rollback()  # end the read, so the requests that follow can write
    return result


def count() -> int:
    number = db.session.execute(select(func.count(Registration.id))).scalar_one()
    db.session.rollback()
    return number


@pytest.fixture
def event_id(ctx):
    event = make_event(capacity=10, max_party=4, now=utcnow(), title="Күй кеші")
    db.session.commit()
    return event.id


def post_form(client, event_id, **fields):
    data = {"name": NAME, "email": "gulnar@example.kz", "seats": "2", "website": ""}
    data.update(fields)
    return client.post(f"/events/{event_id}/register", data=data)


def token_from(response) -> str:
    return response.headers["Location"].rsplit("/r/", 1)[1]


def sign_up(event_id: int, email: str, consent: object = False) -> regs.RegistrationResult:
    result = regs.register(
        event_id,
        name=email.split("@")[0],
        email=email,
        seats=1,
        language="en",
        source="web",
        now=utcnow(),
        photo_consent=consent,
    )
    db.session.commit()
    return result


# The registration form


def test_the_form_offers_an_unticked_choice_that_explains_itself(client, event_id):
    page = client.get(f"/events/{event_id}?lang=en").get_data(as_text=True)
    box = checkbox(page)
    assert 'type="checkbox"' in box and 'value="yes"' in box and "checked" not in box
    assert 'name="photo_consent"' in box and "required" not in box
    assert '<label for="photo_consent">We agree to be photographed at the event</label>' in page
    hint = re.search(r'<p class="hint" id="photo_consent-hint">([^<]*)</p>', page).group(1)
    assert "parent or guardian decides" in hint and "library's news" in hint
    assert 'aria-describedby="photo_consent-hint"' in box
    assert re.search(r"<legend>Photos at the event</legend>", page)


def test_the_choice_is_explained_in_every_language(app, client):
    with app.app_context():  # not ``ctx``: each request then picks its own language
        event = make_event(capacity=10, now=utcnow())
        db.session.commit()
        event_id = event.id
    for lang, words in (
        ("ru", "за детей решают их родители или законные представители"),
        ("kk", "балалар үшін олардың ата-анасы немесе заңды өкілі шешеді"),
        ("en", "for the children in it, their parent or guardian decides"),
    ):
        page = client.get(f"/events/{event_id}?lang={lang}").get_data(as_text=True)
        assert words in page and "checked" not in checkbox(page)


def test_without_a_tick_no_consent_is_stored(client, event_id):
    assert post_form(client, event_id).status_code == 303
    assert answers() == [False]


def test_a_tick_is_stored_and_shown_on_the_manage_page(client, event_id):
    response = post_form(client, event_id, photo_consent="yes")
    assert response.status_code == 303
    assert answers() == [True]
    page = text_of(client.get(f"/r/{token_from(response)}?lang=en"))
    assert "You agreed to be photographed." in page


@pytest.mark.parametrize("value", ["on", "true", "1", "Yes", "yes ", "", "\x00"])
def test_a_value_that_is_not_the_checkboxs_is_refused(client, event_id, value):
    response = post_form(client, event_id, photo_consent=value)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="photo_consent-error">([^<]*)</p>', page)
    assert error and "yes or no" in error.group(1)
    assert 'aria-invalid="true"' in checkbox(page) and "checked" not in checkbox(page)
    assert '<a href="#photo_consent">' in page  # the error summary leads to it
    assert count() == 0


def test_the_checkbox_sent_twice_is_refused(client, event_id):
    response = client.post(
        f"/events/{event_id}/register",
        data=MultiDict(
            [
                ("name", NAME),
                ("email", "a@example.kz"),
                ("seats", "1"),
                ("photo_consent", "yes"),
                ("photo_consent", "yes"),
            ]
        ),
    )
    assert response.status_code == 422 and count() == 0


def test_a_failed_registration_keeps_the_tick(client, event_id):
    failed = post_form(client, event_id, email="not-an-address", photo_consent="yes")
    assert failed.status_code == 422
    assert "checked" in checkbox(failed.get_data(as_text=True))
    unticked = post_form(client, event_id, email="not-an-address")
    assert "checked" not in checkbox(unticked.get_data(as_text=True))
    assert count() == 0


@pytest.mark.parametrize("app_config", CSRF)
@pytest.mark.parametrize("ticked", [True, False])
def test_the_language_switch_after_a_failed_post_keeps_the_answer(client, event_id, ticked):
    page = client.get(f"/events/{event_id}?lang=en").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "name": NAME, "email": "bad", "seats": "3"}
    if ticked:
        data["photo_consent"] = "yes"
    failed = client.post(f"/events/{event_id}/register", data=data)
    assert failed.status_code == 422
    switch = re.search(
        r'<form method="post" action="([^"]+)" class="lang-form">(.*?)</form>',
        failed.get_data(as_text=True),
        re.S,
    )
    hidden = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="(\w+)" value="([^"]*)"', switch.group(2)
        )
    }
    assert ("photo_consent" in hidden) is ticked
    moved = client.post(switch.group(1), data={**hidden, "lang": "ru"})
    assert moved.status_code == 303
    shown = client.get(moved.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert NAME in shown
    assert ("checked" in checkbox(shown)) is ticked
    # Once: the next visit starts unticked again.
    assert "checked" not in checkbox(client.get(f"/events/{event_id}").get_data(as_text=True))


@pytest.mark.parametrize("app_config", CSRF)
def test_a_tick_alone_survives_the_language_switch(client, event_id):
    page = client.get(f"/events/{event_id}?lang=en").get_data(as_text=True)
    kept = client.post(
        f"/events/{event_id}/typed",
        data={"csrf_token": csrf_of(page), "photo_consent": "yes", "lang": "kk"},
    )
    assert kept.status_code == 303
    shown = client.get(kept.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert "checked" in checkbox(shown)
    # A value that is not the checkbox's is not kept as a yes.
    client.post(
        f"/events/{event_id}/typed",
        data={"csrf_token": csrf_of(page), "name": NAME, "photo_consent": "on", "lang": "kk"},
    )
    shown = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert NAME in shown and "checked" not in checkbox(shown)


def test_a_course_booked_on_the_form_keeps_the_answer_on_every_date(
    app,
    client,
    season,  # noqa: F811
):
    answer = client.post(
        f"/series/{season['course']}/register",
        data={"name": "Алия", "email": "aliya@example.kz", "seats": "2", "photo_consent": "yes"},
    )
    assert answer.status_code == 303
    with app.app_context():
        assert answers() == [True] * len(season["course_dates"])
    refused = client.post(
        f"/series/{season['course']}/register",
        data={"name": "Ерлан", "email": "erlan@example.kz", "seats": "1", "photo_consent": "1"},
    )
    assert refused.status_code == 422
    with app.app_context():
        assert count() == len(season["course_dates"])


# The public API


@pytest.mark.parametrize(("sent", "stored"), [(True, True), (False, False), (None, False)])
def test_the_api_takes_true_false_or_nothing(client, event_id, sent, stored):
    body = {"name": "Әлия", "email": "aliya@example.kz", "seats": 1}
    if sent is not None:
        body["photo_consent"] = sent
    created = client.post(f"/api/v1/events/{event_id}/registrations", json=body)
    assert created.status_code == 201
    assert created.get_json()["photo_consent"] is stored
    state = client.get(f"/api/v1/registrations/{created.get_json()['token']}").get_json()
    assert state["photo_consent"] is stored
    assert answers() == [stored]


@pytest.mark.parametrize(
    "value", ["true", "false", "yes", 1, 0, 1.0, None, [], [True], {}, {"value": True}, ""]
)
def test_the_api_refuses_anything_but_a_bool_and_stores_nothing(client, event_id, value):
    body = {"name": "Әлия", "email": "aliya@example.kz", "seats": 1, "photo_consent": value}
    response = client.post(f"/api/v1/events/{event_id}/registrations", json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["photo_consent"]
    assert count() == 0
    # With the other fields wrong too, every problem is named at once.
    body.update(name="", seats=0)
    errors = client.post(f"/api/v1/events/{event_id}/registrations", json=body).get_json()
    assert {"name", "seats", "photo_consent"} <= set(errors["errors"])


def test_a_course_booked_through_the_api_keeps_the_answer(
    app,
    client,
    season,  # noqa: F811
):
    url = f"/api/v1/series/{season['course']}/registrations"
    body = {"name": "Алия", "email": "aliya@example.kz", "seats": 1}
    assert client.post(url, json={**body, "photo_consent": "true"}).status_code == 422
    created = client.post(url, json={**body, "photo_consent": True})
    assert created.status_code == 201 and created.get_json()["photo_consent"] is True
    with app.app_context():
        assert answers() == [True] * len(season["course_dates"])


def test_the_services_refuse_non_bools(ctx):
    event = make_event(capacity=5, now=utcnow())
    for value in ("true", 1, None):
        with pytest.raises(InvalidInput) as refused:
            regs.register(
                event.id,
                name="A",
                email="a@example.kz",
                seats=1,
                language="en",
                source="api",
                now=utcnow(),
                photo_consent=value,
            )
        assert "photo_consent" in refused.value.errors
    walk_in = regs.add_walk_in(event.id, name="At the door", seats=1, staff_id=None, now=utcnow())
    assert walk_in.photo_consent is False  # nobody asked: no photos


# The manage page


def manage(client, token: str) -> str:
    return client.get(f"/r/{token}?lang=en").get_data(as_text=True)


def change(client, token: str, answer: str | None, *, csrf: bool = True):
    data = {} if answer is None else {"photo_consent": answer}
    if csrf:
        data["csrf_token"] = csrf_of(manage(client, token))
    return client.post(f"/r/{token}/photos", data=data)


@pytest.mark.parametrize("app_config", CSRF)
def test_the_visitor_gives_and_withdraws_consent_with_one_button(client, event_id):
    result = sign_up(event_id, "a@example.kz")
    page = re.sub(r"\s+", " ", manage(client, result.token))
    assert "No photos of your party." in page
    form = re.search(r'<form method="post" action="/r/[^"]+/photos">(.*?)</form>', page).group(1)
    assert '<input type="hidden" name="photo_consent" value="yes">' in form
    assert "We agree to be photographed" in form
    given = change(client, result.token, "yes")
    assert given.status_code == 303
    assert "staff may photograph" in text_of(client.get(given.headers["Location"] + "?lang=en"))
    assert answers() == [True]
    page = re.sub(r"\s+", " ", manage(client, result.token))
    assert "You agreed to be photographed." in page
    assert '<input type="hidden" name="photo_consent" value="no">' in page
    assert "Withdraw consent: no photos of us" in page
    withdrawn = change(client, result.token, "no")
    assert withdrawn.status_code == 303
    assert answers() == [False]
    # The same answer again changes nothing and is no error.
    assert change(client, result.token, "no").status_code == 303
    assert answers() == [False]


@pytest.mark.parametrize("app_config", CSRF)
def test_a_change_needs_the_forms_token(client, event_id):
    result = sign_up(event_id, "a@example.kz")
    refused = change(client, result.token, "yes", csrf=False)
    assert refused.status_code == 400
    assert "The form has expired" in text_of(refused)
    assert answers() == [False]


@pytest.mark.parametrize("app_config", CSRF)
@pytest.mark.parametrize("value", [None, "", "true", "1", "YES", "yes\x00", "x" * 10_000])
def test_a_change_to_something_but_yes_or_no_is_refused(client, event_id, value):
    result = sign_up(event_id, "a@example.kz", consent=True)
    refused = change(client, result.token, value)
    assert refused.status_code == 422
    page = text_of(refused)
    assert "yes or no" in page and "<title>Error: " in page and "data-error-summary" in page
    assert answers() == [True]


@pytest.mark.parametrize("app_config", CSRF)
def test_each_token_changes_its_own_registration_only(client, event_id):
    mine = sign_up(event_id, "mine@example.kz")
    sign_up(event_id, "theirs@example.kz")
    assert change(client, mine.token, "yes").status_code == 303
    assert answers() == [True, False]
    unknown = client.post(
        f"/r/{'x' * 40}/photos", data={"photo_consent": "yes", "csrf_token": "whatever"}
    )
    assert unknown.status_code == 404
    assert client.post("/r/short/photos", data={"photo_consent": "yes"}).status_code == 404
    assert client.get(f"/r/{mine.token}/photos").status_code == 405
    assert answers() == [True, False]


@pytest.mark.parametrize("app_config", CSRF)
def test_a_cancelled_registration_cannot_be_changed(client, event_id):
    result = sign_up(event_id, "a@example.kz")
    token = result.token
    regs.cancel(regs.find_by_token(token), utcnow())
    db.session.commit()
    page = manage(client, token)
    assert f"/r/{token}/photos" not in page
    csrf = csrf_of(client.get(f"/events/{event_id}").get_data(as_text=True))
    refused = client.post(f"/r/{token}/photos", data={"photo_consent": "yes", "csrf_token": csrf})
    assert refused.status_code == 303
    assert "cancelled" in text_of(client.get(refused.headers["Location"] + "?lang=en"))
    assert answers() == [False]


def test_a_course_booking_changes_on_every_date(ctx):
    course = make_course(dates=3)
    now = datetime(2026, 5, 1, tzinfo=UTC)
    booked = course_bookings.book_course(
        course.series.id,
        name="Алия",
        email="parent@example.kz",
        seats=1,
        language="kk",
        source="web",
        now=now,
    )
    db.session.commit()
    assert answers() == [False] * 3
    assert photo_consent.change_photo_consent(booked.registration, True, now) is True
    db.session.commit()
    assert answers() == [True] * 3
    regs.cancel(booked.registration, now)
    db.session.commit()
    with pytest.raises(Conflict):
        photo_consent.change_photo_consent(booked.registration, False, now)
    with pytest.raises(InvalidInput):
        photo_consent.change_photo_consent(booked.registration, "no", now)


# What staff see


@pytest.fixture
def door(app, client):
    """An event today in the staff member's branch: a family that said yes, one that said no,
    a walk-in (never asked), one waiting without consent; and a staff member of another branch.
    """
    with app.app_context():
        branch = make_branch("children", name="Children's library")
        other = make_branch("central", name="Central library")
        hall = make_venue(branch, "Hall", capacity=10)
        now = utcnow()
        event = make_event(
            branch,
            hall,
            title="Құтадғу білік",
            capacity=6,
            starts_at=now - timedelta(minutes=20),
            minutes=120,
            now=now - timedelta(days=1),
        )
        tokens = {}
        for key, name, consent, status in (
            ("yes", "Айгерім Сәрсенова", True, "confirmed"),
            ("no", "Иван Петров", False, "confirmed"),
            ("waiting", "Дана Waiting", False, "waitlisted"),
        ):
            tokens[key] = f"{key}-token-0123456789abcdef"
            row = make_registration(event.id, name, token=tokens[key], status=status, seats=2)
            row.photo_consent = consent
        make_registration(event.id, "Walk In", email=None, source="walk_in")
        staff = make_staff("door@example.kz", branches=[branch])
        stranger = make_staff("other@example.kz", branches=[other])
        db.session.commit()
        ids = {"event": event.id, "staff": staff.get_id(), "stranger": stranger.get_id()}
    log_in(client, ids["staff"])
    return {**ids, "codes": {key: checkin_code_for(token) for key, token in tokens.items()}}


NO_PHOTOS = re.compile(
    r'<span class="badge badge-no-photos"><svg class="no-photos-icon" aria-hidden="true"[^>]*>'
    r".*?</svg> No photos</span>",
    re.S,
)


def row_of(page: str, name: str) -> str:
    return re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{name}.*?</tr>", page, re.S).group(0)


def test_the_roster_marks_who_must_not_be_photographed_and_counts_them(client, door):
    page = client.get(f"/staff/events/{door['event']}/roster?lang=en").get_data(as_text=True)
    assert not NO_PHOTOS.search(row_of(page, "Айгерім Сәрсенова"))
    assert NO_PHOTOS.search(row_of(page, "Иван Петров"))
    assert NO_PHOTOS.search(row_of(page, "Walk In"))
    waiting = re.search(r"<li[^>]*>Дана Waiting.*?</li>", page, re.S).group(0)
    assert NO_PHOTOS.search(waiting)
    summary = re.search(r'<p class="photo-summary" id="photo-summary">(.*?)</p>', page, re.S)
    assert "2 confirmed parties did not agree to photos" in summary.group(1)
    assert "no-photos-icon" in summary.group(1)
    # A search narrows the parties, not the count.
    found = client.get(f"/staff/events/{door['event']}/roster?lang=en&q=Айгерім")
    assert "2 confirmed parties did not agree" in text_of(found)
    russian = client.get(f"/staff/events/{door['event']}/roster?lang=ru").get_data(as_text=True)
    assert "Не фотографировать" in row_of(russian, "Иван Петров")


def test_everyone_agreeing_is_said_too(app, client, door):
    with app.app_context():
        db.session.execute(
            Registration.__table__.update().values(photo_consent=True)  # type: ignore[attr-defined]
        )
        db.session.commit()
    page = text_of(client.get(f"/staff/events/{door['event']}/roster?lang=en"))
    assert "Every confirmed party agreed to be photographed." in page
    assert "badge-no-photos" not in page


def test_staff_record_the_answer_of_a_walk_in(app, client, door):
    page = client.get(f"/staff/events/{door['event']}/roster?lang=en").get_data(as_text=True)
    assert "They agree to be photographed (for children, a parent or guardian decides)" in page
    url = f"/staff/events/{door['event']}/walk-ins"
    yes = {"name": "Asked Yes", "seats": "1", "photo_consent": "y", "override_capacity": "y"}
    assert client.post(url, data=yes).status_code == 302
    full = {"name": "Not Asked", "seats": "1", "override_capacity": "y"}
    assert client.post(url, data=full).status_code == 302
    with app.app_context():
        added = dict(
            db.session.execute(
                select(Registration.name, Registration.photo_consent).where(
                    Registration.source == "walk_in"
                )
            ).all()
        )
    assert added == {"Walk In": False, "Asked Yes": True, "Not Asked": False}
    page = client.get(f"/staff/events/{door['event']}/roster?lang=en").get_data(as_text=True)
    assert not NO_PHOTOS.search(row_of(page, "Asked Yes"))
    assert NO_PHOTOS.search(row_of(page, "Not Asked"))


def test_the_sign_in_sheet_and_the_csv_show_the_answer(client, door):
    sheet = client.get(f"/staff/events/{door['event']}/sign-in-sheet?lang=en").get_data(
        as_text=True
    )
    assert '<th scope="col">Photos</th>' in sheet
    assert NO_PHOTOS.search(row_of(sheet, "Иван Петров"))
    assert "allowed" in row_of(sheet, "Айгерім Сәрсенова")
    response = client.get(f"/staff/events/{door['event']}/roster.csv?lang=en")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    column = rows[0].index("Photos")
    by_name = {row[1]: row[column] for row in rows[1:]}
    assert by_name == {
        "Айгерім Сәрсенова": "allowed",
        "Иван Петров": "No photos",
        "Walk In": "No photos",
        "Дана Waiting": "No photos",
    }


def test_the_door_says_no_photos(client, door):
    said_no = client.post(
        "/staff/scan/check-in?lang=en", json={"code": door["codes"]["no"]}
    ).get_json()
    assert said_no["admitted"] is True
    assert said_no["photos"] == "No photos: this party did not agree to be photographed."
    said_yes = client.post("/staff/scan/check-in", json={"code": door["codes"]["yes"]})
    assert said_yes.get_json()["photos"] == ""
    stranger = client.post("/staff/scan/check-in", json={"code": "not-ours-0123456789abcdef"})
    assert stranger.get_json()["photos"] == ""
    # A party the door turns away needs no warning; one already inside keeps it.
    waiting = client.post("/staff/scan/check-in", json={"code": door["codes"]["waiting"]})
    assert waiting.status_code == 409 and waiting.get_json()["photos"] == ""
    again = client.post("/staff/scan/check-in", json={"code": door["codes"]["no"]}).get_json()
    assert again["result"] == "already_checked_in" and again["photos"].startswith("No photos")
    # Without JavaScript: the typed code's page shows it with the icon.
    page = client.post("/staff/scan?lang=en", data={"code": door["codes"]["no"]})
    page = page.get_data(as_text=True)
    assert re.search(
        r'<p class="door-photos"><svg class="no-photos-icon"[^>]*>.*?</svg> No photos: ', page, re.S
    )
    confirm = client.get(f"/staff/check-in/{door['codes']['waiting']}?lang=en")
    assert NO_PHOTOS.search(confirm.get_data(as_text=True))


def test_the_staff_api_lists_the_answer_and_another_branch_sees_nothing(app, client, door):
    with app.app_context():
        accounts = {
            key: db.session.execute(
                select(StaffUser).where(StaffUser.email == f"{key}@example.kz")
            ).scalar_one()
            for key in ("door", "other")
        }
        mine = api_tokens.issue(accounts["door"], "door", utcnow()).secret
        theirs = api_tokens.issue(accounts["other"], "other", utcnow()).secret
        db.session.commit()
    url = f"/api/v1/staff/events/{door['event']}/registrations"
    rows = client.get(url, headers=bearer(mine)).get_json()["registrations"]
    assert {row["name"]: row["photo_consent"] for row in rows} == {
        "Айгерім Сәрсенова": True,
        "Иван Петров": False,
        "Walk In": False,
        "Дана Waiting": False,
    }
    assert client.get(url, headers=bearer(theirs)).status_code == 403
    log_in(client, door["stranger"])
    for page in ("roster", "roster.csv", "sign-in-sheet"):
        assert client.get(f"/staff/events/{door['event']}/{page}").status_code == 403
    denied = client.post("/staff/scan/check-in", json={"code": door["codes"]["no"]})
    assert denied.status_code == 403 and denied.get_json()["photos"] == ""


# Personal data


def test_the_purge_and_the_erasure_keep_the_answer_and_nothing_that_identifies(ctx):
    branch = make_branch()
    past = datetime(2025, 3, 10, 13, 0, tzinfo=UTC)
    old = make_event(branch, starts_at=past, capacity=10, now=past - timedelta(days=30))
    recent = make_event(branch, starts_at=utcnow() - timedelta(days=3), now=past)
    purged = make_registration(old.id, "Old Family", email="old@example.kz")
    purged.photo_consent = True
    erased = make_registration(recent.id, "Recent Family", token="erase-token-0123456789abcd")
    erased.photo_consent = True
    db.session.commit()
    purge_personal_data(utcnow(), timedelta(days=365))
    erase_registration(regs.find_by_token("erase-token-0123456789abcd"), utcnow())
    db.session.commit()
    for row in db.session.execute(select(Registration)).scalars():
        assert row.photo_consent is True
        assert row.name is None and row.email is None and row.email_normalized is None
