"""Statistics per branch and month against numbers computed by hand for a seeded month."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest

from calendar_app.extensions import db
from calendar_app.models import Branch
from calendar_app.services.events import cancel_event
from calendar_app.services.stats import monthly_stats
from tests.factories import make_branch, make_event, make_registration
from tests.staff_support import log_in, make_staff

MAY_10 = datetime(2026, 5, 10, 13, 0, tzinfo=UTC)  # 18:00 in Almaty
LATER = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 9, month: int = 5) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def seeded(app):
    """May 2026 in the children's library, and a little around it."""
    with app.app_context():
        children = make_branch("children", name="Children's library")
        other = make_branch("other", name="Other branch")
        first = make_event(children, starts_at=MAY_10, capacity=10, title="Құтадғу білік")
        make_registration(first.id, "Checked in", seats=3, checked_in_at=MAY_10)
        make_registration(first.id, "No show", seats=2)
        make_registration(
            first.id,
            "Promoted",
            seats=1,
            created_at=at(1),
            confirmed_at=at(3),
            checked_in_at=MAY_10,
        )
        make_registration(first.id, "Still waiting", seats=2, status="waitlisted")
        make_registration(
            first.id, "Cancelled with a seat", seats=4, status="cancelled", confirmed_at=at(1)
        )
        make_registration(
            first.id, "Gave up waiting", seats=1, status="cancelled", confirmed_at=None
        )
        drop_in = make_event(children, starts_at=at(20), registration="none", capacity=0)
        drop_in.headcount = 25
        called_off = make_event(children, starts_at=at(22), capacity=10)
        make_registration(called_off.id, "Of a cancelled event", seats=3)
        cancel_event(called_off, at(2))
        # 23:30 on 31 May in Almaty is still May there ...
        late = make_event(children, starts_at=datetime(2026, 5, 31, 18, 30, tzinfo=UTC), minutes=20)
        make_registration(late.id, "Late one", seats=2)
        # ... and 00:30 on 1 June in Almaty (19:30 UTC on 31 May) is June.
        june = make_event(children, starts_at=datetime(2026, 5, 31, 19, 30, tzinfo=UTC))
        make_registration(june.id, "June party", seats=4)
        april = make_event(children, starts_at=datetime(2026, 4, 30, 18, 0, tzinfo=UTC))
        make_registration(april.id, "April party", seats=1)
        elsewhere = make_event(other, starts_at=MAY_10, capacity=50)
        make_registration(elsewhere.id, "Other branch party", seats=4, checked_in_at=MAY_10)
        staff = make_staff("children@example.kz", branches=[children])
        admin = make_staff("admin@example.kz", is_admin=True)
        db.session.commit()
        return {"staff": staff.get_id(), "admin": admin.get_id(), "children": children.id}


def test_may_matches_the_hand_computed_numbers(app, seeded):
    with app.app_context():
        children = db.session.get(Branch, seeded["children"])
        report = monthly_stats([children], date(2026, 5, 1), date(2026, 6, 1), LATER)
    may, june = report.rows
    assert (may.month, june.month) == (date(2026, 5, 1), date(2026, 6, 1))
    # Events: the one on the 10th, the drop-in and the late one; one cancelled apart.
    assert may.events == 3 and may.cancelled_events == 1
    # Confirmed parties 3 + 1 (late one); seats 3 + 2 + 1 + 2.
    assert may.registrations == 4 and may.seats == 8
    # Attended: 3 + 1 checked in, plus a head count of 25.
    assert may.attended == 29
    # No-shows: 2 on the 10th and 2 at the late event.
    assert may.no_shows == 4
    # Waitlist demand: promoted 1 + still waiting 2 + gave up 1.
    assert may.waitlist_demand == 4
    assert (june.events, june.registrations, june.seats, june.no_shows) == (1, 1, 4, 4)
    # Released: the party of 4 confirmed and then cancelled (not the one that gave up waiting,
    # nor the parties of the cancelled event).
    assert (may.released, june.released) == (4, 0)
    # No-show rate: 4 of the 8 confirmed seats of ended events with registration (the drop-in's
    # head count is not a confirmed seat).
    assert (may.no_show_rate, june.no_show_rate) == (0.5, 1.0)
    (category,) = report.categories
    assert (category.category, category.events, category.seats) == ("master_class", 4, 12)
    assert (category.no_shows, category.released, category.no_show_rate) == (8, 4, 8 / 12)
    assert [month.month for month in report.months] == [date(2026, 5, 1), date(2026, 6, 1)]
    assert [month.no_shows for month in report.months] == [4, 4]


def test_the_categories_are_counted_apart(app, seeded):
    with app.app_context():
        children = db.session.get(Branch, seeded["children"])
        talk = make_event(children, starts_at=at(12), capacity=10, category="author_meeting")
        make_registration(talk.id, "Came", seats=2, checked_in_at=at(12))
        make_registration(talk.id, "Gave back", seats=3, status="cancelled", confirmed_at=at(2))
        db.session.commit()
        report = monthly_stats([children], date(2026, 5, 1), date(2026, 5, 1), LATER)
    by_category = {row.category: row for row in report.categories}
    assert set(by_category) == {"master_class", "author_meeting"}
    lecture = by_category["author_meeting"]
    assert (lecture.seats, lecture.attended, lecture.no_shows, lecture.released) == (2, 2, 0, 3)
    assert lecture.no_show_rate == 0.0
    assert by_category["master_class"].seats == 8


def test_an_event_not_yet_over_has_no_no_shows(app, seeded):
    with app.app_context():
        children = db.session.get(Branch, seeded["children"])
        report = monthly_stats([children], date(2026, 5, 1), date(2026, 5, 1), at(15))
    (may,) = report.rows
    assert may.no_shows == 2  # the late event has not happened yet on 15 May


def test_the_stats_page_and_csv_show_only_my_branches(client, seeded):
    log_in(client, seeded["staff"])
    response = client.get("/staff/stats?from=2026-05&to=2026-06")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Children&#39;s library" in page and "Other branch" not in page
    assert '<svg viewBox="0 0 ' in page and 'role="img"' in page
    assert "2026-05: attended 4, no-shows 4, released 4, no-show rate 50%." in page
    assert "2026-06: attended 0, no-shows 4, released 0, no-show rate 100%." in page
    assert ">Master class</th>" in page
    # Months by name, a total for the period, and a label on every cell for the phone layout.
    assert '<time datetime="2026-05">May 2026</time>' in page
    assert re.search(r">Total</th>\s*<td data-label=\"Events\">4 <span", page)
    assert page.count('data-label="No-show rate"') == 2 + 1 + 1  # two months, the total, a category
    russian = client.get("/staff/stats?from=2026-05&to=2026-06&lang=ru").get_data(as_text=True)
    assert ">май 2026</time>" in russian and ">Всего</th>" in russian
    client.get("/staff/stats?lang=en")  # back to English for the CSV below
    assert "style=" not in page
    response = client.get("/staff/stats.csv?from=2026-05&to=2026-06")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Branch"
    assert rows[0][-2:] == ["No-show rate", "Released seats"]
    assert rows[1] == [
        "Children's library",
        "2026-05",
        "3",
        "1",
        "4",
        "8",
        "29",
        "4",
        "4",
        "50%",
        "4",
    ]
    assert rows[2][:2] == ["Children's library", "2026-06"] and len(rows) == 3
    log_in(client, seeded["admin"])
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/staff/stats.csv?from=2026-05&to=2026-05").data.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    assert ["Other branch", "2026-05", "1", "0", "1", "4", "4", "4"][:7] == rows[2][:7]


@pytest.mark.parametrize(
    "query,message",
    [
        ("from=2026-13&to=2026-06", "YYYY-MM"),
        ("from=garbage", "YYYY-MM"),
        ("from=2026-07&to=2026-05", "must not be after"),
        ("from=2000-01&to=2026-05", "At most 36 months"),
        ("branch=other", "not one of yours"),
        ("branch=%00", "not one of yours"),
    ],
)
def test_bad_filters_get_a_clear_message_and_never_leak(client, seeded, query, message):
    log_in(client, seeded["staff"])
    response = client.get(f"/staff/stats?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "Other branch party" not in page
    assert "Other branch</th>" not in page
