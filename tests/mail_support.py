"""Helpers for the mail tests: a hand-moved clock, registrations made directly, a Kazakh event."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import count

from calendar_app.extensions import db
from calendar_app.models import Event, OutboxMessage, Registration
from calendar_app.services.mail import render_outbox_row
from calendar_app.services.registration_rules import issue_token
from tests import factories
from tests.factories import make_branch, make_event, make_venue
from tests.smtp_server import SMTPServer

KAZAKH_TITLE = "«Құтадғу білік»: Жүсіп Баласағұн оқулары"
# 18:00 in Almaty (UTC+5) on 10 May 2026.
STARTS_AT = datetime(2026, 5, 10, 13, 0, tzinfo=UTC)
_numbers = count(1)


class Clock:
    """A clock the test moves by hand: the worker never sleeps through a retry delay."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_registration(
    event: Event,
    *,
    name: str = "Айгерім Сәрсенова",
    email: str | None = None,
    seats: int = 2,
    status: str = "confirmed",
    language: str = "kk",
) -> tuple[Registration, str]:
    """A registration with a Kazakh name and its manage token (mail tests need both), the token
    issued as the service issues it, so that a mail rendered later can carry it again."""
    number = next(_numbers)
    registration = factories.make_registration(
        event.id,
        name,
        seats=seats,
        status=status,
        email=email if email is not None else f"visitor{number}@example.kz",
        language=language,
    )
    token = issue_token(registration)
    db.session.flush()
    return registration, token


def kazakh_event(**fields) -> Event:
    branch = make_branch(
        name="Central City Library named after A.P. Chekhov",
        address="Алматы, Желтоқсан көшесі, 71",
        translations={"kk": {"name": "А.П. Чехов атындағы Орталық қалалық кітапхана"}},
    )
    venue = make_venue(
        branch, name="Conference hall", translations={"kk": {"name": "Мәжіліс залы"}}
    )
    return make_event(
        branch,
        venue,
        title=fields.pop("title", KAZAKH_TITLE),
        starts_at=fields.pop("starts_at", STARTS_AT),
        **fields,
    )


def smtp_config(server: SMTPServer) -> dict:
    """App config that sends to the test server, with short retry delays."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": server.port,
        "OUTBOX_RETRY_DELAYS": "30,120,600",
    }


def rendered(messages: Iterable[OutboxMessage]) -> list[OutboxMessage]:
    """Outbox rows as the worker sends them: each one not rendered yet is rendered now."""
    messages = list(messages)
    for message in messages:
        if message.rendered_at is None:
            render_outbox_row(message, message.created_at)
    return messages
