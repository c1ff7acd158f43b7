"""The catalogue service: filters, listing, availability and their query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from calendar_app.extensions import db
from calendar_app.models import Registration
from calendar_app.models.registration import STATUS_CANCELLED, STATUS_CONFIRMED, STATUS_WAITLISTED
from calendar_app.services import catalog
from calendar_app.services.catalog import EventFilters, parse_filters, parse_month, parse_page
from calendar_app.services.errors import InvalidInput, NotFound
from calendar_app.services.events import cancel_event
from calendar_app.services.seats import availability
from tests.factories import NOW, make_branch, make_event, make_registration, make_venue


def add_registration(event, seats: int, status: str = STATUS_CONFIRMED) -> Registration:
    return make_registration(event.id, seats=seats, status=status)


# --- parsing (needs the database only for the branch check) ---------------------------------


def test_empty_arguments_mean_no_filter(ctx):
    filters = parse_filters({"branch": "", "category": "", "q": "  ", "from": "", "page": "2"})
    assert filters == EventFilters()
    assert not filters.active


def test_valid_filters_are_parsed(ctx):
    make_branch("chekhov")
    filters = parse_filters(
        {
            "branch": "chekhov",
            "category": "master_class",
            "audience": "children",
            "q": " Құтадғу ",
            "from": "2026-05-01",
            "to": "2026-05-31",
        }
    )
    assert filters.branch == "chekhov"
    assert filters.q == "Құтадғу"
    assert filters.date_from == date(2026, 5, 1) and filters.date_to == date(2026, 5, 31)
    assert filters.as_args() == {
        "branch": "chekhov",
        "category": "master_class",
        "audience": "children",
        "q": "Құтадғу",
        "from": "2026-05-01",
        "to": "2026-05-31",
    }


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"branch": "nowhere"}, "branch"),
        ({"branch": "../etc/passwd"}, "branch"),
        ({"category": "rave"}, "category"),
        ({"audience": "pets"}, "audience"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "01.05.2026"}, "from"),
        ({"to": "2026-5-1"}, "to"),
        ({"to": "２０２６-05-01"}, "to"),
        ({"from": "2026-05-10", "to": "2026-05-01"}, "to"),
        ({"q": "x" * 201}, "q"),
        ({"q": "book\x00"}, "q"),
        ({"q": "a\nb"}, "q"),
        ({"q": "\ud800"}, "q"),
        ({"category": "c" * 10_000}, "category"),
        ({"branch": "\x1b[31m"}, "branch"),
    ],
)
def test_bad_filters_raise_invalid_input_naming_the_field(ctx, args, field):
    with pytest.raises(InvalidInput) as caught:
        parse_filters(args)
    assert field in caught.value.errors
    assert all(message for message in caught.value.errors[field])


def test_several_bad_filters_are_reported_together(ctx):
    with pytest.raises(InvalidInput) as caught:
        parse_filters({"category": "x", "audience": "y", "from": "z"})
    assert set(caught.value.errors) == {"category", "audience", "from"}


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1.5", "99999999999999999999", "１", " 2"])
def test_bad_page_numbers(raw):
    with pytest.raises(InvalidInput):
        parse_page(raw)


def test_page_numbers():
    assert parse_page(None) == 1 and parse_page("") == 1 and parse_page("3") == 3


@pytest.mark.parametrize("raw", ["2026-13", "2026-00", "2026-1", "202605", "x" * 5000, "0000-01"])
def test_bad_months(raw):
    with pytest.raises(InvalidInput):
        parse_month(raw, date(2026, 5, 1))


def test_months():
    assert parse_month(None, date(2026, 5, 17)) == date(2026, 5, 1)
    assert parse_month("2026-12", date(2026, 5, 17)) == date(2026, 12, 1)


# --- listing ----------------------------------------------------------------------------------


def test_upcoming_list_is_ordered_and_skips_ended_events(ctx):
    branch = make_branch()
    later = make_event(branch, starts_at=NOW + timedelta(days=5), title="Later")
    sooner = make_event(branch, starts_at=NOW + timedelta(days=1), title="Sooner")
    make_event(branch, starts_at=NOW - timedelta(days=1), title="Yesterday", now=NOW - timedelta(2))
    ongoing = make_event(branch, starts_at=NOW - timedelta(minutes=30), title="Ongoing")
    db.session.commit()
    page = catalog.list_events(EventFilters(), NOW)
    assert [item.event.id for item in page.items] == [ongoing.id, sooner.id, later.id]
    assert page.total == 3 and page.pages == 1


def test_cancelled_upcoming_events_stay_listed(ctx):
    event = make_event(title="Called off")
    cancel_event(event, NOW)
    db.session.commit()
    [item] = catalog.list_events(EventFilters(), NOW).items
    assert item.event.is_cancelled and item.registration_open is False


def test_filters_select_events(ctx):
    chekhov = make_branch("chekhov")
    begalin = make_branch("begalin")
    kutadgu = make_event(
        chekhov, title="«Құтадғу білік» жаңа аудармасына әдеби талдау", category="literary_analysis"
    )
    eco = make_event(
        begalin,
        title="Эко мастер-класс «Reduce»",
        audience="children",
        description="Школьники узнают, как сократить отходы (100% polezno_)",
    )
    make_event(chekhov, title="Another", starts_at=NOW + timedelta(days=30), audience="adults")
    db.session.commit()

    def ids(**args: str) -> list[int]:
        return [i.event.id for i in catalog.list_events(parse_filters(args), NOW).items]

    assert ids(branch="begalin") == [eco.id]
    assert ids(category="literary_analysis") == [kutadgu.id]
    assert ids(audience="children") == [eco.id]
    # Free text is case-insensitive in Kazakh and Russian too, on both backends.
    assert ids(q="ҚҰТАДҒУ") == [kutadgu.id]
    assert ids(q="эко") == [eco.id]
    assert ids(q="ШКОЛЬНИКИ") == [eco.id]
    # LIKE wildcards are plain characters.
    assert ids(q="100%") == [eco.id]
    assert ids(q="%") == [eco.id]
    assert ids(q="_") == [eco.id]
    assert ids(q="nothing like it") == []
    assert ids(branch="chekhov", audience="adults") == [ids(audience="adults")[0]]


def test_date_range_uses_local_days(ctx):
    branch = make_branch()
    # 2026-05-10 23:30 in Almaty is 18:30Z on the 10th; 00:30 on the 11th is 19:30Z on the 10th.
    late = make_event(branch, starts_at=datetime(2026, 5, 10, 18, 30, tzinfo=UTC), minutes=30)
    after_midnight = make_event(
        branch, starts_at=datetime(2026, 5, 10, 19, 30, tzinfo=UTC), minutes=30
    )
    db.session.commit()

    def ids(**args: str) -> list[int]:
        return [i.event.id for i in catalog.list_events(parse_filters(args), NOW).items]

    assert ids(**{"from": "2026-05-10", "to": "2026-05-10"}) == [late.id]
    assert ids(**{"from": "2026-05-11", "to": "2026-05-11"}) == [after_midnight.id]
    assert ids(**{"from": "2026-05-11"}) == [after_midnight.id]
    assert ids(to="2026-05-09") == []


def test_a_past_from_date_browses_the_past(ctx):
    past = make_event(starts_at=NOW - timedelta(days=3), now=NOW - timedelta(days=10))
    db.session.commit()
    assert catalog.list_events(EventFilters(), NOW).items == []
    filters = parse_filters({"from": (NOW - timedelta(days=4)).date().isoformat()})
    assert [i.event.id for i in catalog.list_events(filters, NOW).items] == [past.id]


def test_seats_left_counts_confirmed_seats_and_none_while_anyone_waits(ctx):
    event = make_event(capacity=10)
    queued = make_event(capacity=10)
    drop_in = make_event(registration="none", capacity=0)
    for target in (event, queued):
        add_registration(target, 3)
        add_registration(target, 2)
        add_registration(target, 4, STATUS_CANCELLED)
    add_registration(queued, 4, STATUS_WAITLISTED)
    db.session.commit()
    by_id = {i.event.id: i for i in catalog.list_events(EventFilters(), NOW).items}
    assert by_id[event.id].seats_left == 5 and not by_id[event.id].is_full
    # Five seats are free, but they are promised to the party of four at the head of the queue.
    assert by_id[queued.id].seats_left == 0 and by_id[queued.id].is_full
    assert by_id[queued.id].seats.free == 5 and by_id[queued.id].seats.waiting == 4
    assert by_id[drop_in.id].seats_left is None and by_id[drop_in.id].registration_open is False
    assert availability(event, NOW).seats_left == 5


def test_full_event_has_no_seats_left_but_a_negative_count_never_shows(ctx):
    event = make_event(capacity=4)
    add_registration(event, 4)
    add_registration(event, 2)  # e.g. a staff override beyond capacity
    db.session.commit()
    listing = availability(event, NOW)
    assert listing.seats_left == 0 and listing.is_full


def test_registration_open_follows_the_window(ctx):
    not_yet = make_event(opens_at=NOW + timedelta(days=1))
    closed = make_event(starts_at=NOW + timedelta(days=3), closes_at=NOW - timedelta(hours=1))
    open_now = make_event()
    started = make_event(starts_at=NOW - timedelta(minutes=10))
    db.session.commit()
    assert availability(not_yet, NOW).registration_open is False
    assert availability(not_yet, NOW + timedelta(days=2)).registration_open is True
    assert availability(closed, NOW).registration_open is False
    assert availability(open_now, NOW).registration_open is True
    assert availability(started, NOW).registration_open is False


def test_pagination(ctx):
    branch = make_branch()
    venue = make_venue(branch)
    events = [
        make_event(branch, venue, starts_at=NOW + timedelta(days=1, hours=2 * n)) for n in range(7)
    ]
    db.session.commit()
    first = catalog.list_events(EventFilters(), NOW, page=1, per_page=3)
    last = catalog.list_events(EventFilters(), NOW, page=3, per_page=3)
    beyond = catalog.list_events(EventFilters(), NOW, page=4, per_page=3)
    assert [i.event.id for i in first.items] == [e.id for e in events[:3]]
    assert [i.event.id for i in last.items] == [events[6].id]
    assert first.total == 7 and first.pages == 3 and first.has_next and not first.has_previous
    assert last.has_previous and not last.has_next
    assert beyond.items == [] and beyond.total == 7
    with pytest.raises(InvalidInput):
        catalog.list_events(EventFilters(), NOW, page=0)


def test_get_event_and_branch_raise_not_found(ctx):
    with pytest.raises(NotFound):
        catalog.get_event(12345)
    with pytest.raises(NotFound):
        catalog.get_branch("nowhere")
    with pytest.raises(NotFound):
        catalog.get_branch("x" * 500)


def test_month_bounds_are_local():
    start, end = catalog.month_bounds(date(2026, 12, 1), "Asia/Almaty")
    assert start == datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 19, 0, tzinfo=UTC)


def _populate(count: int) -> None:
    branches = [make_branch() for _ in range(3)]
    venues = [make_venue(branch) for branch in branches]
    for number in range(count):
        which = number % 3
        event = make_event(
            branches[which],
            venues[which],
            starts_at=NOW + timedelta(days=1, hours=3 * number),
            minutes=60,
        )
        add_registration(event, 1 + number % 3)
    db.session.commit()


@pytest.mark.parametrize("count", [3, 300])
def test_listing_runs_a_constant_number_of_queries(ctx, count_queries, count):
    _populate(count)
    db.session.expire_all()
    with count_queries() as counter:
        page = catalog.list_events(EventFilters(), NOW, per_page=100)
        for item in page.items:  # what the templates touch
            _ = (item.event.branch.name, item.event.venue.name, item.seats_left)
    assert page.total == count
    assert counter.count == 3, counter.statements
    with count_queries() as counter:
        filters = parse_filters({"branch": page.items[0].event.branch.slug, "q": "event"})
        page = catalog.list_events(filters, NOW, per_page=100)
        for item in page.items:
            _ = (item.event.branch.name, item.event.venue.name, item.seats_left)
    assert counter.count == 4, counter.statements
