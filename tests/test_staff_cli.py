"""``flask --app app create-staff``: create, update, unknown branches, passwords from stdin."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from calendar_app.extensions import db
from calendar_app.models import StaffUser
from tests.factories import make_branch
from tests.staff_support import CHEAP_METHOD


@pytest.fixture
def app_config():
    return {"STAFF_PASSWORD_METHOD": CHEAP_METHOD}


@pytest.fixture
def branches(app):
    with app.app_context():
        make_branch("chekhov", name="Chekhov library")
        make_branch("begalin", name="Begalin library")
        db.session.commit()


def staff_by_email(app, email):
    with app.app_context():
        staff = db.session.execute(select(StaffUser).where(StaffUser.email == email)).scalar_one()
        return staff, sorted(branch.slug for branch in staff.branches)


def test_create_branch_staff_with_password_from_stdin(app, branches):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-staff",
            "Aigerim@Example.KZ",
            "--branch",
            "chekhov",
            "--branch",
            "begalin",
            "--password-stdin",
        ],
        input="a long secret password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created staff account aigerim@example.kz" in result.output
    staff, slugs = staff_by_email(app, "aigerim@example.kz")
    assert slugs == ["begalin", "chekhov"] and not staff.is_admin
    assert check_password_hash(staff.password_hash, "a long secret password")
    assert "a long secret password" not in result.output


def test_hidden_prompt_asks_twice_and_rerunning_updates(app, branches):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-staff", "boss@example.kz", "--admin"],
        input="first long password\nfirst long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "first long password" not in result.output
    staff, slugs = staff_by_email(app, "boss@example.kz")
    assert staff.is_admin and slugs == []
    result = runner.invoke(
        args=["create-staff", "boss@example.kz", "--branch", "begalin", "--password-stdin"],
        input="second long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Updated staff account boss@example.kz (begalin)" in result.output
    staff, slugs = staff_by_email(app, "boss@example.kz")
    assert not staff.is_admin and slugs == ["begalin"]
    assert check_password_hash(staff.password_hash, "second long password")
    with app.app_context():
        assert len(db.session.execute(select(StaffUser)).scalars().all()) == 1


def test_mismatched_prompt_answers_are_asked_again(app, branches):
    result = app.test_cli_runner().invoke(
        args=["create-staff", "boss@example.kz", "--admin"],
        input="first long password\nsomething else\nfinal long password\nfinal long password\n",
    )
    assert result.exit_code == 0, result.output
    staff, _ = staff_by_email(app, "boss@example.kz")
    assert check_password_hash(staff.password_hash, "final long password")


@pytest.mark.parametrize(
    "args,stdin,message",
    [
        (
            ["x@example.kz", "--branch", "nowhere", "--password-stdin"],
            "a long password\n",
            "Unknown branch: nowhere",
        ),
        (["x@example.kz", "--password-stdin"], "a long password\n", "at least one branch"),
        (
            ["not an address", "--admin", "--password-stdin"],
            "a long password\n",
            "not a valid e-mail",
        ),
        (["x@example.kz", "--admin", "--password-stdin"], "short\n", "at least 10 characters"),
        (["x@example.kz", "--admin", "--password-stdin"], "", "at least 10 characters"),
    ],
)
def test_bad_input_exits_non_zero_and_creates_nothing(app, branches, args, stdin, message):
    result = app.test_cli_runner().invoke(args=["create-staff", *args], input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.execute(select(StaffUser)).first() is None
