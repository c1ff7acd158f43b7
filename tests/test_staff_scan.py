"""Scanning at the door (/staff/scan): every answer of the scan endpoint, bad input, other
branches, the page without JavaScript, and the warnings of the confirm page a QR code opens."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from calendar_app.extensions import db
from calendar_app.models import Event, Registration
from calendar_app.services.events import cancel_event
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.timeutil import to_local, utcnow
from tests.conftest import BASE_URL
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.staff_support import CHEAP_METHOD, log_in, make_staff

RU_MONTHS = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@pytest.fixture
def door(app, client):
    """Today's master class (going on now) with parties in every state, another event today, one
    in three days, and another branch's event; the door volunteer is logged in."""
    with app.app_context():
        now = utcnow()
        branch = make_branch("children", name="Children's library")
        other_branch = make_branch("other", name="Other library")
        hall = make_venue(branch, "Hall", capacity=40)
        today = make_event(
            branch,
            hall,
            title="Құтадғу білік",
            starts_at=now - timedelta(minutes=30),
            minutes=120,
            now=now - timedelta(days=1),
        )
        also_today = make_event(
            branch,
            make_venue(branch, "Small room", capacity=40),
            title="Шексіздік сыртындағы шам",
            starts_at=now - timedelta(minutes=10),
            minutes=60,
            now=now - timedelta(days=1),
        )
        later = make_event(
            branch, hall, title="Ертегілер әлемі", starts_at=now + timedelta(days=3), now=now
        )
        foreign = make_event(
            other_branch,
            title="Foreign reading",
            starts_at=now - timedelta(minutes=30),
            now=now - timedelta(days=1),
        )
        tokens = {}

        def party(key, event, name, **fields):
            token = f"{key}-token-0123456789abcdef"
            make_registration(event.id, name, token=token, **fields)
            tokens[key] = token

        party("family", today, "Айгерім Сәрсенова", seats=3)
        party("pair", today, "Иван Петров", seats=2)
        party("waiting", today, "Waiting Person", status="waitlisted")
        party("gone", today, "Cancelled Person", status="cancelled")
        party("elsewhere", also_today, "Other Event Person")
        party("tomorrow", later, "Later Person", seats=2)
        party("stranger", foreign, "Secret Stranger")
        staff = make_staff("door@example.kz", branches=[branch])
        make_staff("other@example.kz", branches=[other_branch])
        db.session.commit()
        ids = {
            "today": today.id,
            "also_today": also_today.id,
            "later": later.id,
            "foreign": foreign.id,
            "staff": staff.get_id(),
            "staff_id": staff.id,
        }
    log_in(client, ids["staff"])
    return {"ids": ids, "codes": {key: checkin_code_for(token) for key, token in tokens.items()}}


def scan(client, code, event=None, **query):
    query = dict(query, **({"event": event} if event else {}))
    return client.post("/staff/scan/check-in", json={"code": code}, query_string=query)


def rows(app):
    """Every registration's name, status, check-in and last change: what a refusal must keep."""
    with app.app_context():
        return {
            r.name: (r.status, r.checked_in_at, r.checked_in_by_id, r.updated_at)
            for r in db.session.execute(db.select(Registration)).scalars()
        }


def checked_in_at(app, name):
    with app.app_context():
        return db.session.execute(
            db.select(Registration.checked_in_at).where(Registration.name == name)
        ).scalar_one()


def test_a_scan_checks_the_party_in_and_a_second_scan_says_already(app, client, door):
    response = scan(client, door["codes"]["family"], event=door["ids"]["today"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["result"] == "checked_in" and body["admitted"] is True
    assert body["title"] == "Checked in"
    assert body["party"] == "Айгерім Сәрсенова, 3 seats"
    with app.app_context():
        family = db.session.execute(
            db.select(Registration).where(Registration.name == "Айгерім Сәрсенова")
        ).scalar_one()
        assert family.checked_in_at is not None
        assert family.checked_in_by_id == door["ids"]["staff_id"]
        clock = to_local(family.checked_in_at, "Asia/Almaty").strftime("%H:%M")
    before = rows(app)
    # The QR code holds the whole check-in link; the page accepts it as well as the bare code.
    again = scan(client, f"{BASE_URL}/staff/check-in/{door['codes']['family']}")
    assert again.status_code == 409
    body = again.get_json()
    assert body["result"] == "already_checked_in" and body["admitted"] is False
    assert body["title"] == f"Already checked in at {clock}"
    assert re.fullmatch(r"Already checked in at \d\d:\d\d", body["title"])
    assert body["party"] == "Айгерім Сәрсенова, 3 seats"
    assert rows(app) == before


def test_phones_scanning_the_same_code_at_once_check_in_once(app, door):
    """Several volunteers' phones send the same code at the same moment: one checks the party in,
    the others are told it is already checked in."""
    phones = 3
    barrier = threading.Barrier(phones)
    answers: list[str] = []
    errors: list[BaseException] = []

    def phone() -> None:
        try:
            client = log_in(app.test_client(), door["ids"]["staff"])
            barrier.wait()
            answers.append(scan(client, door["codes"]["pair"]).get_json()["result"])
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=phone) for _ in range(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(answers) == ["already_checked_in"] * (phones - 1) + ["checked_in"]
    assert checked_in_at(app, "Иван Петров") is not None


def test_one_seat_is_singular(client, door):
    response = scan(client, door["codes"]["elsewhere"])
    assert response.get_json()["party"] == "Other Event Person, 1 seat"


@pytest.mark.parametrize(
    ("key", "result", "reason"),
    [
        ("waiting", "waitlisted", "On the waitlist: no seat yet."),
        ("gone", "cancelled", "This registration is cancelled."),
        ("elsewhere", "other_event", "This registration is for “Шексіздік сыртындағы шам”."),
    ],
)
def test_refusals_say_why_and_change_nothing(app, client, door, key, result, reason):
    before = rows(app)
    response = scan(client, door["codes"][key], event=door["ids"]["today"])
    assert response.status_code == 409
    body = response.get_json()
    assert (body["result"], body["admitted"], body["title"]) == (result, False, "Not admitted")
    assert body["reason"] == reason
    assert rows(app) == before


def test_a_code_for_another_event_is_fine_when_the_page_is_not_tied_to_one(app, client, door):
    response = scan(client, door["codes"]["elsewhere"])
    assert response.status_code == 200 and response.get_json()["result"] == "checked_in"
    assert checked_in_at(app, "Other Event Person") is not None


def expected_day(app, event_id, months):
    with app.app_context():
        start = to_local(db.session.get(Event, event_id).starts_at, "Asia/Almaty")
    year = "" if start.year == to_local(utcnow(), "Asia/Almaty").year else f" {start.year}"
    return f"{start.day}\u00a0{months[start.month - 1]}{year}".replace(" ", "\u00a0")


def test_a_code_for_another_day_names_the_day_in_the_staff_language(app, client, door):
    before = rows(app)
    response = scan(client, door["codes"]["tomorrow"])
    assert response.status_code == 409
    body = response.get_json()
    assert body["result"] == "other_day"
    day = expected_day(app, door["ids"]["later"], EN_MONTHS)
    assert body["reason"] == f"This registration is for {day}."
    assert body["party"] == "Later Person, 2 seats"
    russian = scan(client, door["codes"]["tomorrow"], lang="ru").get_json()
    assert expected_day(app, door["ids"]["later"], RU_MONTHS) in russian["reason"]
    assert russian["title"] != "Not admitted" and russian["reason"] != body["reason"]
    assert rows(app) == before


def test_a_cancelled_event_admits_nobody(app, client, door):
    with app.app_context():
        cancel_event(db.session.get(Event, door["ids"]["today"]), utcnow())
        db.session.commit()
    before = rows(app)
    response = scan(client, door["codes"]["family"])
    assert response.status_code == 409
    body = response.get_json()
    assert body["result"] == "event_cancelled"
    assert body["reason"] == "This event has been cancelled."
    assert rows(app) == before


def test_another_branch_gets_403_without_the_name(app, client, door):
    before = rows(app)
    for tied in (None, door["ids"]["today"]):
        response = scan(client, door["codes"]["stranger"], event=tied)
        assert response.status_code == 403
        assert response.get_json()["result"] == "forbidden"
        assert "Secret Stranger" not in response.get_data(as_text=True)
    assert rows(app) == before


@pytest.mark.parametrize(
    "text",
    [
        "not-one-of-ours-0123456789abcdef",
        "family-token-0123456789abcdef",  # the manage token is not a check-in code
        "https://example.org/some/poster",
        "WIFI:S:library;T:WPA;P:secret;;",
        "abc\x00def\nghi\x1b[31m",
        "https://evil.example/staff/check-in/{family}",
        f"{BASE_URL}/staff/check-in/",
        f"{BASE_URL}/staff/check-in/{{family}}/extra",
        "Ертегілер әлемі",
    ],
)
def test_codes_that_are_not_ours(app, client, door, text):
    before = rows(app)
    response = scan(client, text.format(family=door["codes"]["family"]))
    assert response.status_code == 404
    body = response.get_json()
    assert body["result"] == "unknown"
    assert body["reason"] == "This is not one of our check-in codes."
    assert rows(app) == before


@pytest.mark.parametrize("code", ["", "   ", None, 42, ["a"], {"code": "x"}, "x" * 2001, True])
def test_no_code_or_a_huge_one_is_422(app, client, door, code):
    before = rows(app)
    response = scan(client, code)
    assert response.status_code == 422
    assert response.get_json()["result"] == "invalid"
    assert rows(app) == before


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"code"', b"null", b"not json at all", b'{"code": ', b"\xff\xfe"],
)
def test_a_body_that_is_not_a_json_object_is_400(app, client, door, body):
    before = rows(app)
    response = client.post(
        "/staff/scan/check-in", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert rows(app) == before


def test_a_form_body_on_the_json_endpoint_is_400(client, door):
    response = client.post("/staff/scan/check-in", data={"code": door["codes"]["family"]})
    assert response.status_code == 400


def test_the_event_argument_is_checked(client, door):
    code = door["codes"]["family"]
    for bad in ("abc", "-1", "1.5", "9" * 30):
        assert client.get(f"/staff/scan?event={bad}").status_code == 400
        assert scan(client, code, event=bad).status_code == 400
    assert client.get("/staff/scan?event=999999").status_code == 404
    assert scan(client, code, event=999999).status_code == 404
    assert client.get(f"/staff/scan?event={door['ids']['foreign']}").status_code == 403
    assert scan(client, code, event=door["ids"]["foreign"]).status_code == 403


def test_not_logged_in(app, client, door):
    log_in(client, None)
    page = client.get("/staff/scan")
    assert page.status_code == 302 and page.headers["Location"].startswith("/staff/login")
    response = scan(client, door["codes"]["family"])
    assert response.status_code == 401 and response.get_json()["result"] == "not_logged_in"
    typed = client.post("/staff/scan", data={"code": door["codes"]["family"]})
    assert typed.status_code == 302
    assert checked_in_at(app, "Айгерім Сәрсенова") is None


def test_the_page_lists_the_events_at_the_door_and_loads_only_local_scripts(client, door):
    page = client.get("/staff/scan")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'href="/staff/scan?event={door["ids"]["today"]}"' in text
    assert f'href="/staff/scan?event={door["ids"]["also_today"]}"' in text
    assert "Ертегілер әлемі" not in text and "Foreign reading" not in text
    scripts = re.findall(r"<script\b[^>]*>", text)
    assert scripts and all(re.search(r'src="/static/[^"]+"', tag) for tag in scripts)
    assert any("/static/vendor/jsQR.js" in tag for tag in scripts)
    assert " style=" not in text and " onclick=" not in text
    vendor = client.get("/static/vendor/jsQR.js")
    assert vendor.status_code == 200 and b"jsQR 1.4.0" in vendor.data[:200]
    tied = client.get(f"/staff/scan?event={door['ids']['today']}").get_data(as_text=True)
    assert "Құтадғу білік" in tied
    assert f'action="/staff/events/{door["ids"]["today"]}/roster"' in tied
    assert f'data-endpoint="/staff/scan/check-in?event={door["ids"]["today"]}"' in tied
    dashboard = client.get("/staff/").get_data(as_text=True)
    assert 'class="button button-secondary" href="/staff/scan">Scan QR codes</a>' in dashboard


def test_a_typed_code_works_without_javascript(app, client, door):
    url = f"/staff/scan?event={door['ids']['today']}"
    response = client.post(url, data={"code": f" {door['codes']['pair']}\n"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    status = text.split('role="status">', 1)[1].split("</div>", 1)[0]
    assert "Checked in" in status and "Иван Петров, 2 seats" in status
    assert checked_in_at(app, "Иван Петров") is not None
    refused = client.post(url, data={"code": "nonsense"})
    assert refused.status_code == 404
    alert = refused.get_data(as_text=True).split('role="alert">', 1)[1].split("</div>", 1)[0]
    assert "This is not one of our check-in codes." in alert
    empty = client.post(url, data={"code": ""})
    assert empty.status_code == 422
    assert "Scan a QR code or type its code." in empty.get_data(as_text=True)
    foreign = client.post(url, data={"code": door["codes"]["stranger"]})
    assert foreign.status_code == 403
    assert "Secret Stranger" not in foreign.get_data(as_text=True)


def confirm_page(client, code):
    text = client.get(f"/staff/check-in/{code}").get_data(as_text=True)
    return text.split("</h1>", 1)[1]


def test_the_confirm_page_warns_before_its_button(app, client, door):
    codes = door["codes"]
    ready = confirm_page(client, codes["family"])
    assert 'role="alert"' not in ready and "<button" in ready.split("<footer", 1)[0]
    later = confirm_page(client, codes["tomorrow"])
    day = expected_day(app, door["ids"]["later"], EN_MONTHS)
    assert f"This registration is for {day}." in later
    # On another day the warning comes first, and staff may still decide to check in.
    assert later.index(f"This registration is for {day}.") < later.index('type="submit">Check in')
    for key, reason in (
        ("waiting", "On the waitlist: no seat yet."),
        ("gone", "This registration is cancelled."),
    ):
        page = confirm_page(client, codes[key])
        assert 'role="alert"' in page and reason in page
        assert 'type="submit">Check in' not in page
    client.post(f"/staff/check-in/{codes['family']}")
    clock = to_local(checked_in_at(app, "Айгерім Сәрсенова"), "Asia/Almaty").strftime("%H:%M")
    already = confirm_page(client, codes["family"])
    assert f"Already checked in at {clock}" in already
    assert 'type="submit">Check in' not in already


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True, "STAFF_PASSWORD_METHOD": CHEAP_METHOD}

    def test_a_scan_without_the_csrf_token_is_refused(self, app, client, door):
        before = rows(app)
        response = scan(client, door["codes"]["family"])
        assert response.status_code == 400
        assert rows(app) == before
        page = client.get("/staff/scan").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(
            "/staff/scan/check-in",
            json={"code": door["codes"]["family"]},
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 200 and response.get_json()["result"] == "checked_in"

    def test_a_typed_code_without_the_csrf_token_is_refused(self, app, client, door):
        before = rows(app)
        response = client.post("/staff/scan", data={"code": door["codes"]["family"]})
        assert response.status_code == 400
        assert rows(app) == before
