"""A small world for the report tests: two branches, events that took place, one to come, one
cancelled, and the staff of each branch with API tokens."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from PIL import Image as Picture
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Event, Image, Report, ReportPhoto, StaffUser
from calendar_app.services import api_tokens, reports
from calendar_app.services.events import cancel_event
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.poster_images import png
from tests.staff_support import make_staff

TITLE = "«Reduce – steps to sustainable development»"


def build_report_world() -> dict[str, Any]:
    """Branch A: ``past`` (ended an hour ago; 2 seats checked in, a walk-in of 1, 3 seats that
    did not come), ``running`` (started 10 minutes ago), ``future``, ``cancelled`` (past) and a
    drop-in with a head count of 17; branch B: ``theirs`` (past). Staff ``a``, ``b``, ``admin``
    with tokens (``secrets``) and session ids (``logins``)."""
    now = utcnow()
    branch_a = make_branch("begalin", name="Begalin children's library")
    branch_b = make_branch("chekhov", name="Chekhov library")
    hall_a = make_venue(branch_a, "Hall", capacity=60)
    hall_b = make_venue(branch_b, "Hall B", capacity=60)
    created = now - timedelta(days=20)
    past = make_event(
        branch_a, hall_a, title=TITLE, starts_at=now - timedelta(hours=3), now=created
    )
    running = make_event(
        branch_a, hall_a, title="Running", starts_at=now - timedelta(minutes=10), now=created
    )
    future = make_event(branch_a, hall_a, title="Future", starts_at=now + timedelta(days=3))
    cancelled = make_event(
        branch_a, hall_a, title="Called off", starts_at=now - timedelta(days=2), now=created
    )
    cancel_event(cancelled, created)
    drop_in = make_event(
        branch_a,
        hall_a,
        title="Dombra day",
        starts_at=now - timedelta(days=5),
        registration="none",
        capacity=0,
        language="ru",
        now=created,
    )
    drop_in.headcount = 17
    theirs = make_event(
        branch_b, hall_b, title="Their event", starts_at=now - timedelta(days=1), now=created
    )
    make_registration(past.id, "Әлия", seats=2, checked_in_at=now - timedelta(hours=3))
    make_registration(past.id, "Бота", seats=3)
    make_registration(past.id, "Гүлнар", seats=1, source="walk_in", email=None, checked_in_at=now)
    accounts = {
        "a": make_staff("a@example.kz", branches=[branch_a]),
        "b": make_staff("b@example.kz", branches=[branch_b]),
        "admin": make_staff("admin@example.kz", is_admin=True),
    }
    secrets = {
        key: api_tokens.issue(staff, f"token of {key}", now).secret
        for key, staff in accounts.items()
    }
    db.session.commit()
    return {
        "past": past.id,
        "running": running.id,
        "future": future.id,
        "cancelled": cancelled.id,
        "drop_in": drop_in.id,
        "theirs": theirs.id,
        "staff": {key: staff.id for key, staff in accounts.items()},
        "logins": {key: staff.get_id() for key, staff in accounts.items()},
        "secrets": secrets,
    }


def stored(app) -> tuple[int, int, int, int]:
    """Reports, photos, image rows and files on disk: what a refusal must leave as it was."""
    directory = Path(app.config["UPLOADS_DIR"])
    with app.app_context():
        counts = [
            db.session.scalar(select(func.count(model.id)))
            for model in (Report, ReportPhoto, Image)
        ]
    files = len([p for p in directory.iterdir() if p.is_file()]) if directory.exists() else 0
    return counts[0], counts[1], counts[2], files


def noisy_png(size: int = 1000) -> bytes:
    """A picture of about 3 MB (noise does not compress): more than other requests may send."""
    out = io.BytesIO()
    Picture.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(out, "PNG")
    return out.getvalue()


def fill_with_photos(app, world: dict[str, Any]) -> None:
    """Give the report of ``past`` as many photos as a report may have, as its branch's staff."""
    with app.app_context():
        staff = db.session.get(StaffUser, world["staff"]["a"])
        event = db.session.get(Event, world["past"])
        for number in range(reports.MAX_PHOTOS):
            reports.add_photo(
                staff,
                event,
                data=png(40 + number, 30),
                alt={"kk": f"Сурет {number}"},
                consent_confirmed=True,
                uploads_dir=app.config["UPLOADS_DIR"],
                now=utcnow(),
            )
        db.session.commit()
