"""Showing a service's InvalidInput on an HTML form: beside its field, or above the form."""

from __future__ import annotations

from flask_wtf import FlaskForm


def apply_errors(form: FlaskForm, errors: dict[str, list[str]]) -> None:
    """Each message beside the field it names; messages about no field of the form go above it."""
    for name, messages in errors.items():
        field = form._fields.get(name)
        if field is None or name == "csrf_token":
            form.form_errors.extend(messages)
        else:
            field.errors = list(field.errors) + list(messages)
