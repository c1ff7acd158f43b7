"""The MIME message of an outbox row, read back by two decoders, and the SMTP session settings."""

from __future__ import annotations

import smtplib
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import pytest
from flask import Flask

from calendar_app.models import OutboxMessage
from calendar_app.services import outbox_worker
from calendar_app.services.mail_message import ICS_CONTENT_TYPE, PermanentFailure, build_message

SENDER = "Алматы қаласының кітапханалары <no-reply@events.example.kz>"
LONG_NAME = "Айгерім Сәрсенова-Нұрмағамбетова Қайратқызы"
# Subjects from the demo season that lose a space when the standard library folds them itself
# (Python 3.11 leaves the space between two encoded words, where decoders drop it).
SUBJECTS = [
    "Ваши места подтверждены: Лекция «История Верного и Алма-Аты»",
    "Іс-шара өзгерді: Ұлттық домбыра күні: домбыра кеші",
    "Event changed: Ақберен Елгезектің «Шексіздік сыртындағы шам» кітабының тұсаукесері",
    "Орындарыңыз расталды: «Құтадғу білік»: Жүсіп Баласағұн оқулары",
    "Still coming? Short English title",
]


def outbox_row(**fields: object) -> OutboxMessage:
    values: dict[str, object] = {
        "kind": "registered",
        "message_id": "<17.outbox@events.example.kz>",
        "to_address": "aigerim@example.kz",
        "to_name": "Айгерім Сәрсенова",
        "subject": SUBJECTS[0],
        "body_text": "Сәлеметсіз бе!\n\nОрындарыңыз расталды.\n",
        "body_html": "<p>Сәлеметсіз бе!</p>",
        "ics_attachment": None,
        "language": "kk",
    }
    values.update(fields)
    return OutboxMessage(**values)


def wire_headers(raw: bytes) -> dict[str, str]:
    """The top-level headers exactly as written, folding included."""
    legacy = message_from_bytes(raw, policy=policy.compat32)
    return {name: str(value) for name, value in legacy.items()}


def strictly_decoded(value: str) -> str:
    """RFC 2047 as mail clients read it: whitespace between encoded words is dropped."""
    return str(make_header(decode_header(value)))


@pytest.mark.parametrize("subject", SUBJECTS, ids=["ru", "kk", "en-kk", "kk-title", "ascii"])
def test_long_subjects_keep_every_space_in_both_decoders(subject):
    raw = build_message(outbox_row(subject=subject), SENDER).as_bytes()

    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject
    assert strictly_decoded(wire_headers(raw)["Subject"]) == subject


def test_display_names_read_back_whole():
    raw = build_message(outbox_row(to_name=LONG_NAME), SENDER).as_bytes()
    headers = wire_headers(raw)
    assert strictly_decoded(headers["To"]) == f"{LONG_NAME} <aigerim@example.kz>"
    assert strictly_decoded(headers["From"]) == SENDER

    # Python's address parser keeps folding spaces inside a name; up to 45 bytes is one word.
    raw = build_message(outbox_row(to_name="Айгерім Сәрсенова"), SENDER).as_bytes()
    [to] = message_from_bytes(raw, policy=policy.default)["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Айгерім Сәрсенова", "aigerim@example.kz")


def test_text_html_and_calendar_file_with_the_fixed_headers():
    ics = "BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nSUMMARY:«Құтадғу білік»\r\nEND:VCALENDAR\r\n"
    raw = build_message(outbox_row(ics_attachment=ics), SENDER).as_bytes()

    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert f"Content-Type: {ICS_CONTENT_TYPE}\r\n".encode() in raw
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Message-ID"] == "<17.outbox@events.example.kz>"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Content-Language"] == "kk"
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == (
        "Сәлеметсіз бе!\n\nОрындарыңыз расталды.\n"
    )
    assert "<p>Сәлеметсіз бе!</p>" in parsed.get_body(("html",)).get_content()
    [attachment] = parsed.iter_attachments()
    assert attachment.get_filename() == "event.ics"
    assert attachment["Content-Type"].params == {"charset": "utf-8", "method": "PUBLISH"}
    assert attachment.get_payload(decode=True) == ics.encode("utf-8")


def test_addresses_that_cannot_be_sent_fail_permanently():
    raw = build_message(outbox_row(to_address="aigerim@мысал.қз"), SENDER).as_bytes()
    assert "<aigerim@xn--80awbu3c.xn--g1a3r>" in wire_headers(raw)["To"]

    for address in ("eve@example.kz\r\nBcc: victim@example.com", "айгерім@example.kz"):
        with pytest.raises(PermanentFailure):
            build_message(outbox_row(to_address=address), SENDER)
    with pytest.raises(PermanentFailure, match="line break"):
        build_message(outbox_row(), SENDER + "\r\nBcc: victim@example.com")


class FakeSMTP:
    """Records what the worker asks of an SMTP session instead of opening one."""

    sessions: list[FakeSMTP] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls: list[object] = [(type(self).__name__, host, port, timeout)]
        FakeSMTP.sessions.append(self)

    def starttls(self) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user, password))

    def close(self) -> None:
        self.calls.append("close")


class FakeSMTPSSL(FakeSMTP):
    pass


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, [("FakeSMTP", "smtp.example.kz", 25, 30)]),
        (
            {"MAIL_USE_TLS": True, "MAIL_USERNAME": "events", "MAIL_PASSWORD": "secret"},
            [("FakeSMTP", "smtp.example.kz", 25, 30), "starttls", ("login", "events", "secret")],
        ),
        (
            {"MAIL_USE_SSL": True, "MAIL_PORT": 465, "MAIL_USERNAME": "events"},
            [("FakeSMTPSSL", "smtp.example.kz", 465, 30)],  # no password: no login
        ),
    ],
)
def test_the_smtp_session_follows_the_mail_settings_with_a_timeout(monkeypatch, settings, expected):
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(smtplib, "SMTP_SSL", FakeSMTPSSL)
    monkeypatch.setattr(FakeSMTP, "sessions", [])
    app = Flask(__name__)
    app.config.update(
        MAIL_SERVER="smtp.example.kz",
        MAIL_PORT=25,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
    )
    app.config.update(settings)

    with app.app_context():
        session = outbox_worker.connect_smtp()

    assert FakeSMTP.sessions == [session]
    assert session.calls == expected
    assert outbox_worker.SMTP_TIMEOUT_SECONDS == 30
