"""The news as an Atom 1.0 feed (RFC 4287), for the libraries' websites and feed readers.

Pure: it takes the news items, the feed's language and a few addresses, and returns the bytes.
Each entry's ``id`` is derived from the report's id and the domain recorded once for calendar
UIDs (``UID_DOMAIN``), so it never changes, not when the text is edited nor when BASE_URL moves;
``updated`` is the report's ``updated_at``, which moves only on a real edit, so two builds with
no change in between are byte-identical. The content is the sanitised HTML of the Markdown
(``text.render_markdown``) as ``type="html"``: nothing in it can run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

from ..images import absolute_image_url, alt_text
from ..localization import localized
from ..models import Event
from ..text import plain_excerpt, render_markdown
from .news import NewsItem

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
TAG_YEAR = 2026  # the year in the tag: URIs; fixed, as ids must never change
SUMMARY_LENGTH = 300
# An empty feed still needs an ``updated``; a fixed moment keeps its body stable.
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# What XML 1.0 does not allow: U+FFFE and U+FFFF pass the control-character checks of the forms
# and the API, and one of them in a title, a text or a description would make the whole feed
# unreadable, so they are left out here.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(value: str) -> str:
    return _NOT_XML.sub("", value)


@dataclass(frozen=True)
class FeedLinks:
    """Absolute addresses: the feed itself, the news page, and each event's and branch's page."""

    self_url: str
    page_url: str
    event_url: Callable[[Event], str]
    branch_url: Callable[[Event], str]


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(uid_domain: str, report_id: int) -> str:
    return f"tag:{uid_domain},{TAG_YEAR}:report/{report_id}"


def feed_id(uid_domain: str, language: str, branch_slug: str | None) -> str:
    return f"tag:{uid_domain},{TAG_YEAR}:news/{language}" + (
        f"/{branch_slug}" if branch_slug else ""
    )


def _text(parent: ElementTree.Element, tag: str, value: str, **attrs: str) -> None:
    element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    element.text = _xml(value)


def _entry(
    feed: ElementTree.Element, item: NewsItem, language: str, uid_domain: str, links: FeedLinks
) -> None:
    event = item.event
    entry = ElementTree.SubElement(feed, f"{{{ATOM_NS}}}entry")
    _text(entry, "id", entry_id(uid_domain, item.report.id))
    _text(entry, "title", localized(event, "title", language))
    _text(entry, "updated", rfc3339(item.report.updated_at))
    if item.report.published_at is not None:
        _text(entry, "published", rfc3339(item.report.published_at))
    author = ElementTree.SubElement(entry, f"{{{ATOM_NS}}}author")
    _text(author, "name", localized(event.branch, "name", language))
    _text(author, "uri", links.branch_url(event))
    ElementTree.SubElement(
        entry,
        f"{{{ATOM_NS}}}link",
        {"rel": "alternate", "type": "text/html", "href": links.event_url(event)},
    )
    if item.lead_photo is not None:
        ElementTree.SubElement(
            entry,
            f"{{{ATOM_NS}}}link",
            {
                "rel": "enclosure",
                "type": "image/jpeg",
                "href": absolute_image_url(item.lead_photo),
                "title": _xml(alt_text(item.lead_photo, language)),
            },
        )
    summary = plain_excerpt(item.text.markdown, SUMMARY_LENGTH)
    if summary:
        _text(entry, "summary", summary, **{XML_LANG: item.text.language})
    _text(
        entry,
        "content",
        str(render_markdown(item.text.markdown)),
        type="html",
        **{XML_LANG: item.text.language},
    )


def build_feed(
    items: list[NewsItem],
    *,
    title: str,
    language: str,
    branch_slug: str | None,
    uid_domain: str,
    links: FeedLinks,
) -> bytes:
    ElementTree.register_namespace("", ATOM_NS)
    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: language})
    _text(feed, "id", feed_id(uid_domain, language, branch_slug))
    _text(feed, "title", title)
    updated = max((item.report.updated_at for item in items), default=EMPTY_FEED_UPDATED)
    _text(feed, "updated", rfc3339(updated))
    ElementTree.SubElement(
        feed,
        f"{{{ATOM_NS}}}link",
        {"rel": "self", "type": "application/atom+xml", "href": links.self_url},
    )
    ElementTree.SubElement(
        feed,
        f"{{{ATOM_NS}}}link",
        {"rel": "alternate", "type": "text/html", "href": links.page_url},
    )
    for item in items:
        _entry(feed, item, language, uid_domain, links)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
