"""The staff API for reports of past events: ``GET``/``PUT`` the report, ``POST`` a photo
(multipart ``image``, ``alt_kk``, ``alt_ru``, ``alt_en`` and ``consent_confirmed=true``) and
``DELETE`` one. The rules are in services/reports.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, current_app, jsonify, request
from flask_babel import gettext as _

from ..database import unit_of_work
from ..images import absolute_image_url
from ..models import Event, Report, ReportPhoto
from ..services import posters, reports
from ..services.errors import InvalidInput
from ..timeutil import utcnow
from ..urls import absolute_url
from ..vocabulary import LANGUAGES
from . import bp
from .auth import current_staff
from .staff import _event
from .views import json_object

REPORT_FIELDS = frozenset({"text", "published", "show_attendance"})


def _moment(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def photo_json(photo: ReportPhoto) -> dict[str, Any]:
    image = photo.image
    return {
        "id": photo.id,
        "url": absolute_image_url(image),
        "width": image.width,
        "height": image.height,
        "alt": {code: (image.alt or {}).get(code) for code in LANGUAGES},
        "consent_confirmed_at": _moment(photo.consent_confirmed_at),
    }


def report_json(event: Event, report: Report) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "text": {code: (report.text or {}).get(code) for code in LANGUAGES},
        "published": report.published,
        "show_attendance": report.show_attendance,
        "published_at": _moment(report.published_at),
        "updated_at": _moment(report.updated_at),
        "url": absolute_url(f"/events/{event.id}"),
        "attendance": reports.attendance(event),
        "photos": [photo_json(photo) for photo in report.photos],
    }


def _api_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """``text_kk`` of the service is ``text.kk`` in a JSON body."""
    renamed: dict[str, list[str]] = {}
    for name, messages in errors.items():
        head, _sep, code = name.rpartition("_")
        key = f"text.{code}" if head == "text" and code in LANGUAGES else name
        renamed.setdefault(key, []).extend(messages)
    return renamed


@bp.get("/staff/events/<id:event_id>/report")
def staff_get_report(event_id: int) -> Response:
    event = _event(event_id)
    report = reports.get_report(event)
    if report is None:
        abort(404, _("This event has no report yet."))
    return jsonify({"report": report_json(event, report)})


@bp.put("/staff/events/<id:event_id>/report")
def staff_put_report(event_id: int) -> Response:
    event = _event(event_id)
    body = json_object()
    unknown = sorted(set(body) - REPORT_FIELDS)
    if unknown:
        raise InvalidInput(
            {
                name: [_("Unknown field. Use text, published and show_attendance.")]
                for name in unknown
            }
        )
    try:
        with unit_of_work():
            report = reports.save_report(
                current_staff(),
                event,
                text=body.get("text"),
                published=body.get("published"),
                show_attendance=body.get("show_attendance"),
                now=utcnow(),
            )
    except InvalidInput as error:
        raise InvalidInput(_api_errors(error.errors)) from None
    return jsonify({"report": report_json(event, report)})


@bp.post("/staff/events/<id:event_id>/report/photos")
def staff_add_report_photo(event_id: int) -> Response:
    event = _event(event_id)
    if request.mimetype != "multipart/form-data":
        raise InvalidInput({"image": [_("Send the photo as multipart/form-data.")]})
    upload = request.files.get("image")
    data = upload.stream.read(posters.MAX_BYTES + 1) if upload is not None else b""
    with unit_of_work():
        photo = reports.add_photo(
            current_staff(),
            event,
            data=data,
            alt={code: request.form.get(f"alt_{code}") for code in LANGUAGES},
            consent_confirmed=request.form.get("consent_confirmed") == "true",
            uploads_dir=current_app.config["UPLOADS_DIR"],
            now=utcnow(),
        )
    response = jsonify({"photo": photo_json(photo)})
    response.status_code = 201
    return response


@bp.delete("/staff/events/<id:event_id>/report/photos/<id:photo_id>")
def staff_delete_report_photo(event_id: int, photo_id: int) -> Response:
    event = _event(event_id)
    with unit_of_work():
        reports.remove_photo(
            current_staff(),
            event,
            photo_id,
            uploads_dir=current_app.config["UPLOADS_DIR"],
            now=utcnow(),
        )
    return Response(status=204)
