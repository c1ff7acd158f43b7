"""Showing a service's InvalidInput on an HTML form: beside its field, or above the form."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm


def apply_errors(
    form: FlaskForm, errors: dict[str, list[str]], fields: Mapping[str, str] | None = None
) -> None:
    """Each message beside the field it names; messages about no field of the form go above it.

    ``fields`` maps a service's name for a value to the form field that holds it (the series
    service speaks of ``rrule``, which the form builds from its repetition fields).
    """
    for name, messages in errors.items():
        name = (fields or {}).get(name, name)
        field = form._fields.get(name)
        if field is None or name == "csrf_token":
            form.form_errors.extend(messages)
        else:
            field.errors = list(field.errors) + list(messages)
