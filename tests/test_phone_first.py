"""Phone first: quick choices above the list, the filters behind one button, and a register
button near the event's title."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from html import unescape
from unittest.mock import patch

import pytest

from calendar_app.extensions import db
from calendar_app.services.events import cancel_event
from calendar_app.services.quick_choices import weekend
from tests.factories import NOW, make_branch, make_event, make_registration

# NOW is Friday 2026-05-01, 11:00 in Almaty (UTC+5).
FRIDAY_EVENING = NOW + timedelta(hours=8)  # 19:00 Almaty, the same day
SATURDAY_MORNING = NOW + timedelta(hours=18)  # 05:00 Almaty, Saturday: still the weekend
SUNDAY_NIGHT = NOW + timedelta(days=2, hours=12, minutes=30)  # 23:30 Almaty, Sunday
MONDAY_EARLY = NOW + timedelta(days=2, hours=13, minutes=30)  # 00:30 Almaty, Monday


@pytest.fixture(autouse=True)
def frozen_now():
    with patch("calendar_app.public.pages.utcnow", return_value=NOW):
        yield


@pytest.fixture
def data(app):
    @contextmanager
    def block() -> Iterator[None]:
        with app.app_context():
            yield
            db.session.commit()

    return block


def main_of(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index("<main") : html.index("</main>")]


def quick_links(html: str) -> dict[str, tuple[str, bool]]:
    """The quick choices: label -> (href, marked current)."""
    nav = html[html.index('class="quick-choices"') :]
    nav = nav[: nav.index("</nav>")]
    return {
        unescape(label): (unescape(href), bool(current))
        for href, current, label in re.findall(
            r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav
        )
    }


def filter_details(html: str) -> str:
    return re.search(r"<details[^>]*data-filters[^>]*>", html).group(0)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 5, 1), (date(2026, 5, 2), date(2026, 5, 3))),  # Friday
        (date(2026, 4, 27), (date(2026, 5, 2), date(2026, 5, 3))),  # Monday
        (date(2026, 5, 2), (date(2026, 5, 2), date(2026, 5, 3))),  # Saturday
        (date(2026, 5, 3), (date(2026, 5, 3), date(2026, 5, 3))),  # Sunday: what is left
    ],
)
def test_this_weekend_is_the_coming_saturday_and_sunday(today, expected):
    assert weekend(today) == expected


def test_quick_choice_links_give_the_right_events(data, client):
    with data():
        chekhov = make_branch("chekhov", name="Chekhov library")
        begalin = make_branch("begalin", name="Begalin library")
        make_event(chekhov, title="Tonight", starts_at=FRIDAY_EVENING)
        make_event(chekhov, title="Saturday dawn", starts_at=SATURDAY_MORNING, minutes=60)
        make_event(begalin, title="Sunday late", starts_at=SUNDAY_NIGHT, minutes=20)
        make_event(begalin, title="Monday", starts_at=MONDAY_EARLY, audience="children")
        make_event(begalin, title="Fairy tales", audience="children")
    titles = ("Tonight", "Saturday dawn", "Sunday late", "Monday", "Fairy tales")

    def shown(href: str) -> set[str]:
        response = client.get(href)
        assert response.status_code == 200, href
        page = main_of(response)
        return {title for title in titles if f">{title}</a>" in page}

    links = quick_links(main_of(client.get("/?lang=en")))
    assert list(links) == [
        "All events",
        "Today",
        "This weekend",
        "For children",
        "Begalin library",
        "Chekhov library",
    ]
    assert links["Today"][0] == "/?from=2026-05-01&to=2026-05-01"
    assert shown(links["Today"][0]) == {"Tonight"}
    assert links["This weekend"][0] == "/?from=2026-05-02&to=2026-05-03"
    assert shown(links["This weekend"][0]) == {"Saturday dawn", "Sunday late"}
    assert shown(links["For children"][0]) == {"Monday", "Fairy tales"}
    assert shown(links["Chekhov library"][0]) == {"Tonight", "Saturday dawn"}
    assert shown(links["All events"][0]) == set(titles)


def test_the_current_quick_choice_is_marked(data, client):
    with data():
        make_branch("chekhov", name="Chekhov library")
    current = {
        query: [
            label
            for label, (_, marked) in quick_links(main_of(client.get(query))).items()
            if marked
        ]
        for query in (
            "/?lang=en",
            "/?from=2026-05-01&to=2026-05-01",
            "/?from=2026-05-02&to=2026-05-03",
            "/?audience=children",
            "/?branch=chekhov",
            "/?branch=chekhov&audience=children",
        )
    }
    assert current == {
        "/?lang=en": ["All events"],
        "/?from=2026-05-01&to=2026-05-01": ["Today"],
        "/?from=2026-05-02&to=2026-05-03": ["This weekend"],
        "/?audience=children": ["For children"],
        "/?branch=chekhov": ["Chekhov library"],
        "/?branch=chekhov&audience=children": [],
    }
    refused = client.get("/?audience=pets")
    assert refused.status_code == 400
    assert not any(marked for _, marked in quick_links(main_of(refused)).values())


def test_the_filters_are_behind_one_button_open_only_when_in_use(data, client):
    with data():
        make_branch("chekhov")
    plain = main_of(client.get("/?lang=en"))
    assert " open" not in filter_details(plain)
    summary = re.search(r"<summary[^>]*>(.*?)</summary>", plain, re.S).group(1)
    assert summary.strip() == "Filters"
    # The details come before the list, so the first events follow a one-line button.
    assert plain.index("<details") < plain.index('id="results-title"')
    assert plain.index('class="quick-choices"') < plain.index("<details")

    used = main_of(client.get("/?branch=chekhov&audience=children&lang=en"))
    assert " open" in filter_details(used)
    assert "2 active" in re.search(r"<summary[^>]*>(.*?)</summary>", used, re.S).group(1)

    refused = client.get("/?from=2026-13-01&lang=en")
    assert refused.status_code == 400
    details = filter_details(main_of(refused))
    assert " open" in details and "data-has-errors" in details


def test_the_filter_button_is_translated(data, client):
    with data():
        make_branch("chekhov")
    for language in ("kk", "ru"):
        page = main_of(client.get(f"/?audience=children&lang={language}"))
        summary = re.search(r"<summary[^>]*>(.*?)</summary>", page, re.S).group(1)
        assert "Filters" not in summary and "active" not in summary
        assert "For children" not in quick_links(page)


def register_button(html: str) -> str | None:
    found = re.search(
        r'<p class="seat-summary"><a class="button register-jump" href="#register">([^<]+)</a>',
        html,
    )
    return found.group(1) if found else None


def test_register_button_near_the_title_follows_the_seat_state(data, client):
    with data():
        branch = make_branch()
        open_event = make_event(branch, capacity=10)
        waitlist = make_event(branch, capacity=2, waitlist_enabled=True)
        make_registration(waitlist.id, seats=2)
        full = make_event(branch, capacity=2, waitlist_enabled=False)
        make_registration(full.id, seats=2)
        drop_in = make_event(branch, registration="none", capacity=0)
        not_open = make_event(branch, opens_at=NOW + timedelta(days=2))
        cancelled = make_event(branch)
        cancel_event(cancelled, NOW)
        ended = make_event(branch, starts_at=NOW - timedelta(hours=3), now=NOW - timedelta(days=1))
        ids = {
            "open": open_event.id,
            "waitlist": waitlist.id,
            "full": full.id,
            "drop_in": drop_in.id,
            "not_open": not_open.id,
            "cancelled": cancelled.id,
            "ended": ended.id,
        }

    def button(name: str) -> str | None:
        response = client.get(f"/events/{ids[name]}?lang=en")
        assert response.status_code == 200
        html = main_of(response)
        label = register_button(html)
        if label is not None:
            # Near the title, before the facts, and leading to the form further down.
            assert html.index('id="event-title"') < html.index("register-jump")
            assert html.index("register-jump") < html.index('class="facts"')
            assert '<section class="registration-panel" id="register"' in html
            assert '<form method="post"' in html[html.index('id="register"') :]
        return label

    assert button("open") == "Register"
    assert button("waitlist") == "Join the waitlist"
    for name in ("full", "drop_in", "not_open", "cancelled", "ended"):
        assert button(name) is None, name


def test_register_button_is_translated(data, client):
    with data():
        event_id = make_event(capacity=10).id
    labels = {
        language: register_button(main_of(client.get(f"/events/{event_id}?lang={language}")))
        for language in ("kk", "ru", "en")
    }
    assert labels["en"] == "Register"
    assert labels["kk"] and labels["ru"] and len(set(labels.values())) == 3
