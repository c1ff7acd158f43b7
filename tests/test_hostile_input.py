"""Hostile input: dates outside 1900-2999, ids past the database's integer, control characters,
deeply nested JSON and rows that got into the database past every check.

Each refusal is a 4xx with a clear message (never a 500), changes nothing that is stored, and
leaves every feed answering 200.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, text

from calendar_app.extensions import db
from calendar_app.models import Event, OutboxMessage, StaffUser
from calendar_app.models.outbox import OUTBOX_SENT
from calendar_app.timeutil import utcnow
from tests.ical_checks import clear_feed_caches
from tests.staff_api_support import bearer, build_world, event_body
from tests.staff_support import log_in

RANGE = "between the years 1900 and 2999"
TOO_BIG = "2147483648"  # one past PostgreSQL's integer
HUGE = "99999999999999999999"
IGNORED_COLUMNS = {"last_used_at", "last_login_at"}  # a token or login in use, not a change


@pytest.fixture
def world(app, client):
    """Two branches with an event each (``staff_api_support.build_world``), API tokens, and the
    client logged in as the staff of the first branch (``chekhov``)."""
    clear_feed_caches()
    with app.app_context():
        found = build_world(with_registrations=False)
        found["session"] = db.session.get(StaffUser, found["staff"]["a"]).get_id()
    log_in(client, found["session"])
    return found


def stored(app) -> dict[str, list[tuple]]:
    """Every row of every table: what a refused request must leave exactly as it was."""
    with app.app_context():
        rows = {}
        for table in db.metadata.sorted_tables:
            columns = [column for column in table.columns if column.name not in IGNORED_COLUMNS]
            query = select(*columns).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in db.session.execute(query)]
        return rows


def assert_feeds_answer(client, world) -> None:
    for path in (
        "/calendar.ics",
        "/branches/chekhov/calendar.ics",
        f"/events/{world['event_a']}.ics",
        "/calendar.ics?lang=ru",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        Calendar.from_ical(response.data)


def send(client, world, method: str, url: str, body=None, token: str = "a"):
    """A request of the staff API (``token`` names the account) or a plain one (None)."""
    headers = bearer(world["secrets"][token]) if token else {}
    if body is None:
        return client.open(url, method=method, headers=headers)
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.open(
        url, method=method, headers=headers, data=data, content_type="application/json"
    )


# Dates ------------------------------------------------------------------------------------------

OUT_OF_RANGE_QUERIES = [
    ("/?from=0001-01-01", 400),
    ("/?to=9999-12-31", 400),
    ("/?from=9999-12-31", 400),
    ("/?from=1899-12-31", 400),
    ("/?to=3000-01-01", 400),
    ("/api/v1/events?from=9999-12-31", 422),
    ("/api/v1/events?from=0001-01-01", 422),
    ("/api/v1/events?to=9999-12-31", 422),
    ("/api/v1/events?to=0001-01-01", 422),
    ("/calendar?month=0001-01", 400),
    ("/calendar?month=3000-01", 400),
    ("/staff/stats?to=9999-12", 400),
    ("/staff/stats?from=0001-01", 400),
    ("/staff/stats.csv?to=9999-12", 400),
]


@pytest.mark.parametrize(("url", "status"), OUT_OF_RANGE_QUERIES)
def test_dates_outside_the_range_in_a_query_are_refused_clearly(app, client, world, url, status):
    before = stored(app)
    response = client.get(url)
    assert response.status_code == status
    if url.startswith("/api/"):
        (field,) = response.get_json()["errors"]
        assert field in url and RANGE in response.get_json()["errors"][field][0]
    else:
        assert RANGE in response.get_data(as_text=True)
    assert stored(app) == before
    assert_feeds_answer(client, world)


@pytest.mark.parametrize(
    "url",
    [
        "/?from=1900-01-01&to=2999-12-31",
        "/api/v1/events?from=2999-12-31",
        "/api/v1/events?to=1900-01-01",
        "/calendar?month=2999-12",
        "/calendar?month=1900-01",
        "/staff/stats?from=2999-07&to=2999-12",
        "/staff/stats.csv?from=1900-01&to=1900-12",
    ],
)
def test_the_first_and_last_days_of_the_range_are_accepted(client, world, url):
    assert client.get(url).status_code == 200


FAR_DATES = [
    ("9998-06-10T15:00", "9998-06-10T16:30"),
    ("9999-12-31T23:00", "9999-12-31T23:30"),
    ("0001-01-01T15:00", "0001-01-01T16:30"),
    ("1899-12-31T15:00", "1899-12-31T16:30"),
    ("3000-01-01T15:00", "3000-01-01T16:30"),
]


@pytest.mark.parametrize(("start", "end"), FAR_DATES)
def test_an_event_outside_the_range_is_refused_by_the_staff_api(app, client, world, start, end):
    before = stored(app)
    body = event_body(world["hall_a"], start=start, end=end)
    response = send(client, world, "POST", "/api/v1/staff/events", body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"start", "end"}
    assert RANGE in response.get_json()["errors"]["start"][0]
    patch = {"start": start, "end": end}
    response = send(client, world, "PATCH", f"/api/v1/staff/events/{world['event_a']}", patch)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"start", "end"}
    assert stored(app) == before
    assert_feeds_answer(client, world)


def event_form(world, **changes: str) -> dict[str, str]:
    """The staff event form as a browser posts it, for the first branch's hall."""
    form = {
        "branch_id": str(world["branch_a"]),
        "title": "Күй кеші",
        "description": "",
        "category": "concert",
        "audience": "all",
        "language": "kk",
        "venue_id": str(world["hall_a"]),
        "starts_at": "2027-06-10T15:00",
        "ends_at": "2027-06-10T16:30",
        "registration": "required",
        "capacity": "20",
        "max_party": "4",
        "waitlist_enabled": "y",
    }
    form.update(changes)
    return form


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": start, "ends_at": end}
        for start, end in FAR_DATES
        if not start.startswith(("1899", "3000"))  # those as opens/closes below
    ]
    + [
        {"opens_at": "0001-01-01T00:00"},
        {"closes_at": "9999-12-31T23:59"},
        {"opens_at": "1899-12-31T23:59"},
        {"closes_at": "3000-01-01T00:00"},
    ],
)
def test_an_event_outside_the_range_is_a_form_error(app, client, world, changes):
    before = stored(app)
    for url in ("/staff/events/new", f"/staff/events/{world['event_a']}/edit"):
        response = client.post(url, data=event_form(world, **changes))
        assert response.status_code == 422, url
        assert RANGE in response.get_data(as_text=True)
    assert stored(app) == before
    assert_feeds_answer(client, world)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;UNTIL=99991231",
        "FREQ=WEEKLY;BYDAY=SA;UNTIL=00010101",
        "FREQ=MONTHLY;UNTIL=30000101T000000Z",
        "FREQ=YEARLY;INTERVAL=10;COUNT=200",  # the last dates would be after 2999
        "FREQ=YEARLY;INTERVAL=1000;COUNT=10",  # past the year 9999 itself
    ],
)
def test_a_series_rule_reaching_outside_the_range_is_refused(app, client, world, rule):
    before = stored(app)
    for dry_run in (True, False):
        body = {**event_body(world["hall_a"]), "rrule": rule, "dry_run": dry_run}
        response = send(client, world, "POST", "/api/v1/staff/series", body)
        assert response.status_code == 422
        assert response.get_json() == {
            "errors": {"rrule": ["Give a date between the years 1900 and 2999."]}
        }
    assert stored(app) == before
    assert_feeds_answer(client, world)


def test_a_series_form_ending_outside_the_range_is_a_form_error(app, client, world):
    before = stored(app)
    form = event_form(world, frequency="weekly", weekdays="SA", ends="until", until="9999-12-31")
    for action in ("preview", "save"):
        response = client.post("/staff/series/new", data={**form, "action": action})
        assert response.status_code == 422
        assert RANGE in response.get_data(as_text=True)
    assert stored(app) == before


@pytest.mark.parametrize(
    "body",
    [
        {"start": "9999-12-31", "end": "9999-12-31", "reason": "Ремонт"},
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"rrule": "FREQ=MONTHLY;BYDAY=-1FR", "start": "9999-12-01"},
        {"rrule": "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=99991231"},
    ],
)
def test_a_closure_outside_the_range_is_refused(app, client, world, body):
    before = stored(app)
    response = send(client, world, "POST", "/api/v1/staff/branches/chekhov/closures", body)
    assert response.status_code == 422
    assert RANGE in json.dumps(response.get_json(), ensure_ascii=False)
    form = {"kind": "range", "start": "0001-01-01", "end": "0001-01-02", "reason": "x"}
    response = client.post(f"/staff/branches/{world['branch_a']}/closures", data=form)
    assert response.status_code == 422
    assert RANGE in response.get_data(as_text=True)
    assert stored(app) == before
    assert_feeds_answer(client, world)


def test_an_event_on_the_last_day_of_the_range_works_everywhere(app, client, world):
    """The far edge is safe: planned, listed, in its feed, registered for and mailed."""
    body = event_body(world["hall_a"], start="2999-12-31T22:00", end="2999-12-31T23:30")
    created = send(client, world, "POST", "/api/v1/staff/events", body)
    assert created.status_code == 201
    event_id = created.get_json()["id"]
    assert created.get_json()["end"] == "2999-12-31T23:30:00+05:00"
    party = {"name": "Әлия", "email": "aliya@example.kz", "seats": 2}
    registered = client.post(f"/api/v1/events/{event_id}/registrations", json=party)
    assert registered.status_code == 201
    for path in (f"/events/{event_id}", f"/events/{event_id}.ics", "/?from=2999-12-31"):
        assert client.get(path).status_code == 200, path
    assert_outbox_delivers(app)
    assert_feeds_answer(client, world)


# Ids --------------------------------------------------------------------------------------------

ID_URLS = [
    ("GET", "/events/{id}"),
    ("GET", "/events/{id}.ics"),
    ("POST", "/events/{id}/register"),
    ("POST", "/series/{id}/register"),
    ("GET", "/api/v1/events/{id}"),
    ("POST", "/api/v1/events/{id}/registrations"),
    ("GET", "/api/v1/series/{id}"),
    ("POST", "/api/v1/series/{id}/registrations"),
    ("PATCH", "/api/v1/staff/events/{id}"),
    ("POST", "/api/v1/staff/events/{id}/cancel"),
    ("GET", "/api/v1/staff/events/{id}/registrations"),
    ("POST", "/api/v1/staff/registrations/{id}/check-in"),
    ("PATCH", "/api/v1/staff/series/{id}"),
    ("POST", "/api/v1/staff/series/{id}/cancel"),
    ("DELETE", "/api/v1/staff/closures/{id}"),
    ("GET", "/staff/events/{id}/edit"),
    ("POST", "/staff/events/{id}/cancel"),
    ("GET", "/staff/events/{id}/roster"),
    ("GET", "/staff/events/{id}/roster.csv"),
    ("GET", "/staff/events/{id}/sign-in-sheet"),
    ("POST", "/staff/events/{id}/headcount"),
    ("POST", "/staff/events/{id}/walk-ins"),
    ("POST", "/staff/registrations/{id}/check-in"),
    ("POST", "/staff/registrations/{id}/undo-check-in"),
    ("GET", "/staff/series/{id}"),
    ("POST", "/staff/series/{id}/cancel"),
    ("GET", "/staff/branches/{id}/closures"),
    ("POST", "/staff/closures/{id}/delete"),
    ("GET", "/staff/tokens/{id}/revoke"),
    ("GET", "/staff/admin/branches/{id}/edit"),
    ("GET", "/staff/admin/branches/{id}/rooms"),
    ("GET", "/staff/admin/branches/{id}/rooms/new"),
    ("GET", "/staff/admin/rooms/{id}/edit"),
    ("GET", "/staff/admin/staff/{id}/edit"),
]


@pytest.mark.parametrize(("method", "url"), ID_URLS)
def test_an_id_past_the_database_integer_is_a_404_everywhere(app, client, world, method, url):
    """As an administrator (who may see every page) and with an administrator's token."""
    with app.app_context():
        admin = db.session.get(StaffUser, world["staff"]["admin"]).get_id()
    log_in(client, admin)
    before = stored(app)
    for number in (TOO_BIG, HUGE, "0"):
        path = url.format(id=number)
        response = send(client, world, method, path, {} if method != "GET" else None, "admin")
        assert response.status_code == 404, path
        if path.startswith("/api/"):
            assert "error" in response.get_json()
    assert stored(app) == before
    assert_feeds_answer(client, world)


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/staff/events", "venue_id"),
        ("/api/v1/staff/series", "venue_id"),
        ("/api/v1/staff/events/{event}", "venue_id"),
    ],
)
def test_an_id_past_the_database_integer_in_a_body_names_no_room(app, client, world, url, body):
    before = stored(app)
    method = "PATCH" if "{event}" in url else "POST"
    for number in (int(TOO_BIG), int(HUGE), 10**400):
        sent = {} if method == "PATCH" else event_body(world["hall_a"])
        if url.endswith("/series"):
            sent["rrule"] = "FREQ=DAILY;COUNT=2"
        sent[body] = number
        path = url.format(event=world["event_a"])
        response = send(client, world, method, path, sent)
        assert response.status_code == 404
        assert response.get_json() == {"error": "There is no such room."}
    assert stored(app) == before


def test_an_id_past_the_database_integer_as_the_first_date_of_a_change_is_a_422(app, client, world):
    created = send(
        client,
        world,
        "POST",
        "/api/v1/staff/series",
        {**event_body(world["hall_a"]), "rrule": "FREQ=WEEKLY;COUNT=3"},
    )
    assert created.status_code == 201
    series_id = created.get_json()["id"]
    before = stored(app)
    for number in (int(TOO_BIG), int(HUGE), -1):
        change = {"scope": "following", "from_event": number, "capacity": 3}
        response = send(client, world, "PATCH", f"/api/v1/staff/series/{series_id}", change)
        assert response.status_code == 422
        assert set(response.get_json()["errors"]) == {"from_event"}
        response = send(client, world, "POST", f"/api/v1/staff/series/{series_id}/cancel", change)
        assert response.status_code == 422
    assert stored(app) == before


# Text -------------------------------------------------------------------------------------------

# Inside the text: at either end, what str.strip() counts as space (\r, \x85) is trimmed away.
CONTROL_TEXTS = ["Кеш\nBEGIN:VEVENT", "Ке\x00ш", "Ке\x85ш", "Кеш\x1b[31m", "Ке\rш", "Ке\x7fш"]


@pytest.mark.parametrize("bad", CONTROL_TEXTS)
def test_control_characters_are_refused_in_every_event_text(app, client, world, bad):
    before = stored(app)
    one_line = {"title": bad, "translations": {"ru": {"title": bad}}}
    for field, value in one_line.items():
        body = event_body(world["hall_a"], **{field: value})
        response = send(client, world, "POST", "/api/v1/staff/events", body)
        assert response.status_code == 422, field
    if "\n" not in bad and "\r" not in bad:  # a description may span lines
        body = event_body(world["hall_a"], description=bad)
        assert send(client, world, "POST", "/api/v1/staff/events", body).status_code == 422
    for field in ("title", "title_ru"):
        response = client.post("/staff/events/new", data=event_form(world, **{field: bad}))
        assert response.status_code == 422, field
        assert "Remove the control characters." in response.get_data(as_text=True)
    closure = {"start": "2027-01-05", "end": "2027-01-06", "reason": bad}
    response = send(client, world, "POST", "/api/v1/staff/branches/chekhov/closures", closure)
    assert response.status_code == 422
    assert stored(app) == before
    assert_feeds_answer(client, world)


@pytest.mark.parametrize("bad", CONTROL_TEXTS)
def test_control_characters_are_refused_in_a_visitors_name_and_address(app, client, world, bad):
    log_in(client, None)
    before = stored(app)
    event_id = world["event_a"]
    for party in (
        {"name": bad, "email": "visitor@example.kz", "seats": 1},
        {"name": "Visitor", "email": "visitor" + bad + "@example.kz", "seats": 1},
    ):
        response = client.post(f"/api/v1/events/{event_id}/registrations", json=party)
        assert response.status_code == 422
        (field,) = response.get_json()["errors"]
        assert bad not in party["name"] or field == "name"
        form = {**party, "seats": "1"}
        response = client.post(f"/events/{event_id}/register", data=form)
        assert response.status_code == 422
    assert stored(app) == before
    assert_feeds_answer(client, world)


def test_a_megabyte_title_is_refused_before_it_is_read(app, client, world):
    before = stored(app)
    title = "Ә" * 1_000_000
    body = event_body(world["hall_a"], title=title)
    assert send(client, world, "POST", "/api/v1/staff/events", body).status_code == 413
    assert client.post("/staff/events/new", data=event_form(world, title=title)).status_code == 413
    half = "A" * 500_000  # under the body limit: the title's own limit answers
    response = send(client, world, "POST", "/api/v1/staff/events", event_body(1, title=half))
    assert response.status_code == 422
    assert stored(app) == before


# JSON bodies ------------------------------------------------------------------------------------

DEEP_OR_NOT_OBJECTS = [
    (b"[" * 100_000, "The request body is nested too deeply."),
    (b'{"a":' * 100_000, "The request body is nested too deeply."),
    (b'{"title": [' + b"[" * 100_000 + b"]}", "The request body is nested too deeply."),
    (b"\xff\xfe{}", "The request body must be a JSON object."),
    (b'{"title": "\xc3("}', "The request body must be a JSON object."),  # not UTF-8
    (b"[1, 2]", "The request body must be a JSON object."),
    (b'"text"', "The request body must be a JSON object."),
]
BODY_URLS = [
    "/api/v1/staff/events",
    "/api/v1/staff/events/{event}",
    "/api/v1/staff/series",
    "/api/v1/staff/branches/chekhov/closures",
    "/api/v1/events/{event}/registrations",
]


@pytest.mark.parametrize(("body", "message"), DEEP_OR_NOT_OBJECTS)
def test_a_deep_or_broken_json_body_is_a_400_with_a_json_error(app, client, world, body, message):
    before = stored(app)
    for url in BODY_URLS:
        method = "PATCH" if url == "/api/v1/staff/events/{event}" else "POST"
        response = send(client, world, method, url.format(event=world["event_a"]), body)
        assert response.status_code == 400, url
        assert response.get_json() == {"error": message}, url
    assert stored(app) == before
    assert_feeds_answer(client, world)


# Query strings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/?page=-1", 400),
        ("/?page=" + HUGE, 400),
        ("/branches/chekhov?page=-1", 400),
        ("/api/v1/events?page=-1", 422),
        ("/api/v1/events?per_page=" + HUGE, 422),
        ("/api/v1/events?per_page=-5", 422),
        ("/?category=party", 400),
        ("/?category=%00", 400),
        ("/calendar.ics?category=party", 400),
        ("/branches/chekhov/calendar.ics?audience=nobody", 400),
        ("/api/v1/events?category=party", 422),
        ("/?q=" + "a" * 100_000, 400),
        ("/api/v1/events?q=%00", 422),
        ("/?branch=%00", 400),
        ("/calendar?branch=%00", 400),
        ("/branches/%00", 404),
        ("/branches/%00/calendar.ics", 404),
        ("/branches/" + "a" * 5000 + "/calendar.ics", 404),
        ("/api/v1/staff/branches/%00/closures", 404),
        ("/r/%00", 404),
        ("/r/%00.ics", 404),
        ("/api/v1/registrations/" + "a" * 5000, 404),
        ("/staff/check-in/%00", 404),
        ("/staff/stats?branch=%00", 400),
    ],
)
def test_hostile_query_strings_and_paths_are_4xx(app, client, world, url, status):
    before = stored(app)
    headers = bearer(world["secrets"]["a"]) if url.startswith("/api/v1/staff") else {}
    assert client.get(url, headers=headers).status_code == status
    assert stored(app) == before
    assert_feeds_answer(client, world)


@pytest.mark.parametrize("path", ["/", "/calendar.ics", "/api/v1/events", "/branches/chekhov"])
def test_a_path_as_the_language_falls_back_to_the_default_language(client, world, path):
    """Unknown languages fall back quietly (see test_feed_languages.py); nothing is read."""
    response = client.get(f"{path}?lang=../../../etc/passwd")
    assert response.status_code == 200
    assert response.data == client.get(path).data or path == "/"


# Rows that got past every check -----------------------------------------------------------------


def assert_outbox_delivers(app) -> None:
    result = app.test_cli_runner().invoke(args=["outbox-worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        statuses = db.session.execute(select(OutboxMessage.status)).scalars().all()
    assert statuses and set(statuses) == {OUTBOX_SENT}


def write_directly(app, event_id: int, **values: object) -> None:
    """Change an event's row with plain SQL, as another tool or an old version might have."""
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    with app.app_context():
        db.session.execute(
            text(f"UPDATE events SET {assignments}, updated_at = :now WHERE id = :id"),
            {**values, "id": event_id, "now": utcnow()},
        )
        db.session.commit()


def test_a_title_with_line_breaks_and_controls_stored_directly_breaks_nothing(
    app, client, world, backend
):
    title = "Ертегі\r\nBEGIN:VEVENT\x07 кеші\x1b"
    if backend == "sqlite":
        title += "\x00"  # PostgreSQL cannot hold a NUL at all
    write_directly(app, world["event_a"], title=title, description="Сипаттама\x0b\x85")
    with app.app_context():
        db.session.execute(
            text("UPDATE branches SET name = :name WHERE slug = 'chekhov'"),
            {"name": "Чехов\nкітапханасы"},
        )
        db.session.commit()
    log_in(client, None)
    party = {"name": "Әлия", "email": "aliya@example.kz", "seats": 1}
    response = client.post(f"/api/v1/events/{world['event_a']}/registrations", json=party)
    assert response.status_code == 201
    token = response.get_json()["token"]
    form = {"name": "Бота", "email": "bota@example.kz", "seats": "1"}
    assert client.post(f"/events/{world['event_a']}/register", data=form).status_code == 303
    for path in (f"/r/{token}", f"/r/{token}.ics", f"/events/{world['event_a']}", "/"):
        assert client.get(path).status_code == 200, path
    assert_feeds_answer(client, world)
    feed = Calendar.from_ical(client.get("/branches/chekhov/calendar.ics").data)
    summaries = [str(event["SUMMARY"]) for event in feed.walk("VEVENT")]
    assert summaries == ["Ертегі\nBEGIN:VEVENT кеші"]  # controls dropped, the line break kept
    assert_outbox_delivers(app)


def test_an_event_stored_across_every_representable_year_breaks_nothing(app, client, world):
    """From the year 1 to the last hour of 9999 UTC: in every list, whose local times Python
    cannot even hold (Almaty is UTC+5)."""
    write_directly(
        app,
        world["event_a"],
        starts_at=datetime(1, 1, 1, tzinfo=UTC),
        ends_at=datetime(9999, 12, 31, 23, tzinfo=UTC),
    )
    log_in(client, None)
    for path in (
        "/",
        "/branches/chekhov",
        f"/events/{world['event_a']}",
        "/api/v1/events",
        f"/api/v1/events/{world['event_a']}",
        "/calendar",
    ):
        assert client.get(path).status_code == 200, path
    assert_feeds_answer(client, world)
    feed = Calendar.from_ical(client.get("/calendar.ics").data)
    assert len(list(feed.walk("VEVENT"))) == 2  # shown (in UTC), not lost
    party = {"name": "Әлия", "email": "aliya@example.kz", "seats": 1}
    response = client.post(f"/api/v1/events/{world['event_a']}/registrations", json=party)
    assert response.status_code == 409  # its registration closed when it started, in year 1
    registered = client.post(f"/api/v1/events/{world['event_b']}/registrations", json=party)
    assert registered.status_code == 201
    assert_outbox_delivers(app)


def test_an_event_in_the_last_hours_python_can_hold_is_mailed_and_listed(app, client, world):
    start = datetime(9999, 12, 31, 20, tzinfo=UTC)
    write_directly(
        app,
        world["event_a"],
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        confirm_attendance_hours=2,
    )
    log_in(client, None)
    party = {"name": "Әлия", "email": "aliya@example.kz", "seats": 1}
    response = client.post(f"/api/v1/events/{world['event_a']}/registrations", json=party)
    assert response.status_code == 201
    for path in (f"/events/{world['event_a']}", "/", f"/r/{response.get_json()['token']}.ics"):
        assert client.get(path).status_code == 200, path
    assert_feeds_answer(client, world)
    assert_outbox_delivers(app)


def test_a_branch_in_an_unknown_time_zone_has_its_times_given_in_utc(app, client, world):
    with app.app_context():
        db.session.execute(
            text("UPDATE branches SET timezone = 'Nowhere/Atlantis' WHERE slug = 'chekhov'")
        )
        db.session.commit()
        lost = db.session.get(Event, world["event_a"])
        lost_title, lost_start = lost.title, lost.starts_at
        other_title = db.session.get(Event, world["event_b"]).title
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert b"Nowhere/Atlantis" not in response.data  # no TZID without its VTIMEZONE
    starts = {
        str(event["SUMMARY"]): event.decoded("DTSTART")
        for event in Calendar.from_ical(response.data).walk("VEVENT")
    }
    assert set(starts) == {lost_title, other_title}
    assert starts[lost_title] == lost_start.replace(microsecond=0)
    assert starts[lost_title].utcoffset().total_seconds() == 0
    assert client.get("/branches/chekhov/calendar.ics").status_code == 200
    assert client.get("/branches/begalin/calendar.ics").status_code == 200
    # Its pages show times in UTC rather than failing.
    for path in ("/", "/branches/chekhov", "/calendar", f"/events/{world['event_a']}"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("command", "moment", "problem"),
    [
        ("send-reminders", "9999-12-31T23:00:00-12:00", "not an ISO 8601"),  # past the year 9999
        ("send-reminders", "0001-01-01T00:00:00", "outside the years 1900 to 2999"),
        ("purge-personal-data", "3000-01-01T12:00:00+05:00", "outside the years 1900 to 2999"),
    ],
)
def test_a_command_run_at_a_moment_outside_the_range_is_refused(
    app, world, command, moment, problem
):
    before = stored(app)
    result = app.test_cli_runner().invoke(args=[command, "--now", moment])
    assert result.exit_code == 2
    assert problem in result.output
    assert stored(app) == before
