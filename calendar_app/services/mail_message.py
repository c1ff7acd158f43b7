"""The MIME message for an outbox row: text and HTML alternatives, event.ics, and headers that
read the same in every decoder.

No database, no network: ``outbox_worker`` sends (or writes) what this builds, with the standard
library's ``email`` package under the SMTP policy (CRLF line ends).
"""

from __future__ import annotations

import base64
import io
import re
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, parseaddr

import segno

from ..models import OutboxMessage

# As iMIP (RFC 6047) asks: the MIME method matches the METHOD inside the file.
# The Content-ID of the check-in QR image (services/mail.py writes the same into the HTML).
CHECKIN_CID = "checkin-code"
ICS_CONTENT_TYPE = 'text/calendar; charset="utf-8"; method=PUBLISH'
_ICS_METHOD = re.compile(r"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)
# UTF-8 bytes per RFC 2047 encoded word: 52 or 72 characters once encoded (75 at most).
SUBJECT_WORD_BYTES = 30
NAME_WORD_BYTES = 45
HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


class PermanentFailure(Exception):
    """The message can never be delivered as it is (a 5xx refusal, a malformed address)."""


def clean_header_text(value: str, limit: int) -> str:
    """One line of header text: control characters and line breaks become spaces."""
    return _SPACES.sub(" ", HEADER_BREAKS.sub(" ", value or "")).strip()[:limit]


def encode_words(text: str, word_bytes: int = SUBJECT_WORD_BYTES) -> str:
    """Header text as RFC 2047 encoded words that carry every space inside them.

    Decoders drop the whitespace between adjacent encoded words, and the standard library's
    folding sometimes puts a space exactly there, so a long Kazakh subject would arrive with
    words run together. Short words also keep each folded line within 78 characters, so the
    header is emitted as it is. (Python's own address parser keeps the folding space between
    words of a display name, unlike RFC 2047 and mail clients; names of up to 45 bytes fit one
    word and read the same everywhere.)
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


def ascii_address(address: str) -> str:
    """The address as headers and the SMTP envelope carry it: a Unicode domain in IDNA form.

    A line break, or a mailbox name that is not ASCII (it would need SMTPUTF8), can never be
    sent as it is.
    """
    if HEADER_BREAKS.search(address):
        raise PermanentFailure(f"the address {address!r} contains a line break")
    if address.isascii():
        return address
    mailbox, at, domain = address.rpartition("@")
    if at and mailbox.isascii():
        try:
            return f"{mailbox}@{domain.encode('idna').decode('ascii')}"
        except UnicodeError:
            pass
    raise PermanentFailure(f"the address {address!r} cannot be written in ASCII")


def format_address(name: str, address: str) -> str:
    """A From or To header value: the display name as :func:`encode_words` writes it."""
    name = clean_header_text(name, 200)
    address = ascii_address(address)
    if name.isascii():
        return formataddr((name, address))
    return f"{encode_words(name, NAME_WORD_BYTES)}\r\n <{address}>"


def ics_content_type(ics: str) -> str:
    """The attachment's Content-Type, its ``method`` that of the file (PUBLISH if it has none)."""
    found = _ICS_METHOD.search(ics)
    method = found.group(1) if found else "PUBLISH"
    return f'text/calendar; charset="utf-8"; method={method}'


def qr_png(url: str) -> bytes:
    """``url`` as a QR code in PNG, large enough to scan from a phone's screen."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def build_message(message: OutboxMessage, sender: str) -> EmailMessage:
    """The MIME message for an outbox row, from ``sender`` (``MAIL_DEFAULT_SENDER``).

    Raises :class:`PermanentFailure` for an address that cannot be sent to.
    """
    if HEADER_BREAKS.search(sender):
        raise PermanentFailure("the sender contains a line break")
    mail = EmailMessage(policy=SMTP)
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
        if message.checkin_url:
            # multipart/related: the HTML part shows the code as <img src="cid:checkin-code">.
            html = mail.get_payload()[-1]
            html.add_related(
                qr_png(message.checkin_url),
                "image",
                "png",
                cid=f"<{CHECKIN_CID}>",
                disposition="inline",
                filename="checkin-code.png",
            )
    if message.ics_attachment:
        mail.add_attachment(
            message.ics_attachment.encode("utf-8"), "text", "calendar", filename="event.ics"
        )
        ics = mail.get_payload()[-1]
        del ics["Content-Type"]
        # The policy would quote the method.
        ics.set_raw("Content-Type", ics_content_type(message.ics_attachment))
    # Set after the parts, which would otherwise take Content-Language along into the first one.
    # The encoded words are stored as written: the policy would fold them again (see above).
    mail.set_raw("Subject", encode_words(clean_header_text(message.subject, 400)))
    mail.set_raw("From", format_address(*parseaddr(sender)))
    mail.set_raw("To", format_address(message.to_name, message.to_address))
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = message.message_id
    mail["Auto-Submitted"] = "auto-generated"
    mail["Content-Language"] = message.language
    return mail
