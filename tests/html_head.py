"""Reading what link previews and search engines read in a page: meta tags, links, JSON-LD."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from pyld import jsonld

SCHEMA = "https://schema.org/"
# What https://schema.org's own context says about the terms the tests read: every term is in
# the schema.org vocabulary, and these name things (URLs, enumeration members) rather than text.
SCHEMA_CONTEXT = {
    "@context": {
        "@vocab": SCHEMA,
        "url": {"@type": "@id"},
        "image": {"@type": "@id"},
        "eventStatus": {"@type": "@vocab"},
        "eventAttendanceMode": {"@type": "@vocab"},
        "availability": {"@type": "@vocab"},
    }
}


def _offline_loader(url: str, options: dict | None = None) -> dict[str, Any]:
    """The schema.org context from memory: tests never reach the network."""
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": SCHEMA_CONTEXT,
        }
    raise AssertionError(f"unexpected remote JSON-LD document: {url}")


@dataclass
class Head:
    lang: str | None = None
    meta: dict[str, list[str]] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)
    json_ld: list[str] = field(default_factory=list)
    scripts: int = 0

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, f"{key}: {values}"
        return values[0]

    def alternates(self) -> dict[str, str]:
        return {
            link["hreflang"]: link["href"]
            for link in self.links
            if link.get("rel") == "alternate" and "hreflang" in link
        }

    def canonical(self) -> str | None:
        found = [link["href"] for link in self.links if link.get("rel") == "canonical"]
        assert len(found) <= 1
        return found[0] if found else None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.head = Head()
        self._in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.head.lang = values.get("lang")
        elif tag == "meta" and ("property" in values or "name" in values):
            key = values.get("property") or values["name"]
            self.head.meta.setdefault(key, []).append(values.get("content", ""))
        elif tag == "link":
            self.head.links.append(values)
        elif tag == "script":
            self.head.scripts += 1
            self._in_json_ld = values.get("type") == "application/ld+json"
            if self._in_json_ld:
                self.head.json_ld.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.head.json_ld[-1] += data


def read_head(html: str) -> Head:
    reader = _Reader()
    reader.feed(html)
    return reader.head


def expanded_events(head: Head) -> list[dict[str, Any]]:
    """The page's JSON-LD expanded by a JSON-LD processor: full IRIs, lists of values."""
    found = []
    for text in head.json_ld:
        document = json.loads(text)
        found += jsonld.expand(document, {"documentLoader": _offline_loader})
    return found


def value(node: dict[str, Any], term: str) -> Any:
    """The single value of a schema.org term in an expanded node (``@value`` or ``@id``)."""
    values = node.get(SCHEMA + term)
    assert values is not None, f"no {term} in {sorted(node)}"
    assert len(values) == 1, f"{term}: {values}"
    item = values[0]
    if "@value" in item:
        return item["@value"]
    if "@id" in item and len(item) == 1:
        return item["@id"]
    return item


def types(node: dict[str, Any]) -> list[str]:
    return node.get("@type", [])
