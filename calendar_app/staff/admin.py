"""Administration: branches and staff accounts (administrators), rooms (also branch staff)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ..database import unit_of_work
from ..extensions import db
from ..form_errors import apply_errors
from ..models import Branch, StaffUser, Venue
from ..services import permissions
from ..services.branches import (
    BranchData,
    VenueData,
    create_branch,
    create_venue,
    update_branch,
    update_venue,
)
from ..services.errors import InvalidInput
from ..services.staff_accounts import StaffData, create_staff, update_staff
from ..timeutil import utcnow
from . import bp
from .forms import BranchForm, StaffAccountForm, VenueForm


def _require_admin() -> None:
    permissions.require_admin(current_user)


def _render_form(form: Any, title: str, back: str, status: int = 200) -> Any:
    return render_template("staff/admin_form.html", form=form, title=title, back=back), status


def _save(form: Any, action: Any, message: str, target: str) -> Any:
    """Run a service call; on InvalidInput show the errors and return None."""
    try:
        with unit_of_work():
            action()
    except InvalidInput as error:
        apply_errors(form, error.errors)
        return None
    flash(message, "info")
    return redirect(target)


@bp.get("/admin/")
def admin_index() -> str:
    _require_admin()
    branches = (
        db.session.execute(
            select(Branch).options(selectinload(Branch.venues)).order_by(Branch.name)
        )
        .scalars()
        .all()
    )
    staff = (
        db.session.execute(
            select(StaffUser).options(selectinload(StaffUser.branches)).order_by(StaffUser.email)
        )
        .scalars()
        .all()
    )
    return render_template("staff/admin_index.html", branches=branches, staff=staff)


def _branch_data(form: BranchForm) -> BranchData:
    return BranchData(
        slug=form.slug.data or "",
        name=form.name.data or "",
        timezone=form.timezone.data or "",
        address=form.address.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
        website=form.website.data or "",
        description=form.description.data or "",
    )


@bp.route("/admin/branches/new", methods=["GET", "POST"])
def new_branch() -> Any:
    _require_admin()
    form = BranchForm()
    if form.validate_on_submit():
        done = _save(
            form,
            lambda: create_branch(_branch_data(form), utcnow()),
            _("The branch is added."),
            url_for("staff.admin_index"),
        )
        if done:
            return done
    status = 422 if form.is_submitted() else 200
    return _render_form(form, _("New branch"), url_for("staff.admin_index"), status)


@bp.route("/admin/branches/<int:branch_id>/edit", methods=["GET", "POST"])
def edit_branch(branch_id: int) -> Any:
    _require_admin()
    branch = db.session.get(Branch, branch_id) or abort(404)
    form = BranchForm(obj=branch)
    if form.validate_on_submit():
        done = _save(
            form,
            lambda: update_branch(branch, _branch_data(form), utcnow()),
            _("The branch is saved."),
            url_for("staff.admin_index"),
        )
        if done:
            return done
    status = 422 if form.is_submitted() else 200
    return _render_form(
        form, _("Edit %(name)s", name=branch.name), url_for("staff.admin_index"), status
    )


def _load_branch(branch_id: int) -> Branch:
    branch = db.session.get(Branch, branch_id) or abort(404)
    permissions.require_branch(current_user, branch.id)
    return branch


@bp.get("/admin/branches/<int:branch_id>/rooms")
def venues(branch_id: int) -> str:
    branch = _load_branch(branch_id)
    return render_template("staff/admin_venues.html", branch=branch)


def _venue_data(form: VenueForm) -> VenueData:
    return VenueData(
        name=form.name.data or "",
        capacity=form.capacity.data,
        accessibility_notes=form.accessibility_notes.data or "",
    )


@bp.route("/admin/branches/<int:branch_id>/rooms/new", methods=["GET", "POST"])
def new_venue(branch_id: int) -> Any:
    branch = _load_branch(branch_id)
    form = VenueForm()
    back = url_for("staff.venues", branch_id=branch.id)
    if form.validate_on_submit():
        done = _save(
            form,
            lambda: create_venue(branch, _venue_data(form), utcnow()),
            _("The room is added."),
            back,
        )
        if done:
            return done
    status = 422 if form.is_submitted() else 200
    return _render_form(form, _("New room in %(branch)s", branch=branch.name), back, status)


@bp.route("/admin/rooms/<int:venue_id>/edit", methods=["GET", "POST"])
def edit_venue(venue_id: int) -> Any:
    venue = db.session.get(Venue, venue_id) or abort(404)
    permissions.require_venue(current_user, venue)
    form = VenueForm(obj=venue)
    back = url_for("staff.venues", branch_id=venue.branch_id)
    if form.validate_on_submit():
        done = _save(
            form,
            lambda: update_venue(venue, _venue_data(form), utcnow()),
            _("The room is saved."),
            back,
        )
        if done:
            return done
    status = 422 if form.is_submitted() else 200
    return _render_form(form, _("Edit room %(name)s", name=venue.name), back, status)


def _staff_form(staff: StaffUser | None) -> StaffAccountForm:
    form = StaffAccountForm(obj=staff)
    if staff is not None and not form.is_submitted():
        form.branch_ids.data = [branch.id for branch in staff.branches]
    form.branch_ids.choices = [
        SelectChoice(branch.id, branch.name)
        for branch in db.session.execute(select(Branch).order_by(Branch.name)).scalars()
    ]
    return form


def _staff_data(form: StaffAccountForm) -> StaffData:
    return StaffData(
        email=form.email.data or "",
        name=form.name.data or "",
        is_admin=bool(form.is_admin.data),
        active=bool(form.active.data),
        branch_ids=list(form.branch_ids.data or []),
        password=form.password.data or None,
    )


@bp.route("/admin/staff/new", methods=["GET", "POST"])
def new_staff() -> Any:
    _require_admin()
    form = _staff_form(None)
    if form.validate_on_submit():
        done = _save(
            form,
            lambda: create_staff(_staff_data(form), utcnow()),
            _("The account is created."),
            url_for("staff.admin_index"),
        )
        if done:
            return done
    status = 422 if form.is_submitted() else 200
    return _render_form(form, _("New staff account"), url_for("staff.admin_index"), status)


@bp.route("/admin/staff/<int:staff_id>/edit", methods=["GET", "POST"])
def edit_staff(staff_id: int) -> Any:
    _require_admin()
    staff = db.session.get(StaffUser, staff_id) or abort(404)
    form = _staff_form(staff)
    if form.validate_on_submit():
        data = _staff_data(form)
        if staff.id == current_user.id and not (data.is_admin and data.active):
            form.is_admin.errors = [_("You cannot take away your own administrator access.")]
        else:
            done = _save(
                form,
                lambda: update_staff(staff, data, utcnow()),
                _("The account is saved."),
                url_for("staff.admin_index"),
            )
            if done:
                return done
    status = 422 if form.is_submitted() else 200
    return _render_form(
        form, _("Edit %(email)s", email=staff.email), url_for("staff.admin_index"), status
    )
