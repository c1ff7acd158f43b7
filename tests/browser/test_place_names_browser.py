"""The branch form with its names and addresses in each language, on a phone."""

from __future__ import annotations

import pytest

from calendar_app.extensions import db
from calendar_app.models import Branch
from tests.browser.conftest import ARTIFACTS, PHONE
from tests.factories import make_branch
from tests.staff_support import BROWSER_CONFIG, PASSWORD, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return dict(BROWSER_CONFIG)


def test_admin_names_a_branch_in_russian_on_a_phone(app, page, live_server):
    with app.app_context():
        branch_id = make_branch("chekhov", name="Chekhov library").id
        make_staff("admin@example.kz", is_admin=True)
        db.session.commit()
    edit = f"/staff/admin/branches/{branch_id}/edit"
    page.goto(f"{live_server}/staff/login?next={edit}")
    page.get_by_label("E-mail address").fill("admin@example.kz")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}{edit}")
    page.get_by_label("Name in Russian").fill("Библиотека им. Чехова")
    page.get_by_label("Address in Kazakh").fill("Алматы қ., Желтоқсан көшесі, 71")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "branch-form-phone.png"), full_page=True)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server}/staff/admin/")
    with app.app_context():
        assert db.session.get(Branch, branch_id).translations == {
            "kk": {"address": "Алматы қ., Желтоқсан көшесі, 71"},
            "ru": {"name": "Библиотека им. Чехова"},
        }
    page.goto(f"{live_server}/staff/admin/?lang=ru")
    assert "Библиотека им. Чехова" in page.content()
