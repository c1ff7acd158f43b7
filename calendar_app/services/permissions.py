"""Who may do what on the staff side: admins everything, branch staff only their branches.

Every staff view calls one of these on the server; templates hide links as a courtesy only.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, select

from ..models import Branch, Event, Registration, StaffUser, Venue
from .errors import PermissionDenied


def branch_ids(staff: StaffUser) -> set[int] | None:
    """The ids of the branches this account may manage; None means every branch."""
    if staff.is_admin:
        return None
    return {branch.id for branch in staff.branches}


def can_manage_branch(staff: StaffUser, branch_id: int) -> bool:
    if not staff.is_active:
        return False
    allowed = branch_ids(staff)
    return allowed is None or branch_id in allowed


def require_branch(staff: StaffUser, branch_id: int) -> None:
    if not can_manage_branch(staff, branch_id):
        raise PermissionDenied(_("This belongs to a branch you do not manage."))


def require_event(staff: StaffUser, event: Event) -> Event:
    require_branch(staff, event.branch_id)
    return event


def require_registration(staff: StaffUser, registration: Registration) -> Registration:
    require_branch(staff, registration.event.branch_id)
    return registration


def require_venue(staff: StaffUser, venue: Venue) -> Venue:
    require_branch(staff, venue.branch_id)
    return venue


def require_admin(staff: StaffUser) -> None:
    if not (staff.is_active and staff.is_admin):
        raise PermissionDenied(_("Only administrators may do this."))


def limit_to_branches(query: Select, staff: StaffUser, column=Event.branch_id) -> Select:
    """Narrow a query to the rows of the branches this account manages."""
    allowed = branch_ids(staff)
    if allowed is None:
        return query
    return query.where(column.in_(allowed or {-1}))


def managed_branches_query(staff: StaffUser) -> Select:
    return limit_to_branches(select(Branch).order_by(Branch.name), staff, Branch.id)
