"""Typed domain errors carrying messages meant for the user."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``message`` is safe to show to the user."""

    http_status = 409

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """Input that breaks a rule about its own value (422 in the API, a form error in pages)."""

    http_status = 422

    def __init__(self, errors: dict[str, list[str]] | str, field: str | None = None) -> None:
        if isinstance(errors, str):
            errors = {field or "_": [errors]}
        self.errors = errors
        first = next(iter(errors.values()))[0]
        super().__init__(first, field=next(iter(errors)))


class NotFound(DomainError):
    http_status = 404


class Conflict(DomainError):
    """The request is well-formed but the current state does not allow it."""

    http_status = 409


class PermissionDenied(DomainError):
    http_status = 403
