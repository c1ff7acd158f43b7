"""The registrations service: seats, parties, windows, the waitlist and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.event import listen, remove
from sqlalchemy.exc import IntegrityError

from calendar_app.content_version import content_version
from calendar_app.database import DriverStatement, unit_of_work
from calendar_app.extensions import db
from calendar_app.models import Event, OutboxMessage, Registration
from calendar_app.security import derived_token, hash_token
from calendar_app.services import registrations as regs
from calendar_app.services.errors import Conflict, InvalidInput, NotFound
from calendar_app.services.events import EventData, cancel_event, update_event
from calendar_app.services.mail import recover_manage_token
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.services.seats import OpenSeats, open_seats, seat_count
from tests import factories
from tests.factories import NOW, make_event


def sign_up(event, email=None, seats=1, name="Айгерім Сәрсенова", now=NOW, **extra):
    email = email if email is not None else f"guest{next(_emails)}@example.kz"
    return regs.register(
        event.id,
        name=name,
        email=email,
        seats=seats,
        language=extra.pop("language", "kk"),
        source=extra.pop("source", "web"),
        now=now,
        **extra,
    )


_emails = iter(range(1, 1_000_000))


def registration_count() -> int:
    return db.session.execute(select(func.count(Registration.id))).scalar_one()


def edit_capacity(event, capacity: int):
    data = EventData(
        title=event.title,
        venue_id=event.venue_id,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        category=event.category,
        capacity=capacity,
        max_party=event.max_party,
        waitlist_enabled=event.waitlist_enabled,
    )
    return update_event(event, data, NOW)


def test_a_party_is_confirmed_and_only_hashes_are_stored(ctx):
    event = make_event(capacity=10)
    result = sign_up(event, email="Parent@Example.KZ", seats=3, name="  «Құтадғу білік»  ")
    db.session.commit()
    reg = result.registration
    assert result.status == reg.status == "confirmed"
    assert reg.seats == 3 and reg.name == "«Құтадғу білік»"
    assert reg.email == "Parent@example.kz" and reg.email_normalized == "parent@example.kz"
    assert len(result.token) >= 22  # 128 bits or more, url-safe
    assert reg.token_hash == hash_token(result.token) != result.token
    code = checkin_code_for(result.token)
    assert reg.checkin_code_hash == hash_token(code) and code != result.token
    assert regs.find_by_token(result.token).id == reg.id
    assert regs.find_by_checkin_code(code).id == reg.id
    assert regs.find_by_token(code) is None  # the door code cannot manage the registration
    assert seat_count(event.id).confirmed == 3
    assert regs.waitlist_position(reg) is None


def test_tokens_are_unique_and_unknown_or_truncated_tokens_find_nothing(ctx):
    event = make_event(capacity=10)
    tokens = {sign_up(event).token for _ in range(5)}
    assert len(tokens) == 5
    token = next(iter(tokens))
    for bad in (token[:-1], token[:10], "made-up-token-" * 3, "", "x" * 500, None, 42, "ü" * 30):
        assert regs.find_by_token(bad) is None
        assert regs.find_by_checkin_code(bad) is None


def test_full_event_waitlists_in_order_then_refuses_without_waitlist(ctx):
    event = make_event(capacity=4)
    assert sign_up(event, seats=3).status == "confirmed"
    second = sign_up(event, seats=2)
    third = sign_up(event, seats=1)
    assert second.status == third.status == "waitlisted"
    # Strict first come, first served: the single seat left goes to nobody behind the pair.
    assert regs.waitlist_position(second.registration) == second.waitlist_position == 1
    assert regs.waitlist_position(third.registration) == third.waitlist_position == 2
    assert seat_count(event.id).confirmed == 3

    closed = make_event(capacity=2, waitlist_enabled=False)
    sign_up(closed, seats=2)
    before = registration_count()
    with pytest.raises(Conflict, match="full"):
        sign_up(closed, seats=1)
    assert registration_count() == before


def test_cancellation_promotes_in_order_and_a_large_party_waits_for_more(ctx):
    event = make_event(capacity=5)
    first = sign_up(event, seats=3).registration
    second = sign_up(event, seats=2).registration
    big = sign_up(event, seats=4).registration  # waits
    small = sign_up(event, seats=1).registration  # waits behind the big party
    late = sign_up(event, seats=2).registration
    assert [r.status for r in (big, small, late)] == ["waitlisted"] * 3

    promoted = regs.cancel(second, NOW)  # frees 2 seats: too few for the party of 4
    assert promoted == []
    assert big.status == small.status == "waitlisted"
    assert regs.waitlist_position(small) == 2

    promoted = regs.cancel(first, NOW)  # 5 free: the 4 then the 1, in order
    assert [r.id for r in promoted] == [big.id, small.id]
    assert big.status == small.status == "confirmed" and big.confirmed_at == NOW
    assert late.status == "waitlisted" and regs.waitlist_position(late) == 1
    assert seat_count(event.id).confirmed == 5
    db.session.commit()


def test_cancelling_a_waiting_head_lets_the_next_ones_in(ctx):
    event = make_event(capacity=3)
    sign_up(event, seats=2)
    head = sign_up(event, seats=2).registration
    behind = sign_up(event, seats=1).registration
    assert behind.status == "waitlisted"
    assert [r.id for r in regs.cancel(head, NOW)] == [behind.id]
    assert seat_count(event.id).confirmed == 3


def test_cancel_twice_is_a_conflict_and_reregistering_after_cancel_works(ctx):
    event = make_event(capacity=3)
    result = sign_up(event, email="twice@example.kz")
    regs.cancel(result.registration, NOW)
    with pytest.raises(Conflict):
        regs.cancel(result.registration, NOW)
    assert regs.find_by_token(result.token).status == "cancelled"
    again = sign_up(event, email="TWICE@example.kz")
    assert again.status == "confirmed"


def test_raising_the_capacity_promotes_the_waitlist(ctx):
    event = make_event(capacity=2)
    sign_up(event, seats=2)
    waiting = [sign_up(event, seats=s).registration for s in (1, 2, 1)]
    edit_capacity(event, 5)
    assert [r.status for r in waiting] == ["confirmed", "confirmed", "waitlisted"]
    assert seat_count(event.id).confirmed == 5


def test_a_party_larger_than_a_lowered_capacity_does_not_block_the_queue(ctx):
    event = make_event(capacity=6)
    first = sign_up(event, seats=3).registration
    second = sign_up(event, seats=3).registration
    big = sign_up(event, seats=4).registration
    small = sign_up(event, seats=1).registration
    db.session.commit()
    assert regs.cancel(first, NOW) == []
    # 3 seats free: the party of 4 waits for more, the 1 behind it waits too (strict FIFO).
    assert big.status == small.status == "waitlisted"
    edit_capacity(event, 3)  # now a party of 4 can never be seated here
    assert [r.id for r in regs.cancel(second, NOW)] == [small.id]
    assert big.status == "waitlisted" and regs.waitlist_position(big) == 1


def test_one_active_registration_per_address_case_insensitive(ctx):
    event = make_event(capacity=10)
    sign_up(event, email="mama@example.kz")
    db.session.commit()
    before = registration_count()
    for variant in ("MAMA@example.kz", "mama@EXAMPLE.KZ", " Mama@Example.kz "):
        with pytest.raises(Conflict, match="already registered"), unit_of_work():
            sign_up(event, email=variant)
    assert registration_count() == before
    other = make_event(capacity=10)
    assert sign_up(other, email="mama@example.kz").status == "confirmed"


def test_a_duplicate_on_the_way_to_a_seat_is_refused_by_the_unique_index(ctx):
    """A registration that would get a seat (or a place in the queue) meets an address already
    registered only at the unique index on event and address: the refusal rolls the whole change
    back, mail included, and the next registration goes through."""
    event = make_event(capacity=1, waitlist_enabled=True)
    sign_up(event, email="dup@example.kz")
    db.session.commit()
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    with pytest.raises(Conflict, match="already registered"), unit_of_work():
        sign_up(event, email="Dup@example.kz")  # would wait in the queue
    assert registration_count() == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == mails
    assert sign_up(event, email="next@example.kz").status == "waitlisted"
    db.session.commit()
    assert registration_count() == 2


def test_a_rolled_back_registration_leaves_the_session_to_the_next(ctx):
    """A command registering parties one by one in one session: a registration rolled back
    (its row gone, its id given again on SQLite) does not stand in the way of the next."""
    event = make_event(capacity=5)
    db.session.commit()
    attempts = []
    with pytest.raises(RuntimeError), unit_of_work():
        attempts.append(sign_up(event, email="first@example.kz"))  # kept, as a command may
        raise RuntimeError("the command failed after registering")
    assert registration_count() == 0
    with unit_of_work():
        second = sign_up(event, email="second@example.kz")
    assert registration_count() == 1
    assert db.session.get(Registration, second.registration.id).email == "second@example.kz"


@pytest.mark.parametrize("waitlist", [False, True])
def test_an_address_registered_already_hears_that_before_any_other_refusal(ctx, waitlist):
    """The event is full (or the party too large for it): an address that holds a registration
    there is told it is registered, not why there would be no seat for it."""
    event = make_event(capacity=2, max_party=4, waitlist_enabled=waitlist)
    sign_up(event, email="mama@example.kz", seats=2)
    db.session.commit()
    retry_seats = 1 if not waitlist else 3  # full without a waitlist; larger than the event
    with pytest.raises(Conflict, match="already registered"), unit_of_work():
        sign_up(event, email="MAMA@example.kz", seats=retry_seats)
    with pytest.raises(Conflict) as refusal, unit_of_work():
        sign_up(event, email="papa@example.kz", seats=retry_seats)
    assert "already registered" not in str(refusal.value)
    assert registration_count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Bad\x00name"}, "name"),
        ({"name": "Tab\tname"}, "name"),
        ({"name": "bidi\u202ename"}, "name"),
        ({"name": None}, "name"),
        ({"name": 42}, "name"),
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "two@@example.kz"}, "email"),
        ({"email": "x" * 250 + "@example.kz"}, "email"),
        ({"email": ["a@example.kz"]}, "email"),
        ({"seats": 0}, "seats"),
        ({"seats": -1}, "seats"),
        ({"seats": 5}, "seats"),  # over max_party (4)
        ({"seats": "2"}, "seats"),
        ({"seats": 2.5}, "seats"),
        ({"seats": True}, "seats"),
        ({"seats": None}, "seats"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_writes_nothing(ctx, fields, field):
    event = make_event(capacity=10)
    db.session.commit()
    arguments = {"name": "Ерлан", "email": "erlan@example.kz", "seats": 1, "language": "kk"}
    arguments.update(fields)
    with pytest.raises(InvalidInput) as caught:
        regs.register(event.id, source="web", now=NOW, **arguments)
    assert field in caught.value.errors and caught.value.errors[field][0]
    db.session.rollback()
    assert registration_count() == 0


def test_all_field_errors_come_back_together(ctx):
    event = make_event()
    with pytest.raises(InvalidInput) as caught:
        regs.register(
            event.id, name="", email="nope", seats=0, language="kk", source="web", now=NOW
        )
    assert set(caught.value.errors) == {"name", "email", "seats"}


def test_name_of_exactly_200_characters_is_fine(ctx):
    event = make_event()
    assert sign_up(event, name="Ә" * 200).registration.name == "Ә" * 200


def test_unknown_event_is_not_found(ctx):
    with pytest.raises(NotFound):
        regs.register(
            987654, name="A", email="a@example.kz", seats=1, language="en", source="api", now=NOW
        )


def test_window_drop_in_cancelled_and_past_events_take_no_registrations(ctx):
    opens_later = make_event(opens_at=NOW + timedelta(days=1))
    closed = make_event(closes_at=NOW - timedelta(minutes=1), starts_at=NOW + timedelta(days=2))
    drop_in = make_event(registration="none")
    cancelled = make_event()
    cancel_event(cancelled, NOW)
    started = make_event(starts_at=NOW - timedelta(minutes=10), now=NOW - timedelta(days=1))
    over = make_event(starts_at=NOW - timedelta(days=1), now=NOW - timedelta(days=2))
    db.session.commit()
    expectations = [
        (opens_later, "not opened"),
        (closed, "closed"),
        (drop_in, "no registration"),
        (cancelled, "cancelled"),
        (started, "closed"),
        (over, "over"),
    ]
    for event, message in expectations:
        with pytest.raises(Conflict, match=message):
            sign_up(event)
    assert registration_count() == 0
    # Inside the window it works, right up to the close.
    assert sign_up(opens_later, now=NOW + timedelta(days=1)).status == "confirmed"
    window_end = closed.effective_closes_at
    late_closing = make_event(closes_at=NOW + timedelta(hours=1))
    assert sign_up(late_closing, now=NOW + timedelta(minutes=59)).status == "confirmed"
    assert window_end < NOW


def test_a_party_larger_than_the_event_is_refused_even_with_a_waitlist(ctx):
    event = make_event(capacity=2, max_party=4)
    with pytest.raises(Conflict, match="2 seats in all"):
        sign_up(event, seats=3)
    assert registration_count() == 0


def test_walk_ins_need_no_address_and_staff_may_exceed_capacity(ctx):
    event = make_event(
        capacity=1, starts_at=NOW - timedelta(minutes=5), now=NOW - timedelta(days=1)
    )
    walk_in = sign_up(event, email="", source="walk_in")
    assert walk_in.status == "confirmed" and walk_in.registration.email is None
    # A walk-in party is seated at the door or not at all: never put on the waitlist.
    with pytest.raises(Conflict, match="Not enough seats"):
        sign_up(event, email=None, source="walk_in")
    extra = sign_up(event, email="", source="walk_in", override_capacity=True)
    assert extra.status == "confirmed"
    assert seat_count(event.id).confirmed == 2
    with pytest.raises(InvalidInput):
        sign_up(event, email="broken", source="walk_in")
    with pytest.raises(Conflict, match="closed"):
        sign_up(event, source="web")


def test_check_in_only_for_confirmed_registrations(ctx):
    event = make_event(capacity=1)
    confirmed = sign_up(event).registration
    waiting = sign_up(event).registration
    regs.check_in(confirmed, None, NOW)
    assert confirmed.checked_in_at == NOW
    with pytest.raises(Conflict):
        regs.check_in(confirmed, None, NOW)
    with pytest.raises(Conflict):
        regs.check_in(waiting, None, NOW)
    regs.undo_check_in(confirmed, NOW)
    assert confirmed.checked_in_at is None
    with pytest.raises(Conflict):
        regs.undo_check_in(confirmed, NOW)
    regs.cancel(waiting, NOW)
    with pytest.raises(Conflict):
        regs.check_in(waiting, None, NOW)


def test_a_new_registration_is_written_once_with_a_token_that_later_mails_find_again(
    ctx, monkeypatch
):
    event = make_event(capacity=5)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()))

    driver_rows = DriverStatement.rows

    def recorded_rows(self, parameters):  # the statements sent straight to the driver
        rows = driver_rows(self, parameters)
        record(None, None, self._plans[db.engine.dialect.name].sql)
        return rows

    monkeypatch.setattr(DriverStatement, "rows", recorded_rows)
    db.session.commit()
    version = content_version()
    listen(db.engine, "before_cursor_execute", record)
    try:
        result = sign_up(event, email="once@example.kz")
        written = len(statements)
        # Inserted with every column, so reading any of them asks the database nothing more.
        fields = {
            column.key: getattr(result.registration, column.key)
            for column in Registration.__table__.columns
        }
        assert len(statements) == written
        db.session.commit()
    finally:
        remove(db.engine, "before_cursor_execute", record)

    # The registration and its mail, once each (on PostgreSQL in one statement, which moves the
    # content version too), and no second write of the row under the lock.
    sent = "\n".join(statements)
    assert sent.count("INSERT INTO registrations") == sent.count("INSERT INTO outbox_messages") == 1
    assert "UPDATE registrations" not in sent
    assert content_version() == version + 1  # moved once, by the statement or by the commit
    if db.engine.dialect.name == "postgresql":  # one round trip for all three writes
        (writes,) = [statement for statement in statements if "INSERT INTO" in statement]
        assert "UPDATE content_version" in writes
    assert fields["id"] and fields["standby"] is False and fields["reminder_sent_at"] is None
    registration = db.session.get(Registration, result.registration.id)
    assert registration.token_seed and result.token not in registration.token_seed
    assert regs.find_by_token(result.token).id == registration.id
    assert regs.find_by_checkin_code(checkin_code_for(result.token)).id == registration.id
    assert recover_manage_token(registration) == result.token
    app_key = ctx.config["SECRET_KEY"]
    ctx.config["SECRET_KEY"] = "another key"  # a copy of the database without the key
    try:
        assert recover_manage_token(registration) is None
    finally:
        ctx.config["SECRET_KEY"] = app_key


def test_a_registration_from_before_token_seeds_keeps_its_id_derived_token(ctx):
    event = make_event(capacity=5)
    old = factories.make_registration(event.id, "Ескі тіркеу", email="old@example.kz")
    token = derived_token(
        ctx.config["SECRET_KEY"], "manage", old.id, old.event_id, old.created_at.isoformat()
    )
    old.token_hash = hash_token(token)
    old.checkin_code_hash = hash_token(checkin_code_for(token))
    db.session.commit()

    assert old.token_seed is None
    assert regs.find_by_token(token).id == old.id
    assert recover_manage_token(old) == token  # later mails still carry the link it was given


def test_an_address_freed_while_waiting_for_the_lock_registers(ctx, monkeypatch):
    """The address was taken when the registration came; by the time the lock is granted the
    other registration was cancelled (and committed), so the new one goes through."""
    event = make_event(capacity=5)
    earlier = sign_up(event, email="again@example.kz").registration
    db.session.commit()
    real_lock = regs.lock_event_terms

    def lock_after_a_cancellation(event_id):
        earlier.status = "cancelled"  # what the transaction holding the lock committed
        db.session.flush()
        return real_lock(event_id)

    monkeypatch.setattr(regs, "lock_event_terms", lock_after_a_cancellation)
    assert sign_up(event, email="Again@example.kz").status == "confirmed"
    db.session.commit()
    assert registration_count() == 2


def test_a_newcomers_seat_figures_agree_with_the_full_count(ctx):
    """The figures a registration decides on under the lock (read through indexes) are the
    full seat count's, whatever mix of parties the event holds."""
    event = make_event(capacity=6, max_party=4)
    other = make_event(capacity=6, max_party=4)
    sign_up(other, seats=3, email="elsewhere@example.kz")  # another event's parties do not count
    parties = [sign_up(event, seats=seats).registration for seats in (2, 3, 1, 2, 4, 1, 1)]
    regs.check_in(parties[0], None, NOW)
    regs.cancel(parties[1], NOW)  # confirmed, then cancelled: its seats go to the queue
    parties[5].standby = True  # held back by the no-show policy
    parties[6].standby = True
    parties[3].standby = True  # seated from standby earlier: confirmed, the flag kept
    db.session.flush()
    regs.cancel(parties[6], NOW)  # a cancelled standby party counts nowhere

    def agree(seats: OpenSeats) -> None:
        full = seat_count(event.id)
        assert (seats.capacity, seats.confirmed, seats.waiting_parties, seats.standby_parties) == (
            full.capacity,
            full.confirmed,
            full.waiting_parties,
            full.standby_parties,
        )
        assert (seats.free, seats.available) == (full.free, full.available)

    seats = open_seats(event.id)
    agree(seats)
    assert (seats.waiting_parties, seats.standby_parties, seat_count(event.id).checked_in) == (
        2,
        1,
        2,
    )
    assert open_seats(987654) == OpenSeats()

    # A walk-in without an address seated beyond the capacity: no seat is free, none taken.
    walk_in = sign_up(
        event, email="", source="walk_in", override_capacity=True, seats=4
    ).registration
    seats = open_seats(event.id)
    agree(seats)
    assert seats.confirmed > seats.capacity and seats.free == 0

    # Only standby parties waiting: a newcomer takes a free seat before them.
    regs.cancel(parties[4], NOW)
    regs.cancel(parties[3], NOW)
    regs.cancel(walk_in, NOW)
    seats = open_seats(event.id)
    agree(seats)
    assert seats.waiting_parties == seats.standby_parties == 1
    assert seats.available > 0
    assert sign_up(event, seats=1).status == "confirmed"


def test_writes_after_the_registration_commit_with_the_version_it_moved(ctx):
    """On PostgreSQL the registration's statement moves the content version itself; the
    commit then leaves it, and what the same transaction writes afterwards commits with it."""
    event = make_event(capacity=5)
    db.session.commit()
    version = content_version()
    first = sign_up(event, email="first@example.kz").registration
    regs.cancel(first, NOW)  # ORM writes after it, in the same transaction
    edit_capacity(event, 7)
    db.session.commit()
    assert content_version() == version + 1
    assert seat_count(event.id).confirmed == 0 and event.capacity == 7
    mail = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.registration_id == first.id)
    ).scalars()
    assert sorted(message.kind for message in mail) == ["cancelled_by_visitor", "registered"]


def test_a_rolled_back_registration_leaves_the_content_version_to_the_next_commit(ctx):
    event = make_event(capacity=5)
    db.session.commit()
    version = content_version()
    sign_up(event, email="undone@example.kz")
    db.session.rollback()
    assert content_version() == version and registration_count() == 0
    edit_capacity(db.session.get(Event, event.id), 9)  # the next visible change moves it
    db.session.commit()
    assert content_version() == version + 1


def test_a_registration_in_a_rolled_back_savepoint_leaves_the_version_to_the_commit(ctx):
    """The version's own update must not be undone by a savepoint while the connection believes
    it moved: a registration inside one goes the commit's way."""
    event = make_event(capacity=5)
    db.session.commit()
    version = content_version()
    edit_capacity(event, 9)
    savepoint = db.session.begin_nested()
    sign_up(event, email="nested@example.kz")
    savepoint.rollback()
    db.session.commit()
    assert content_version() == version + 1
    assert registration_count() == 0


def test_the_mail_row_written_with_its_registration_reads_back_as_it_was_built(ctx):
    event = make_event(capacity=5)
    result = sign_up(event, email="Mail@Example.KZ", name="Дана «Сәуле»", language="ru")
    db.session.commit()
    (built,) = db.session.execute(select(OutboxMessage)).scalars()
    built_values = {column.key: getattr(built, column.key) for column in OutboxMessage.__table__.c}
    stored = db.session.execute(
        select(OutboxMessage).execution_options(populate_existing=True)
    ).scalar_one()
    assert {column.key: getattr(stored, column.key) for column in OutboxMessage.__table__.c} == (
        built_values
    )
    assert stored.registration_id == result.registration.id and stored.event_id == event.id
    assert (stored.kind, stored.status, stored.attempts, stored.language) == (
        "registered",
        "pending",
        0,
        "ru",
    )
    assert stored.to_address == "Mail@example.kz" and stored.to_name == "Дана «Сәуле»"
    assert stored.next_attempt_at == NOW and stored.next_attempt_at.tzinfo is not None


def test_another_constraint_refusing_the_rows_is_an_error_not_a_duplicate(ctx, monkeypatch):
    """Only the one-address-per-event index means "already registered"."""
    from calendar_app.services import mail

    event = make_event(capacity=5)
    sign_up(event, email="first@example.kz")
    db.session.commit()
    taken = db.session.execute(select(OutboxMessage.message_id)).scalar_one()
    monkeypatch.setattr(mail, "new_message_id", lambda: taken)
    with pytest.raises(IntegrityError):
        sign_up(event, email="second@example.kz")
    db.session.rollback()
    assert registration_count() == 1
