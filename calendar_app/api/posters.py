"""The staff API for posters of events and series: ``PUT`` an image (multipart ``image`` with ``alt_kk``, ``alt_ru``,
``alt_en``; or the image itself as the body, with its Content-Type and the alt fields in the
query string) and ``DELETE`` it. The bytes are checked by services/posters.py."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _

from ..database import unit_of_work
from ..images import absolute_image_url
from ..models import Image
from ..services import posters
from ..services.errors import InvalidInput
from ..timeutil import utcnow
from ..vocabulary import LANGUAGES
from . import bp
from .staff import _event
from .staff_series import _my_series


def poster_json(image: Image) -> dict[str, Any]:
    return {
        "url": absolute_image_url(image),
        "width": image.width,
        "height": image.height,
        "alt": {code: image.alt.get(code) for code in LANGUAGES},
    }


def _upload() -> tuple[bytes, dict[str, str | None]]:
    """The image bytes and alt texts of the request, in either of the accepted shapes."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            raise InvalidInput({"image": [_("Choose a picture to upload.")]})
        data = upload.stream.read(posters.MAX_BYTES + 1)
        fields = request.form
    else:
        data = request.get_data()
        fields = request.args
    return data, {code: fields.get(f"alt_{code}") for code in LANGUAGES}


@bp.put("/staff/events/<id:event_id>/poster")
def staff_put_event_poster(event_id: int) -> Response:
    event = _event(event_id)
    data, alt = _upload()
    with unit_of_work():
        image = posters.set_poster(event, data, alt, current_app.config["UPLOADS_DIR"], utcnow())
    return jsonify({"poster": poster_json(image)})


@bp.delete("/staff/events/<id:event_id>/poster")
def staff_delete_event_poster(event_id: int) -> Response:
    event = _event(event_id)
    with unit_of_work():
        posters.remove_poster(event, current_app.config["UPLOADS_DIR"])
    return Response(status=204)


@bp.put("/staff/series/<id:series_id>/poster")
def staff_put_series_poster(series_id: int) -> Response:
    found = _my_series(series_id)
    data, alt = _upload()
    with unit_of_work():
        image = posters.set_series_poster(
            found, data, alt, current_app.config["UPLOADS_DIR"], utcnow()
        )
    return jsonify({"poster": poster_json(image)})


@bp.delete("/staff/series/<id:series_id>/poster")
def staff_delete_series_poster(series_id: int) -> Response:
    found = _my_series(series_id)
    with unit_of_work():
        posters.remove_series_poster(found, current_app.config["UPLOADS_DIR"])
    return Response(status=204)
