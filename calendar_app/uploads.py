"""Requests that carry a picture may be larger than the 1 MiB every other request is held to.

The limit is chosen from the matched endpoint, before any code reads the body: CSRF protection
reads a posted form before the view runs, so a view setting its own limit would come too late.
"""

from __future__ import annotations

from flask import Request

from .services.posters import MAX_BYTES

MULTIPART_OVERHEAD = 64 * 1024  # the form's other fields and the boundaries around the picture
UPLOAD_ENDPOINTS = frozenset(
    {
        "api.staff_put_event_poster",
        "api.staff_put_series_poster",
        "staff.new_event",
        "staff.edit_event",
        "staff.new_series",
        "staff.series_poster",
        "api.staff_add_report_photo",
        "staff.add_report_photo",
    }
)


class UploadRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        """More for a picture (multipart, or an image as the body) sent where one is taken;
        other bodies, such as a plain form with a huge title, keep the usual limit."""
        rule = self.url_rule
        if (
            self._max_content_length is None
            and rule is not None
            and rule.endpoint in UPLOAD_ENDPOINTS
            and (self.mimetype == "multipart/form-data" or self.mimetype.startswith("image/"))
        ):
            return MAX_BYTES + MULTIPART_OVERHEAD
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
