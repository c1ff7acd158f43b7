"""A branch's closed days: list them, add a range or a repeating day, delete one.

After a closure is added the page lists the events already planned on those days; they are not
changed (staff decide whether to move or cancel them).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..database import unit_of_work
from ..extensions import db
from ..form_errors import apply_errors
from ..models import Branch, Closure
from ..services import permissions
from ..services.closures import (
    closures_of,
    create_closure,
    delete_closure,
    events_on_closed_days,
    get_closure,
)
from ..services.errors import InvalidInput
from ..services.rule_builder import build_rule
from ..services.validation import is_database_id
from ..timeutil import utcnow
from . import bp
from .forms import CLOSURE_RULE, ClosureForm, ConfirmForm


def load_branch(branch_id: int) -> Branch:
    """The branch if it exists (404) and I manage it (403)."""
    branch = db.session.get(Branch, branch_id) if is_database_id(branch_id) else None
    if branch is None:
        abort(404)
    permissions.require_branch(current_user, branch.id)
    return branch


def closure_input(form: ClosureForm) -> dict[str, object]:
    """What services/closures.py takes: a date range, or a rule from its first day."""
    start = form.start.data.isoformat() if form.start.data else None
    if form.kind.data == CLOSURE_RULE:
        return {"rrule": build_rule(form.repetition()), "start": start, "reason": form.reason.data}
    end = form.end.data.isoformat() if form.end.data else None
    return {"start": start, "end": end, "reason": form.reason.data}


def _added_closure(branch: Branch) -> Closure | None:
    """The closure just added (``?added=<id>``), if it is one of this branch's."""
    added = request.args.get("added", type=int)
    closure = db.session.get(Closure, added) if is_database_id(added) else None
    return closure if closure is not None and closure.branch_id == branch.id else None


@bp.route("/branches/<id:branch_id>/closures", methods=["GET", "POST"])
def closures(branch_id: int) -> Any:
    branch = load_branch(branch_id)
    form = ClosureForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                closure = create_closure(branch, closure_input(form), utcnow())
        except InvalidInput as error:
            apply_errors(form, error.errors, {"rrule": "frequency"})
            status = 422
        else:
            flash(_("The closed days are added."), "info")
            return redirect(url_for("staff.closures", branch_id=branch.id, added=closure.id))
    elif form.is_submitted():
        status = 422
    added = _added_closure(branch) if status == 200 else None
    return (
        render_template(
            "staff/closures.html",
            branch=branch,
            closures=closures_of(branch.id),
            form=form,
            delete_form=ConfirmForm(),
            added=added,
            conflicts=events_on_closed_days(branch, added, utcnow()) if added else None,
        ),
        status,
    )


@bp.post("/closures/<id:closure_id>/delete", endpoint="delete_closure")
def delete_closure_view(closure_id: int) -> Any:
    closure = get_closure(closure_id)
    permissions.require_branch(current_user, closure.branch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    branch_id = closure.branch_id
    with unit_of_work():
        delete_closure(closure)
    flash(_("The closed days are removed."), "info")
    return redirect(url_for("staff.closures", branch_id=branch_id))
