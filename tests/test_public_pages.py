"""The public pages: list with filters, event page, month grid, branch pages and their errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Branch, Event
from calendar_app.services.events import cancel_event
from tests.factories import NOW, make_branch, make_event, make_registration, make_venue

KUTADGU = "«Құтадғу білік» жаңа аудармасына әдеби талдау"
SHAM = "Ақберен Елгезектің «Шексіздік сыртындағы шам» кітабының тұсаукесері"


@pytest.fixture(autouse=True)
def frozen_now():
    """Pages ask utcnow() for the time; pin it so that NOW-relative test data stays upcoming."""
    with patch("calendar_app.public.pages.utcnow", return_value=NOW):
        yield


@pytest.fixture
def data(app):
    """Create test data in an app context of its own, as requests run in theirs in production."""

    @contextmanager
    def block() -> Iterator[None]:
        with app.app_context():
            yield
            db.session.commit()

    return block


def text_of(response) -> str:
    return response.get_data(as_text=True)


def main_of(response) -> str:
    html = text_of(response)
    return html[html.index("<main") : html.index("</main>")]


# --- the list ----------------------------------------------------------------------------------


def test_index_lists_upcoming_events_with_kazakh_titles_intact(data, client):
    with data():
        chekhov = make_branch("chekhov", name="Central City Library named after A.P. Chekhov")
        make_event(chekhov, title=KUTADGU, capacity=40)
        make_event(chekhov, title=SHAM, starts_at=NOW + timedelta(days=2))
        make_event(
            chekhov, title="Already over", starts_at=NOW - timedelta(days=2), now=NOW - timedelta(3)
        )
    response = client.get("/")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    page = main_of(response)
    assert KUTADGU in page and SHAM in page
    assert "Already over" not in page
    assert page.index(SHAM) < page.index(KUTADGU)  # sooner first
    assert "40 seats left" in page
    assert 'lang="kk"' in page


def test_index_filters(data, client):
    with data():
        chekhov = make_branch("chekhov")
        begalin = make_branch("begalin")
        make_event(chekhov, title=KUTADGU, category="literary_analysis", audience="adults")
        make_event(begalin, title="Эко мастер-класс «Reduce»", audience="children")
        make_event(
            chekhov, title="Much later", starts_at=NOW + timedelta(days=40), category="concert"
        )

    def titles(query: str) -> set[str]:
        response = client.get("/?" + query)
        assert response.status_code == 200, query
        return {
            t
            for t in (KUTADGU, "Эко мастер-класс «Reduce»", "Much later")
            if t in main_of(response)
        }

    assert titles("branch=begalin") == {"Эко мастер-класс «Reduce»"}
    assert titles("category=literary_analysis") == {KUTADGU}
    assert titles("audience=children") == {"Эко мастер-класс «Reduce»"}
    assert titles("q=%D2%9B%D2%B1%D1%82%D0%B0%D0%B4%D2%93%D1%83") == {KUTADGU}  # "құтадғу"
    assert titles("q=РЕДУСЕ") == set()
    assert titles("q=reduce") == {"Эко мастер-класс «Reduce»"}
    later = (NOW + timedelta(days=30)).date().isoformat()
    assert titles(f"from={later}") == {"Much later"}
    assert titles(f"to={later}") == {KUTADGU, "Эко мастер-класс «Reduce»"}
    # An empty form submission is no filter at all.
    assert len(titles("q=&branch=&category=&audience=&from=&to=")) == 3
    # The chosen values stay selected in the form.
    html = text_of(client.get("/?branch=begalin&audience=children"))
    assert '<option value="begalin" selected>' in html
    assert '<option value="children" selected>' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "YYYY-MM-DD"),
        ("to=yesterday", "YYYY-MM-DD"),
        ("from=2026-05-10&to=2026-05-01", "not be before"),
        ("category=rave", "Unknown category"),
        ("audience=pets", "Unknown audience"),
        ("branch=nowhere", "no such branch"),
        ("q=" + "x" * 5000, "too long"),
        ("q=%00%01%1b", "not allowed"),
        ("branch=%0d%0aSet-Cookie:%20x=1", "not allowed"),
        ("q=%ED%A0%80", ""),  # an undecodable byte sequence: replaced, not a 500
    ],
)
def test_bad_filters_give_400_with_the_field_marked(data, client, query, message):
    with data():
        make_event()
    response = client.get("/?" + query)
    if query.startswith("q=%ED"):
        assert response.status_code in (200, 400)
        return
    assert response.status_code == 400
    page = main_of(response)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert re.search(r'aria-describedby="[^"]*filter-\w+-error"', page)
    assert "\x00" not in page and "\x1b" not in page


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "99999999999999999999999", "%00"])
def test_bad_page_numbers_give_400(client, page):
    response = client.get(f"/?page={page}")
    assert response.status_code == 400
    assert "page number" in main_of(response)


def test_pagination_links_keep_filters(data, client, app):
    with data():
        app.config["EVENTS_PER_PAGE"] = 2
        branch = make_branch("chekhov")
        venue = make_venue(branch)
        for number in range(5):
            make_event(branch, venue, starts_at=NOW + timedelta(days=1, hours=3 * number))
    first = text_of(client.get("/?branch=chekhov"))
    assert "Page 1 of 3" in first
    assert 'href="/?branch=chekhov&amp;page=2"' in first
    third = client.get("/?branch=chekhov&page=3")
    assert third.status_code == 200 and "Page 3 of 3" in text_of(third)
    assert client.get("/?branch=chekhov&page=4").status_code == 404


def test_cancelled_events_are_marked(data, client):
    with data():
        event = make_event(title="Called off")
        cancel_event(event, NOW)
        event_id = event.id
    page = main_of(client.get("/"))
    assert "Called off" in page and "Cancelled" in page
    detail = main_of(client.get(f"/events/{event_id}"))
    assert "This event is cancelled." in detail


# --- the event page ----------------------------------------------------------------------------


def test_event_page_shows_local_time_place_and_details(data, client):
    with data():
        branch = make_branch("chekhov", address="Almaty, Zheltoksan St 71")
        venue = make_venue(
            branch, "Reading room", capacity=40, accessibility_notes="Step-free; lift."
        )
        event = make_event(
            branch,
            venue,
            title=KUTADGU,
            starts_at=datetime(2026, 5, 10, 13, 0, tzinfo=UTC),
            minutes=120,
            audience="children",
            age_min=7,
            age_max=12,
            language="kk",
            capacity=30,
            description="Жүсіп Баласағұн **дастаны**.\n\n<script>alert(1)</script>",
        )
        make_registration(event.id, seats=3)
        make_registration(event.id, seats=2)
        event_id = event.id

    page = main_of(client.get(f"/events/{event_id}?lang=ru"))
    assert KUTADGU in page
    assert "18:00" in page and "20:00" in page  # 13:00Z is 18:00 in Almaty
    assert "13:00" not in page
    assert "UTC+5" in page
    english = main_of(client.get(f"/events/{event_id}?lang=en"))
    assert "6:00" in english and "PM" in english
    assert "Reading room" in english and "Almaty, Zheltoksan St 71" in english
    assert "25 seats left" in english
    assert "Step-free; lift." in english
    assert "7–12" in english
    assert "Kazakh" in english
    # Markdown is rendered; HTML typed by staff is shown as text, never run.
    assert "<strong>дастаны</strong>" in english
    assert "<script>" not in english and "&lt;script&gt;" in english


def test_drop_in_event_page(data, client):
    with data():
        event = make_event(title="Ұлттық домбыра күні", registration="none", capacity=0)
        event_id = event.id
    page = main_of(client.get(f"/events/{event_id}"))
    assert "Ұлттық домбыра күні" in page
    assert "no registration needed" in page
    assert "seats left" not in page


@pytest.mark.parametrize("path", ["/events/999", "/events/99999999999999999999", "/events/abc"])
def test_unknown_events_give_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


# --- the month grid ----------------------------------------------------------------------------


def test_month_grid_places_events_on_local_days(data, client):
    with data():
        branch = make_branch()
        # 2026-05-31 20:00Z is 1 June 01:00 in Almaty: it belongs to June, not May.
        make_event(
            branch, title="После полуночи", starts_at=datetime(2026, 5, 31, 20, 0, tzinfo=UTC)
        )
        make_event(
            branch, title="«Құтадғу білік»", starts_at=datetime(2026, 5, 10, 13, 0, tzinfo=UTC)
        )
    may = client.get("/calendar?month=2026-05")
    assert may.status_code == 200
    html = main_of(may)
    assert "<table" in html and '<th scope="col">' in html and "<caption>" in html
    assert "May 2026" in html
    assert "«Құтадғу білік»" in html and "После полуночи" not in html
    cell = html[html.index("Sunday, </span>10") :]
    assert cell.index("«Құтадғу білік»") < cell.index("</td>")
    june = main_of(client.get("/calendar?month=2026-06"))
    assert "После полуночи" in june
    cell = june[june.index("Monday, </span>1<") :]
    assert cell.index("После полуночи") < cell.index("</td>")


def test_month_grid_defaults_to_this_month_and_links_around(client):
    html = main_of(client.get("/calendar"))
    assert "May 2026" in html  # NOW is 2026-05-01
    assert "month=2026-04" in html and "month=2026-06" in html
    assert 'aria-current="date"' in html


def test_month_grid_for_one_branch(data, client):
    with data():
        chekhov = make_branch("chekhov")
        other = make_branch("other")
        make_event(chekhov, title="Here", starts_at=NOW + timedelta(days=2))
        make_event(other, title="Elsewhere", starts_at=NOW + timedelta(days=3))
    html = main_of(client.get("/calendar?month=2026-05&branch=chekhov"))
    assert "Here" in html and "Elsewhere" not in html
    assert "branch=chekhov" in html  # month links keep the branch
    assert client.get("/calendar?branch=nowhere").status_code == 400


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "2026-1", "26-05", "May", "2026-05-01", "%00", "9" * 5000]
)
def test_bad_months_give_400(client, month):
    response = client.get(f"/calendar?month={month}")
    assert response.status_code == 400
    assert "YYYY-MM" in main_of(response)


# --- branches ----------------------------------------------------------------------------------


def test_branch_page_lists_its_events(data, client):
    with data():
        chekhov = make_branch(
            "chekhov",
            name="Central City Library named after A.P. Chekhov",
            phone="+7 727 272 00 01",
            translations={"ru": {"name": "Центральная городская библиотека им. А.П. Чехова"}},
        )
        make_venue(chekhov, "Conference hall", capacity=80, accessibility_notes="Induction loop.")
        other = make_branch("begalin")
        make_event(chekhov, title=SHAM)
        make_event(other, title="Not here")
    response = client.get("/branches/chekhov")
    assert response.status_code == 200
    page = main_of(response)
    assert "Central City Library named after A.P. Chekhov" in page
    assert SHAM in page and "Not here" not in page
    assert "Conference hall" in page and "Induction loop." in page
    assert "+7 727 272 00 01" in page
    russian = main_of(client.get("/branches/chekhov?lang=ru"))
    assert "Центральная городская библиотека им. А.П. Чехова" in russian


@pytest.mark.parametrize("slug", ["nowhere", "x" * 300, "CHEKHOV%00", "%D2%9B"])
def test_unknown_branches_give_404(data, client, slug):
    with data():
        make_branch("chekhov")
    assert client.get(f"/branches/{slug}").status_code == 404


def test_branch_overview(data, client):
    with data():
        chekhov = make_branch("chekhov", name="Chekhov library")
        make_branch("begalin", name="Begalin library")
        make_event(chekhov)
        make_event(chekhov)
    page = main_of(client.get("/branches"))
    assert "Chekhov library" in page and "Begalin library" in page
    assert "2 upcoming events" in page and "0 upcoming events" in page
    assert 'href="/branches/chekhov"' in page


# --- errors and the page frame ----------------------------------------------------------------


def test_unknown_pages_and_unexpected_errors_are_friendly(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in text_of(response)

    with patch("calendar_app.public.pages.catalog.list_events", side_effect=RuntimeError("boom")):
        response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in text_of(response)
    assert "boom" not in text_of(response)


def test_every_form_field_has_a_label(client):
    html = text_of(client.get("/"))
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html)
    assert ids
    for field_id in ids:
        assert f'<label for="{field_id}">' in html


def test_pages_link_to_each_other(client):
    html = text_of(client.get("/"))
    assert 'href="/calendar"' in html and 'href="/branches"' in html


# --- constant query counts ---------------------------------------------------------------------


def _season(count: int, start: int = 0) -> int:
    """``count`` events over three branches (created on the first call), some seats taken.

    Rows are inserted directly (not through the events service) to keep hundreds of them quick.
    """
    branches = [
        db.session.execute(select(Branch).where(Branch.slug == f"branch-q{n}")).scalar()
        or make_branch(f"branch-q{n}")
        for n in range(3)
    ]
    venues = [branch.venues[0] if branch.venues else make_venue(branch) for branch in branches]
    events = []
    for number in range(start, start + count):
        starts_at = NOW + timedelta(hours=5 + 2 * number)
        events.append(
            Event(
                branch_id=branches[number % 3].id,
                venue_id=venues[number % 3].id,
                title=f"Event {number} «Құтадғу білік»",
                category="master_class",
                language="kk",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
                capacity=20,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    db.session.add_all(events)
    db.session.flush()
    for number, event in enumerate(events):
        for seats, status in [(1 + number % 3, "confirmed")] + (
            [(1, "waitlisted")] if number % 7 == 0 else []
        ):
            make_registration(event.id, seats=seats, status=status, flush=False)
    db.session.flush()
    return events[0].id


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?branch=branch-q1&q=event",
        "/events/{event}",
        "/calendar?month=2026-05",
        "/branches/branch-q0",
        "/branches",
    ],
)
def test_pages_run_a_constant_number_of_queries(data, client, count_queries, app, path):
    app.config["EVENTS_PER_PAGE"] = 500
    with data():
        url = path.format(event=_season(4))
    with count_queries() as few:
        assert client.get(url).status_code == 200
    with data():
        _season(300, start=4)
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200
    if path == "/":
        assert main_of(response).count('class="event-card') == 100  # the most a page shows
    assert many.count == few.count, (few.statements, many.statements)
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in many.statements)  # read-only
    assert many.count <= 6


def test_branch_page_rejects_bad_page_numbers(data, client):
    with data():
        make_event(make_branch("chekhov"))
    assert client.get("/branches/chekhov?page=abc").status_code == 400
    assert client.get("/branches/chekhov?page=-1").status_code == 400
    assert client.get("/branches/chekhov?page=1").status_code == 200
    assert client.get("/branches/chekhov?page=2").status_code == 404


def test_head_requests_work(data, client):
    with data():
        event_id = make_event(title=KUTADGU).id
    for path in ("/", f"/events/{event_id}", "/calendar", "/branches"):
        response = client.head(path)
        assert response.status_code == 200 and response.get_data() == b""
