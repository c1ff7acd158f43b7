"""The repetition builder: the staff's choices become an RRULE value, read back, and in words."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_babel import force_locale

from calendar_app.services.errors import InvalidInput
from calendar_app.services.recurrence import parse_rule
from calendar_app.services.rule_builder import (
    WEEKDAYS,
    Repetition,
    build_rule,
    describe_rule,
    read_rule,
    weekday_names,
)

BUILT = [
    (
        Repetition("weekly", 2, ("MO", "WE"), ends="until", until=date(2027, 3, 1)),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20270301",
    ),
    (
        Repetition("monthly", 1, month_week=1, month_weekday="TU", ends="count", count=8),
        "FREQ=MONTHLY;BYDAY=1TU;COUNT=8",
    ),
    (Repetition("monthly", None, month_week=-1, month_weekday="FR"), "FREQ=MONTHLY;BYDAY=-1FR"),
    (Repetition("weekly", 1, ("SA",), ends="count", count=10), "FREQ=WEEKLY;BYDAY=SA;COUNT=10"),
    # Days come out in week order whatever order they were ticked in.
    (Repetition("weekly", 1, ("SU", "FR", "MO")), "FREQ=WEEKLY;BYDAY=MO,FR,SU"),
    (
        Repetition("monthly", 3, month_week=4, month_weekday="SU", ends="count", count=200),
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=4SU;COUNT=200",
    ),
]


@pytest.mark.parametrize("choice,rule", BUILT)
def test_choices_become_an_rrule_that_reads_back(choice, rule):
    assert build_rule(choice) == rule
    read = read_rule(rule)
    assert read is not None and build_rule(read) == rule
    assert read.weekdays == tuple(sorted(choice.weekdays, key=WEEKDAYS.index))
    assert parse_rule(rule, datetime(2026, 12, 1, 15), "Asia/Almaty")


@pytest.mark.parametrize(
    "choice,problems",
    [
        (Repetition("weekly", 1, ()), {"weekdays"}),
        (Repetition("weekly", 1, ("MO", "XX")), {"weekdays"}),
        (Repetition("weekly", 0, ("MO",)), {"interval"}),
        (Repetition("weekly", 53, ("MO",)), {"interval"}),
        (Repetition("daily", 1, ("MO",)), {"frequency"}),
        (Repetition("monthly", 1, month_week=5, month_weekday="MO"), {"month_week"}),
        (
            Repetition("monthly", 1, month_week=None, month_weekday="XX"),
            {"month_week", "month_weekday"},
        ),
        (Repetition("weekly", 1, ("MO",), ends="until"), {"until"}),
        (Repetition("weekly", 1, ("MO",), ends="count"), {"count"}),
        (Repetition("weekly", 1, ("MO",), ends="count", count=0), {"count"}),
        (Repetition("weekly", 1, ("MO",), ends="count", count=201), {"count"}),
        (Repetition("weekly", 1, ("MO",), ends="sometime"), {"ends"}),
        (Repetition("weekly", 0, (), ends="count", count=300), {"interval", "weekdays", "count"}),
    ],
)
def test_every_wrong_choice_is_named_by_its_field(choice, problems):
    with pytest.raises(InvalidInput) as raised:
        build_rule(choice)
    assert set(raised.value.errors) == problems


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;COUNT=3",
        "FREQ=WEEKLY;COUNT=10",  # no day given: the builder always names them
        "FREQ=WEEKLY;BYDAY=MO,MO",
        "FREQ=WEEKLY;BYDAY=1MO",
        "FREQ=MONTHLY;BYDAY=MO,TU",
        "FREQ=MONTHLY;BYDAY=5MO",
        "FREQ=MONTHLY;BYMONTHDAY=1",
        "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301T000000Z",
        "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270230",
        "FREQ=WEEKLY;BYDAY=MO;COUNT=3;UNTIL=20270301",
        "FREQ=WEEKLY;BYDAY=MO;COUNT=0",
        "FREQ=WEEKLY;INTERVAL=0;BYDAY=MO",
        "FREQ=WEEKLY;INTERVAL=٣;BYDAY=MO",
        "FREQ=WEEKLY;FREQ=WEEKLY;BYDAY=MO",
        "FREQ=WEEKLY;BYDAY",
        "",
    ],
)
def test_rules_the_builder_cannot_make_read_as_none(rule):
    assert read_rule(rule) is None


def test_read_rule_ignores_case():
    assert read_rule("freq=weekly;byday=we") == Repetition("weekly", 1, ("WE",))


@pytest.fixture
def babel_app():
    """Flask-Babel's catalogs without a database: the words need only the translations."""
    from calendar_app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    with app.test_request_context():
        yield app


@pytest.mark.parametrize(
    "locale,rule,words",
    [
        (
            "en",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20270301",
            "Every 2 weeks on Monday and Wednesday; until March 1, 2027",
        ),
        ("en", "FREQ=WEEKLY;BYDAY=SA;COUNT=1", "Every week on Saturday; 1 time"),
        (
            "en",
            "FREQ=MONTHLY;BYDAY=1TU;COUNT=8",
            "Every month on the first Tuesday of the month; 8 times",
        ),
        (
            "en",
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR",
            "Every 3 months on the last Friday of the month",
        ),
        (
            "ru",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20270301",
            "Каждые 2 недели: понедельник и среда; по 1 марта 2027\u202fг.",
        ),
        ("ru", "FREQ=WEEKLY;INTERVAL=5;BYDAY=SU", "Каждые 5 недель: воскресенье"),
        (
            "ru",
            "FREQ=MONTHLY;BYDAY=1TU;COUNT=8",
            "Каждый месяц: вторник с 1 по 7 число месяца; 8 раз",
        ),
        ("ru", "FREQ=MONTHLY;BYDAY=-1FR", "Каждый месяц: пятница в последние 7 дней месяца"),
        ("kk", "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3", "Апта сайын: дүйсенбі және сәрсенбі; 3 рет"),
        ("kk", "FREQ=MONTHLY;BYDAY=-1FR", "Ай сайын: айдың соңғы 7 күніне түсетін жұма"),
    ],
)
def test_rules_in_words(babel_app, locale, rule, words):
    with force_locale(locale):
        assert describe_rule(rule, locale) == words


def test_a_rule_written_by_hand_has_no_words(babel_app):
    assert describe_rule("FREQ=DAILY;COUNT=3", "en") is None


def test_weekday_names_follow_the_language():
    assert weekday_names("en")["MO"] == "Monday"
    assert weekday_names("ru")["WE"] == "среда"
    assert weekday_names("kk")["FR"] == "жұма"
