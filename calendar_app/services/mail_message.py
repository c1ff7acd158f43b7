"""The MIME message for an outbox row: headers that survive every decoder, text and HTML, event.ics.

No database, no network: ``outbox_worker`` sends what this builds.
"""

from __future__ import annotations

import base64
import re
from email.mime.base import MIMEBase
from email.policy import compat32
from email.utils import formataddr, parseaddr

import flask_mail
from flask import current_app

from ..models import OutboxMessage

# UTF-8 bytes per RFC 2047 encoded word: 52 or 72 characters once encoded (75 at most).
SUBJECT_WORD_BYTES = 30
NAME_WORD_BYTES = 45
HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def clean_header_text(value: str, limit: int) -> str:
    """One line of header text: control characters and line breaks become spaces."""
    return _SPACES.sub(" ", HEADER_BREAKS.sub(" ", value or "")).strip()[:limit]


class PermanentFailure(Exception):
    """The message can never be delivered as it is (a 5xx refusal, a malformed header)."""


def encode_words(text: str, word_bytes: int = SUBJECT_WORD_BYTES) -> str:
    """Header text as RFC 2047 encoded words that carry every space inside them.

    Decoders drop the whitespace between adjacent encoded words, and both Flask-Mail's
    ``Header.encode()`` and the standard library's folding put spaces exactly there, so a long
    Kazakh subject would arrive with words run together. Short words also keep each folded line
    within 78 characters, so the header is emitted as it is. (Python's own address parser keeps
    the folding space between words of a display name, unlike RFC 2047 and mail clients; names
    of up to 45 bytes fit one word and read the same everywhere.)
    """
    if text.isascii():
        return text
    words: list[str] = []
    chunk = ""
    for char in text:
        if len((chunk + char).encode("utf-8")) > word_bytes:
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    return "\r\n ".join(
        "=?utf-8?b?" + base64.b64encode(word.encode("utf-8")).decode("ascii") + "?="
        for word in words
    )


def _address(name: str, address: str) -> str:
    name = clean_header_text(name, 200)
    if name.isascii():
        return formataddr((name, address))
    return f"{encode_words(name, NAME_WORD_BYTES)}\r\n <{address}>"


class _MailMessage(flask_mail.Message):
    """Flask-Mail's message with Subject, From and To written by :func:`encode_words`."""

    def _message(self) -> MIMEBase:
        message = super()._message()
        smtp_policy = message.policy
        message.policy = compat32  # store the encoded words as they are, without re-parsing
        message.replace_header("Subject", encode_words(self.subject))
        message.replace_header("From", _address(*parseaddr(str(self.sender))))
        message.replace_header("To", ", ".join(_address(*to) for to in self.recipients))
        message.policy = smtp_policy
        return message


def build_mail(message: OutboxMessage) -> flask_mail.Message:
    """The MIME message for an outbox row: text and HTML alternatives, event.ics if any."""
    mail = _MailMessage(
        subject=clean_header_text(message.subject, 400),
        recipients=[(clean_header_text(message.to_name, 200), message.to_address)],
        body=message.body_text,
        html=message.body_html or None,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"Auto-Submitted": "auto-generated", "Content-Language": message.language},
    )
    mail.msgId = message.message_id
    if message.ics_attachment:
        mail.attach(
            filename="event.ics",
            content_type='text/calendar; charset="utf-8"; method=PUBLISH',
            data=message.ics_attachment.encode("utf-8"),
            disposition="attachment",
        )
    if mail.has_bad_headers() or HEADER_BREAKS.search(message.to_address):
        raise PermanentFailure("the recipient or subject contains a line break")
    return mail
