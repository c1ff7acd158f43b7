"""Login and logout, with failed attempts limited per account and per address."""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from limits import parse as parse_limit

from ..database import unit_of_work
from ..extensions import limiter
from ..services.staff_accounts import address_limit_key, authenticate, end_sessions
from ..timeutil import utcnow
from . import bp
from .forms import ConfirmForm, LoginForm


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None.

    Refuses anything a browser could read as another origin or a script: scheme-relative
    ``//host``, ``/\\host`` (browsers treat ``\\`` as ``/``), absolute URLs, ``javascript:``,
    and any control or whitespace character (browsers strip some of them before parsing).
    """
    if not target or len(target) > 2000:
        return None
    if any(unicodedata.category(char)[0] in "CZ" for char in target):
        return None
    if "\\" in target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _limit_keys(email: str) -> list[tuple[Any, str, str]]:
    key = address_limit_key(email)
    account = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    address = request.remote_addr or "unknown"
    config = current_app.config
    prefix = config.get("RATELIMIT_KEY_PREFIX") or ""
    return [
        (parse_limit(config["STAFF_LOGIN_ACCOUNT_LIMIT"]), f"{prefix}staff-login-account", account),
        (parse_limit(config["STAFF_LOGIN_ADDRESS_LIMIT"]), f"{prefix}staff-login-address", address),
    ]


def _limits_enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED")) and limiter.enabled


def login_blocked(email: str) -> bool:
    """Whether too many recent failures for this account or this address forbid another try."""
    if not _limits_enabled():
        return False
    return any(
        not limiter.limiter.test(item, namespace, key)
        for item, namespace, key in _limit_keys(email)
    )


def record_failure(email: str) -> None:
    """Count a failed attempt in the shared storage (RATELIMIT_STORAGE_URI), so every process sees it."""
    if not _limits_enabled():
        return
    for item, namespace, key in _limit_keys(email):
        limiter.limiter.hit(item, namespace, key)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_path = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("staff.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data or ""
        if login_blocked(email):
            form.form_errors.append(
                _("Too many failed attempts. Please wait a quarter of an hour and try again.")
            )
            status = 429
        else:
            with unit_of_work():
                staff = authenticate(email, form.password.data or "", utcnow())
            if staff is None:
                record_failure(email)
                form.form_errors.append(_("Wrong e-mail address or password."))
                status = 401
            else:
                login_user(staff, remember=bool(form.remember.data))
                return redirect(next_path or url_for("staff.dashboard"))
    elif request.method == "POST":
        status = 400
    return render_template("staff/login.html", form=form, next_path=next_path), status


@bp.post("/logout")
def logout() -> Any:
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Your session form expired; please try again."), "error")
        return redirect(url_for("staff.dashboard"))
    with unit_of_work():  # copies of the session cookie stop working too
        end_sessions(current_user._get_current_object())
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("staff.login"))
