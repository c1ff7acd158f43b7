"""Administration: branches and staff accounts (administrators), rooms (also branch staff)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ..database import unit_of_work
from ..extensions import db
from ..form_errors import apply_errors
from ..localization import localized
from ..models import Branch, StaffUser, Venue
from ..services import permissions
from ..services.branches import (
    BRANCH_TRANSLATED,
    VENUE_TRANSLATED,
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
from ..vocabulary import LANGUAGES
from . import bp
from .forms import BranchForm, StaffAccountForm, VenueForm


def _require_admin() -> None:
    permissions.require_admin(current_user)


def _form_page(form: Any, action: Callable[[], object], saved: str, title: str, back: str) -> Any:
    """The form; a valid POST runs ``action`` as one unit of work and goes ``back``.

    InvalidInput from ``action`` shows its messages beside the fields and changes nothing.
    """
    if form.validate_on_submit():
        try:
            with unit_of_work():
                action()
        except InvalidInput as error:
            apply_errors(form, error.errors)
        else:
            flash(saved, "info")
            return redirect(back)
    status = 422 if form.is_submitted() else 200
    return render_template("staff/admin_form.html", form=form, title=title, back=back), status


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


def _form_translations(form: Any, fields: Iterable[str]) -> dict[str, dict[str, str]]:
    """The form's ``<field>_<lang>`` inputs as ``{lang: {field: text}}``."""
    return {
        code: {name: form[f"{name}_{code}"].data or "" for name in fields} for code in LANGUAGES
    }


def _fill_translations(form: Any, obj: Branch | Venue, fields: Iterable[str]) -> None:
    """Show the saved translations on a form that is not being submitted."""
    if form.is_submitted():
        return
    for code in LANGUAGES:
        texts = (obj.translations or {}).get(code) or {}
        for name in fields:
            form[f"{name}_{code}"].data = texts.get(name) or ""


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
        translations=_form_translations(form, BRANCH_TRANSLATED),
    )


@bp.route("/admin/branches/new", methods=["GET", "POST"])
def new_branch() -> Any:
    _require_admin()
    form = BranchForm()
    return _form_page(
        form,
        lambda: create_branch(_branch_data(form), utcnow()),
        _("The branch is added."),
        _("New branch"),
        url_for("staff.admin_index"),
    )


@bp.route("/admin/branches/<id:branch_id>/edit", methods=["GET", "POST"])
def edit_branch(branch_id: int) -> Any:
    _require_admin()
    branch = db.session.get(Branch, branch_id) or abort(404)
    form = BranchForm(obj=branch)
    _fill_translations(form, branch, BRANCH_TRANSLATED)
    return _form_page(
        form,
        lambda: update_branch(branch, _branch_data(form), utcnow()),
        _("The branch is saved."),
        _("Edit %(name)s", name=localized(branch, "name")),
        url_for("staff.admin_index"),
    )


def _load_branch(branch_id: int) -> Branch:
    branch = db.session.get(Branch, branch_id) or abort(404)
    permissions.require_branch(current_user, branch.id)
    return branch


@bp.get("/admin/branches/<id:branch_id>/rooms")
def venues(branch_id: int) -> str:
    branch = _load_branch(branch_id)
    return render_template("staff/admin_venues.html", branch=branch)


def _venue_data(form: VenueForm) -> VenueData:
    return VenueData(
        name=form.name.data or "",
        capacity=form.capacity.data,
        accessibility_notes=form.accessibility_notes.data or "",
        translations=_form_translations(form, VENUE_TRANSLATED),
    )


@bp.route("/admin/branches/<id:branch_id>/rooms/new", methods=["GET", "POST"])
def new_venue(branch_id: int) -> Any:
    branch = _load_branch(branch_id)
    form = VenueForm()
    return _form_page(
        form,
        lambda: create_venue(branch, _venue_data(form), utcnow()),
        _("The room is added."),
        _("New room in %(branch)s", branch=localized(branch, "name")),
        url_for("staff.venues", branch_id=branch.id),
    )


@bp.route("/admin/rooms/<id:venue_id>/edit", methods=["GET", "POST"])
def edit_venue(venue_id: int) -> Any:
    venue = db.session.get(Venue, venue_id) or abort(404)
    permissions.require_venue(current_user, venue)
    form = VenueForm(obj=venue)
    _fill_translations(form, venue, VENUE_TRANSLATED)
    return _form_page(
        form,
        lambda: update_venue(venue, _venue_data(form), utcnow()),
        _("The room is saved."),
        _("Edit room %(name)s", name=localized(venue, "name")),
        url_for("staff.venues", branch_id=venue.branch_id),
    )


def _staff_form(staff: StaffUser | None) -> StaffAccountForm:
    form = StaffAccountForm(obj=staff)
    if staff is not None and not form.is_submitted():
        form.branch_ids.data = [branch.id for branch in staff.branches]
    form.branch_ids.choices = [
        SelectChoice(branch.id, localized(branch, "name"))
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
    return _form_page(
        form,
        lambda: create_staff(_staff_data(form), utcnow()),
        _("The account is created."),
        _("New staff account"),
        url_for("staff.admin_index"),
    )


@bp.route("/admin/staff/<id:staff_id>/edit", methods=["GET", "POST"])
def edit_staff(staff_id: int) -> Any:
    _require_admin()
    staff = db.session.get(StaffUser, staff_id) or abort(404)
    form = _staff_form(staff)

    def save() -> None:
        data = _staff_data(form)
        if staff.id == current_user.id and not (data.is_admin and data.active):
            raise InvalidInput(
                {"is_admin": [_("You cannot take away your own administrator access.")]}
            )
        update_staff(staff, data, utcnow())
        if staff.id == current_user.id and data.password is not None:
            login_user(staff)  # a new password ends the other sessions, not this one

    return _form_page(
        form,
        save,
        _("The account is saved."),
        _("Edit %(email)s", email=staff.email),
        url_for("staff.admin_index"),
    )
