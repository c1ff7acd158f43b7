"""Tokens of the staff JSON API: see them and revoke them (made by ``create-api-token``).

Branch staff see and revoke their own tokens, administrators every account's; the service
checks this on every request.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..database import unit_of_work
from ..services import api_tokens
from ..services.errors import Conflict
from ..timeutil import utcnow
from . import bp
from .forms import ConfirmForm


@bp.get("/tokens")
def tokens() -> str:
    return render_template(
        "staff/tokens.html",
        tokens=api_tokens.tokens_for(current_user),
        zone=current_app.config["DEFAULT_TIMEZONE"],
    )


@bp.route("/tokens/<id:token_id>/revoke", methods=["GET", "POST"])
def revoke_token(token_id: int) -> Any:
    """Ask first (GET), then revoke (POST with the CSRF token)."""
    token = api_tokens.get_token(current_user, token_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        label = token.label
        try:
            with unit_of_work():
                api_tokens.revoke(current_user, token.id, utcnow())
        except Conflict as error:
            flash(error.message, "error")
        else:
            flash(_("The token “%(label)s” is revoked: it no longer works.", label=label), "info")
        return redirect(url_for("staff.tokens"))
    return render_template(
        "staff/token_revoke.html",
        token=token,
        form=form,
        zone=current_app.config["DEFAULT_TIMEZONE"],
    )
