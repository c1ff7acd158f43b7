"""The purge of personal data: names and addresses of long-past events go, statistics stay."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Branch, OutboxMessage, Registration
from calendar_app.services import mail
from calendar_app.services.personal_data import purge_personal_data
from calendar_app.services.stats import MonthStats, monthly_stats
from tests.factories import make_branch, make_event, make_registration
from tests.staff_support import log_in, make_staff

LAST_YEAR = datetime(2025, 3, 10, 13, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


def numbers(branch: Branch) -> list[dict]:
    """Every figure of the statistics: per branch and month, per category, per month."""
    report = monthly_stats([branch], date(2025, 1, 1), date(2026, 12, 1), NOW)
    names = [f.name for f in fields(MonthStats) if f.name != "branch"]
    rows = report.rows + report.categories + report.months
    return [{name: getattr(row, name, None) for name in [*names, "category"]} for row in rows]


@pytest.fixture
def seasons(app):
    """An event of last March with every kind of party, and one next week."""
    with app.app_context():
        branch = make_branch("children", name="Children's library")
        old = make_event(branch, starts_at=LAST_YEAR, capacity=10, now=LAST_YEAR - YEAR)
        make_registration(
            old.id, "Came", seats=3, checked_in_at=LAST_YEAR, created_at=old.created_at
        )
        make_registration(old.id, "No show", seats=2, created_at=old.created_at)
        make_registration(
            old.id, "Promoted", created_at=old.created_at, confirmed_at=old.created_at + YEAR / 100
        )
        make_registration(old.id, "Gave up", status="cancelled", created_at=old.created_at)
        make_registration(
            old.id,
            "Gave back",
            status="cancelled",
            created_at=old.created_at,
            confirmed_at=old.created_at,
        )
        make_registration(old.id, "Walk-in", email=None, source="walk_in", checked_in_at=LAST_YEAR)
        party = make_registration(old.id, "Mailed", created_at=old.created_at)
        mail.enqueue(mail.REGISTERED, party, old.created_at).status = "sent"
        coming = make_event(branch, starts_at=NOW + timedelta(days=7), now=NOW)
        make_registration(coming.id, "Next week", seats=2)
        staff = make_staff("children@example.kz", branches=[branch])
        db.session.commit()
        return {"branch": branch.id, "old": old.id, "coming": coming.id, "staff": staff.get_id()}


def people(event_id: int) -> list[tuple]:
    rows = db.session.execute(
        select(Registration.name, Registration.email, Registration.email_normalized)
        .where(Registration.event_id == event_id)
        .order_by(Registration.id)
    )
    return [tuple(row) for row in rows]


def test_the_purge_keeps_statistics_and_runs_once(app, seasons):
    with app.app_context():
        branch = db.session.get(Branch, seasons["branch"])
        before = numbers(branch)
        assert any(row["events"] for row in before)  # the season has something to count
        assert any(row["no_shows"] and row["released"] for row in before)
        assert purge_personal_data(LAST_YEAR + YEAR, YEAR) == 0  # it ended less than a year ago
        assert purge_personal_data(NOW, YEAR) == 7
        db.session.commit()
        assert purge_personal_data(NOW, YEAR) == 0
        db.session.commit()
        assert set(people(seasons["old"])) == {(None, None, None)}
        assert people(seasons["coming"])[0][0] == "Next week"
        assert numbers(db.session.get(Branch, seasons["branch"])) == before
        statuses = db.session.execute(
            select(Registration.status, func.sum(Registration.seats))
            .where(Registration.event_id == seasons["old"])
            .group_by(Registration.status)
            .order_by(Registration.status)
        ).all()
        assert [tuple(row) for row in statuses] == [("cancelled", 2), ("confirmed", 8)]
        outbox = select(func.count(OutboxMessage.id)).where(
            OutboxMessage.event_id == seasons["old"]
        )
        assert db.session.execute(outbox).scalar_one() == 0


def test_the_roster_and_its_csv_cope_without_names(app, client, seasons):
    with app.app_context():
        purge_personal_data(NOW, YEAR)
        db.session.commit()
    log_in(client, seasons["staff"])
    roster = client.get(f"/staff/events/{seasons['old']}/roster")
    assert roster.status_code == 200 and "No show" not in roster.get_data(as_text=True)
    assert "Name removed" in roster.get_data(as_text=True) or "Аты өшірілді" in roster.get_data(
        as_text=True
    )
    sheet = client.get(f"/staff/events/{seasons['old']}/roster.csv")
    assert sheet.status_code == 200 and b"No show" not in sheet.data


def test_purge_personal_data_command(app, seasons):
    runner = app.test_cli_runner()
    output = runner.invoke(
        args=["purge-personal-data", "--now", "2026-05-01T11:00:00+05:00"]
    ).output
    assert "from 7 registrations" in output
    output = runner.invoke(args=["purge-personal-data", "--now", NOW.isoformat()]).output
    assert "from 0 registrations" in output
    assert runner.invoke(args=["purge-personal-data", "--now", "soon"]).exit_code == 2


@pytest.mark.parametrize("app_config", [{"PERSONAL_DATA_RETENTION_DAYS": 800}])
def test_the_retention_is_configurable(app, seasons):
    assert app.config["PERSONAL_DATA_RETENTION_DAYS"] == 800
    output = app.test_cli_runner().invoke(args=["purge-personal-data"]).output
    assert "from 0 registrations" in output
