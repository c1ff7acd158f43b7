"""The permission matrix: every staff route, for anonymous visitors, staff of the branch, staff of
another branch and administrators. Table-driven; a new route must be added to ROUTES."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from calendar_app.extensions import db
from calendar_app.models import (
    ApiToken,
    Branch,
    Closure,
    Event,
    Image,
    Registration,
    Report,
    ReportPhoto,
    Series,
    StaffUser,
    Venue,
)
from calendar_app.services import api_tokens
from calendar_app.services import registrations as regs
from calendar_app.services.closures import create_closure
from calendar_app.services.events import event_data
from calendar_app.services.posters import set_series_poster
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.services.series import create_series
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_venue
from tests.poster_images import png
from tests.staff_support import CHEAP_METHOD, log_in, make_staff

ROLES = ["anonymous", "branch", "other", "admin"]


@pytest.fixture
def app_config():
    return {"STAFF_PASSWORD_METHOD": CHEAP_METHOD}


@pytest.fixture
def world(app) -> dict[str, Any]:
    with app.app_context():
        branch_a = make_branch("branch-a", name="Branch A")
        branch_b = make_branch("branch-b", name="Branch B")
        venue_a = make_venue(branch_a, "Hall A", capacity=50)
        venue_b = make_venue(branch_b, "Hall B", capacity=50)
        soon = utcnow() + timedelta(days=7)
        event_a = make_event(branch_a, venue_a, title="Құтадғу білік", capacity=20, starts_at=soon)
        make_event(branch_b, venue_b, title="Event of B", capacity=20, starts_at=soon)
        drop_in = make_event(
            branch_a, make_venue(branch_a, "Foyer A"), registration="none", starts_at=soon
        )
        later = soon + timedelta(days=14)
        series = create_series(
            branch_a,
            replace(event_data(event_a), starts_at=later, ends_at=later + timedelta(hours=1)),
            "FREQ=WEEKLY;COUNT=2",
            utcnow(),
            skip_public_holidays=False,
        ).series
        set_series_poster(series, png(), {"kk": "Афиша"}, app.config["UPLOADS_DIR"], utcnow())
        closure = create_closure(
            branch_a, {"start": "2031-01-05", "end": "2031-01-06", "reason": "Ремонт"}, utcnow()
        )
        result = regs.register(
            event_a.id,
            name="Айгерім",
            email="aigerim@example.kz",
            seats=2,
            language="kk",
            source="web",
            now=utcnow(),
        )
        staff_a = make_staff("a@example.kz", branches=[branch_a])
        staff_b = make_staff("b@example.kz", branches=[branch_b])
        admin = make_staff("admin@example.kz", is_admin=True)
        token = api_tokens.issue(staff_a, "Website", utcnow()).token
        # A report with a photo, written directly (the event is still to come).
        image = Image(key="0" * 32, width=320, height=200, widths=[320], alt={"kk": "Сурет"})
        image.created_at = utcnow()
        report = Report(event_id=event_a.id, text={}, created_at=utcnow(), updated_at=utcnow())
        photo = ReportPhoto(
            report=report,
            image=image,
            consent_confirmed_at=utcnow(),
            consent_confirmed_by_id=staff_a.id,
            created_at=utcnow(),
        )
        db.session.add_all([image, report, photo])
        db.session.commit()
        return {
            "ids": {
                "branch": branch_a.id,
                "venue": venue_a.id,
                "event": event_a.id,
                "dropin": drop_in.id,
                "registration": result.registration.id,
                "code": checkin_code_for(result.token),
                "staff": staff_a.id,
                "token": token.id,
                "series": series.id,
                "closure": closure.id,
                "photo": photo.id,
            },
            "login": {
                "branch": staff_a.get_id(),
                "other": staff_b.get_id(),
                "admin": admin.get_id(),
                "anonymous": None,
            },
        }


def event_form(ids):
    return {
        "title": "Changed title",
        "category": "master_class",
        "audience": "children",
        "language": "kk",
        "venue_id": ids["venue"],
        "starts_at": "2030-06-10T15:00",
        "ends_at": "2030-06-10T16:30",
        "registration": "required",
        "capacity": "25",
        "max_party": "4",
        "waitlist_enabled": "y",
    }


def new_event_form(ids):
    return {**event_form(ids), "branch_id": ids["branch"]}


def new_series_form(ids):
    return {
        **new_event_form(ids),
        "starts_at": "2030-07-03T15:00",
        "ends_at": "2030-07-03T16:30",
        "frequency": "weekly",
        "interval": "1",
        "weekdays": ["WE"],
        "month_week": "1",
        "month_weekday": "MO",
        "ends": "count",
        "count": "2",
        "registration_mode": "per_occurrence",
        "action": "save",
    }


def closure_form(_ids):
    return {
        "kind": "range",
        "start": "2031-02-01",
        "end": "2031-02-02",
        "frequency": "weekly",
        "month_week": "1",
        "month_weekday": "MO",
    }


def branch_form(_ids):
    return {"slug": "new-branch", "name": "New branch", "timezone": "Asia/Almaty"}


def edit_branch_form(_ids):
    return {"slug": "branch-a", "name": "Branch A renamed", "timezone": "Asia/Almaty"}


def room_form(_ids):
    return {"name": "New room", "capacity": "30"}


def edit_room_form(_ids):
    return {"name": "Hall A", "capacity": "45"}


def staff_form(ids):
    return {
        "email": "new@example.kz",
        "password": "a long password",
        "branch_ids": [str(ids["branch"])],
        "active": "y",
    }


def edit_staff_form(ids):
    return {"email": "a@example.kz", "branch_ids": [str(ids["branch"])], "active": "y"}


BRANCH, OPEN, ADMIN = "branch", "open", "admin"
# (method, path, form, status when permitted, scope): scope BRANCH = branch staff of the object's
# branch and admins; OPEN = every staff member (the page shows only their branches); ADMIN.
ROUTES: list[tuple[str, str, Any, int, str]] = [
    ("GET", "/staff/", None, 200, OPEN),
    ("GET", "/staff/events/new", None, 200, OPEN),
    ("POST", "/staff/events/new", new_event_form, 302, BRANCH),
    ("GET", "/staff/events/{event}/edit", None, 200, BRANCH),
    ("POST", "/staff/events/{event}/edit", event_form, 302, BRANCH),
    ("GET", "/staff/events/{event}/cancel", None, 200, BRANCH),
    ("POST", "/staff/events/{event}/cancel", None, 302, BRANCH),
    ("GET", "/staff/events/{event}/roster", None, 200, BRANCH),
    ("GET", "/staff/events/{event}/roster.csv", None, 200, BRANCH),
    ("GET", "/staff/events/{event}/sign-in-sheet", None, 200, BRANCH),
    ("POST", "/staff/events/{dropin}/headcount", lambda ids: {"headcount": "5"}, 302, BRANCH),
    (
        "POST",
        "/staff/events/{event}/walk-ins",
        lambda ids: {"name": "W", "seats": "1"},
        302,
        BRANCH,
    ),
    ("POST", "/staff/registrations/{registration}/check-in", None, 302, BRANCH),
    ("POST", "/staff/registrations/{registration}/undo-check-in", None, 302, BRANCH),
    ("GET", "/staff/check-in/{code}", None, 200, BRANCH),
    ("POST", "/staff/check-in/{code}", None, 302, BRANCH),
    ("GET", "/staff/scan", None, 200, OPEN),
    # The event of the code is next week: the door refuses it (409) and changes nothing.
    ("POST", "/staff/scan", lambda ids: {"code": ids["code"]}, 409, BRANCH),
    ("POST", "/staff/scan/check-in", lambda ids: {"code": ids["code"]}, 409, BRANCH),
    ("GET", "/staff/tokens", None, 200, OPEN),
    # The token is staff "a"'s own: BRANCH stands for its owner (and administrators) here.
    ("GET", "/staff/tokens/{token}/revoke", None, 200, BRANCH),
    ("POST", "/staff/tokens/{token}/revoke", None, 302, BRANCH),
    ("GET", "/staff/series/new", None, 200, OPEN),
    ("POST", "/staff/series/new", new_series_form, 302, BRANCH),
    ("GET", "/staff/series/{series}", None, 200, BRANCH),
    ("GET", "/staff/series/{series}/cancel", None, 200, BRANCH),
    ("POST", "/staff/series/{series}/cancel", None, 302, BRANCH),
    ("POST", "/staff/series/{series}/poster", lambda ids: {"remove_poster": "y"}, 302, BRANCH),
    ("GET", "/staff/branches/{branch}/closures", None, 200, BRANCH),
    ("POST", "/staff/branches/{branch}/closures", closure_form, 302, BRANCH),
    ("POST", "/staff/closures/{closure}/delete", None, 302, BRANCH),
    ("GET", "/staff/stats", None, 200, OPEN),
    ("GET", "/staff/stats.csv", None, 200, OPEN),
    ("GET", "/staff/admin/", None, 200, ADMIN),
    ("GET", "/staff/admin/branches/new", None, 200, ADMIN),
    ("POST", "/staff/admin/branches/new", branch_form, 302, ADMIN),
    ("GET", "/staff/admin/branches/{branch}/edit", None, 200, ADMIN),
    ("POST", "/staff/admin/branches/{branch}/edit", edit_branch_form, 302, ADMIN),
    ("GET", "/staff/admin/branches/{branch}/rooms", None, 200, BRANCH),
    ("GET", "/staff/admin/branches/{branch}/rooms/new", None, 200, BRANCH),
    ("POST", "/staff/admin/branches/{branch}/rooms/new", room_form, 302, BRANCH),
    ("GET", "/staff/admin/rooms/{venue}/edit", None, 200, BRANCH),
    ("POST", "/staff/admin/rooms/{venue}/edit", edit_room_form, 302, BRANCH),
    ("GET", "/staff/admin/staff/new", None, 200, ADMIN),
    ("POST", "/staff/admin/staff/new", staff_form, 302, ADMIN),
    ("GET", "/staff/admin/staff/{staff}/edit", None, 200, ADMIN),
    ("POST", "/staff/admin/staff/{staff}/edit", edit_staff_form, 302, ADMIN),
    ("GET", "/staff/events/{event}/report", None, 200, BRANCH),
    # The event is next week: no report yet (409), nothing stored.
    ("POST", "/staff/events/{event}/report", lambda ids: {"text_kk": "Есеп"}, 409, BRANCH),
    ("POST", "/staff/events/{event}/report/photos", None, 409, BRANCH),
    (
        "POST",
        "/staff/events/{event}/report/photos/{photo}",
        lambda ids: {f"photo{ids['photo']}-alt_en": "A photo"},
        302,
        BRANCH,
    ),
    ("POST", "/staff/events/{event}/report/photos/{photo}/remove", None, 302, BRANCH),
    ("POST", "/staff/logout", None, 302, OPEN),
]

# Planning an event or a series names its branch in the form: another branch's id is not among
# the choices.
REFUSED_AS_INVALID = {("POST", "/staff/events/new"), ("POST", "/staff/series/new")}
# Called by a page's script with a JSON body: a lapsed session gets 401, not the login page.
JSON_ROUTES = {("POST", "/staff/scan/check-in")}


def route_id(route: tuple) -> str:
    return f"{route[0]} {route[1]}"


def snapshot(app) -> tuple:
    """What a refused request must leave unchanged."""
    with app.app_context():
        event = db.session.execute(db.select(Event).order_by(Event.id).limit(1)).scalar_one()
        registration = db.session.execute(db.select(Registration)).scalars().all()
        return (
            event.title,
            event.status,
            event.sequence,
            [(r.id, r.status, r.checked_in_at) for r in registration],
            [
                (e.id, e.headcount, e.status, e.starts_at)
                for e in db.session.execute(db.select(Event)).scalars()
            ],
            [(s.id, s.poster_id) for s in db.session.execute(db.select(Series)).scalars()],
            [c.id for c in db.session.execute(db.select(Closure)).scalars()],
            [(b.id, b.name) for b in db.session.execute(db.select(Branch)).scalars()],
            [(v.id, v.name, v.capacity) for v in db.session.execute(db.select(Venue)).scalars()],
            [
                (s.id, s.email, s.password_hash)
                for s in db.session.execute(db.select(StaffUser)).scalars()
            ],
            [(t.id, t.revoked_at) for t in db.session.execute(db.select(ApiToken)).scalars()],
            [(r.id, r.text, r.published) for r in db.session.execute(db.select(Report)).scalars()],
            [p.id for p in db.session.execute(db.select(ReportPhoto)).scalars()],
            [(i.id, i.alt) for i in db.session.execute(db.select(Image)).scalars()],
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permission_matrix(app, client, world, route, role):
    method, template, form_builder, permitted_status, scope = route
    ids = world["ids"]
    log_in(client, world["login"][role])
    data = form_builder(ids) if form_builder else {}
    before = snapshot(app)
    body = {"json": data} if (method, template) in JSON_ROUTES else {"data": data}
    response = client.open(template.format(**ids), method=method, **body)
    permitted = (
        role == "admin"
        or (role == "branch" and scope != ADMIN)
        or (role == "other" and scope == OPEN)
    )
    if role == "anonymous" and (method, template) in JSON_ROUTES:
        assert response.status_code == 401
    elif role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/login?next=")
    elif permitted:
        assert response.status_code == permitted_status, response.get_data(as_text=True)[:3000]
    elif (method, template) in REFUSED_AS_INVALID:
        assert response.status_code == 422
    else:
        assert response.status_code in (403, 404)
    if not permitted:
        assert snapshot(app) == before


def test_other_branch_staff_cannot_create_an_event_in_my_branch(app, client, world):
    log_in(client, world["login"]["other"])
    before = snapshot(app)
    response = client.post("/staff/events/new", data=new_event_form(world["ids"]))
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert snapshot(app) == before


def unknown(template: str) -> str:
    return re.sub(r"\{code\}", "x" * 43, re.sub(r"\{\w+\}", "987654", template))


@pytest.mark.parametrize("route", [r for r in ROUTES if "{" in r[1]], ids=route_id)
def test_unknown_ids_answer_404(client, world, route):
    method, template, form_builder, _status, _scope = route
    log_in(client, world["login"]["admin"])
    data = form_builder(world["ids"]) if form_builder else {}
    assert client.open(unknown(template), method=method, data=data).status_code == 404


def test_every_staff_route_is_in_the_matrix(app):
    def shape(path: str) -> str:
        return re.sub(r"<[^>]+>|\{\w+\}", "*", path)

    covered = {(method, shape(path)) for method, path, *_ in ROUTES}
    existing = {
        (method, shape(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("staff.") and rule.endpoint != "staff.login"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert existing == covered, existing ^ covered


def test_the_dashboard_shows_only_my_branches(client, world):
    log_in(client, world["login"]["other"])
    page = client.get("/staff/").get_data(as_text=True)
    assert "Event of B" in page and "Құтадғу білік" not in page
    log_in(client, world["login"]["admin"])
    page = client.get("/staff/").get_data(as_text=True)
    assert "Event of B" in page and "Құтадғу білік" in page


def test_a_disabled_account_is_logged_out_at_once(app, client, world):
    log_in(client, world["login"]["branch"])
    assert client.get("/staff/").status_code == 200
    with app.app_context():
        db.session.get(StaffUser, world["ids"]["staff"]).active = False
        db.session.commit()
    assert client.get("/staff/").status_code == 302


def test_losing_a_branch_takes_effect_at_once(app, client, world):
    log_in(client, world["login"]["branch"])
    url = f"/staff/events/{world['ids']['event']}/roster"
    assert client.get(url).status_code == 200
    with app.app_context():
        staff = db.session.get(StaffUser, world["ids"]["staff"])
        staff.branches = [
            db.session.execute(db.select(Branch).where(Branch.slug == "branch-b")).scalar_one()
        ]
        db.session.commit()
    assert client.get(url).status_code == 403
