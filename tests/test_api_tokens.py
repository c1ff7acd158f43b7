"""API tokens: the service, ``flask create-api-token`` and the staff page that revokes them."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import ApiToken, StaffUser
from calendar_app.services import api_tokens
from calendar_app.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.factories import NOW, make_branch
from tests.staff_support import log_in, make_staff


@pytest.fixture
def people(app):
    with app.app_context():
        branch = make_branch("chekhov")
        accounts = {
            "anna": make_staff("anna@example.kz", branches=[branch]),
            "boris": make_staff("boris@example.kz", branches=[branch]),
            "admin": make_staff("admin@example.kz", is_admin=True),
        }
        tokens = {
            "anna": api_tokens.issue(accounts["anna"], "Website", NOW).token.id,
            "boris": api_tokens.issue(accounts["boris"], "Season script", NOW).token.id,
        }
        db.session.commit()
        return {"staff": {key: staff.id for key, staff in accounts.items()}, "tokens": tokens}


def staff(key: str, people) -> StaffUser:
    return db.session.get(StaffUser, people["staff"][key])


def test_a_token_has_enough_randomness_and_only_its_hash_is_stored(ctx):
    anna = make_staff("anna@example.kz")
    issued = [api_tokens.issue(anna, f"token {n}", NOW) for n in range(20)]
    secrets = {item.secret for item in issued}
    assert len(secrets) == 20
    for item in issued:
        assert len(item.secret) >= 32  # 192 bits in URL-safe base64
        assert item.token.token_hash == hashlib.sha256(item.secret.encode()).hexdigest()
        assert api_tokens.authenticate(item.secret).id == item.token.id
    for row in db.session.execute(select(ApiToken)).scalars():
        assert all(value not in secrets for value in vars(row).values() if isinstance(value, str))


def test_authenticate_refuses_unknown_revoked_and_disabled(ctx):
    anna = make_staff("anna@example.kz")
    first = api_tokens.issue(anna, "", NOW)
    second = api_tokens.issue(anna, "", NOW)
    for wrong in (None, 5, "", "short", first.secret + "x", first.secret[:-1] + "!", "é" * 40):
        assert api_tokens.authenticate(wrong) is None
    api_tokens.revoke(anna, first.token.id, NOW)
    assert api_tokens.authenticate(first.secret) is None
    assert api_tokens.authenticate(second.secret).staff == anna
    anna.active = False
    assert api_tokens.authenticate(second.secret) is None
    with pytest.raises(Conflict):
        api_tokens.issue(anna, "", NOW)


@pytest.mark.parametrize("label", [5, "x" * 101, "tab\there"])
def test_a_label_is_short_printable_text(ctx, label):
    with pytest.raises(InvalidInput) as refused:
        api_tokens.issue(make_staff("anna@example.kz"), label, NOW)
    assert list(refused.value.errors) == ["label"]


def test_staff_revoke_their_own_tokens_and_admins_any(app, people):
    with app.app_context():
        anna, admin = staff("anna", people), staff("admin", people)
        with pytest.raises(PermissionDenied):
            api_tokens.revoke(anna, people["tokens"]["boris"], NOW)
        with pytest.raises(NotFound):
            api_tokens.revoke(admin, 2**31, NOW)
        assert [t.label for t in api_tokens.tokens_for(anna)] == ["Website"]
        assert len(api_tokens.tokens_for(admin)) == 2
        assert api_tokens.revoke(anna, people["tokens"]["anna"], NOW).revoked_at == NOW
        assert api_tokens.revoke(admin, people["tokens"]["boris"], NOW).is_revoked
        with pytest.raises(Conflict):
            api_tokens.revoke(admin, people["tokens"]["boris"], NOW)


def test_the_command_prints_a_working_token_alone_on_the_last_line(app, people):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-api-token", "Anna@Example.KZ", "--label", "Сайт"])
    assert result.exit_code == 0, result.output
    secret = result.output.rstrip("\n").splitlines()[-1]
    assert secret.strip() == secret and " " not in secret and len(secret) >= 32
    with app.app_context():
        token = db.session.execute(select(ApiToken).where(ApiToken.label == "Сайт")).scalar_one()
        assert token.staff_id == people["staff"]["anna"]
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert api_tokens.authenticate(secret).id == token.id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.kz"], "There is no staff account with the address nobody@example.kz"),
        (["not an address"], "There is no staff account"),
        (["anna@example.kz", "--label", "x" * 101], "label: The label is too long"),
    ],
)
def test_the_command_fails_clearly(app, people, args, message):
    result = app.test_cli_runner().invoke(args=["create-api-token", *args])
    assert result.exit_code == 1
    assert message in result.output
    with app.app_context():
        assert len(db.session.execute(select(ApiToken)).scalars().all()) == 2


def test_the_command_refuses_a_disabled_account(app, people):
    with app.app_context():
        staff("anna", people).active = False
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["create-api-token", "anna@example.kz"])
    assert result.exit_code == 1 and "disabled" in result.output


def test_the_tokens_page_lists_own_tokens_and_revokes_after_asking(app, client, people):
    with app.app_context():
        log_in(client, staff("anna", people))
    page = client.get("/staff/tokens").get_data(as_text=True)
    assert "Website" in page and "Season script" not in page and "never" in page
    assert 'href="/staff/tokens"' in client.get("/staff/").get_data(as_text=True)
    mine = people["tokens"]["anna"]
    ask = client.get(f"/staff/tokens/{mine}/revoke").get_data(as_text=True)
    assert "Yes, revoke the token" in ask and 'method="post"' in ask
    with app.app_context():
        assert db.session.get(ApiToken, mine).revoked_at is None
    response = client.post(f"/staff/tokens/{mine}/revoke")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/tokens"
    with app.app_context():
        assert db.session.get(ApiToken, mine).is_revoked
    again = client.post(f"/staff/tokens/{mine}/revoke", follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)
    assert "Revoke" not in client.get("/staff/tokens").get_data(as_text=True).split("<tbody>")[1]


def test_someone_elses_token_is_refused_for_staff_and_open_to_admins(app, client, people):
    theirs = people["tokens"]["boris"]
    with app.app_context():
        log_in(client, staff("anna", people))
    assert client.get(f"/staff/tokens/{theirs}/revoke").status_code == 403
    assert client.post(f"/staff/tokens/{theirs}/revoke").status_code == 403
    assert client.post("/staff/tokens/987654/revoke").status_code == 404
    assert client.post(f"/staff/tokens/{2**40}/revoke").status_code == 404
    with app.app_context():
        assert not db.session.get(ApiToken, theirs).is_revoked
        log_in(client, staff("admin", people))
    page = client.get("/staff/tokens").get_data(as_text=True)
    assert "Season script" in page and "boris@example.kz" in page and "anna@example.kz" in page
    assert client.post(f"/staff/tokens/{theirs}/revoke").status_code == 302
    with app.app_context():
        assert db.session.get(ApiToken, theirs).is_revoked


def test_the_tokens_page_needs_a_login(client):
    response = client.get("/staff/tokens")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize(("lang", "heading"), [("kk", "API токендері"), ("ru", "API-токены")])
def test_the_tokens_page_speaks_kazakh_and_russian(app, client, people, lang, heading):
    with app.app_context():
        log_in(client, staff("admin", people))
    assert heading in client.get(f"/staff/tokens?lang={lang}").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_revoking_needs_the_csrf_token_of_the_confirmation_page(app, client, people):
    mine = people["tokens"]["anna"]
    with app.app_context():
        log_in(client, staff("anna", people))
    assert client.post(f"/staff/tokens/{mine}/revoke").status_code == 400
    with app.app_context():
        assert not db.session.get(ApiToken, mine).is_revoked
    page = client.get(f"/staff/tokens/{mine}/revoke").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(f"/staff/tokens/{mine}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ApiToken, mine).is_revoked
