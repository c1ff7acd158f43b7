"""For search engines: ``/sitemap.xml`` and ``/robots.txt``.

The sitemap is one ``<urlset>``: every page in each language (``?lang=``), with the other
languages as ``xhtml:link`` alternates, as the pages' own ``hreflang`` links say. Visitors'
registration pages, the staff side and the API are never listed, and robots.txt keeps crawlers
out of them. Every address is absolute, from BASE_URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from xml.etree import ElementTree

from flask import Response, url_for

from ..services.sitemap import sitemap_content
from ..sessions import mark_cookie_free
from ..timeutil import utcnow
from ..urls import absolute_url
from ..vocabulary import LANGUAGES
from . import bp

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
CACHE_CONTROL = "public, max-age=3600"
ROBOTS_DISALLOWED = ("/staff/", "/r/", "/api/", "/embed")
ROBOTS_ALLOWED = ("/api/v1/openapi.json",)


def _w3c_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _add_page(urlset: ElementTree.Element, path: str, last_modified: datetime | None) -> None:
    """One ``<url>`` per language for the page at ``path``, each naming all the others."""
    separator = "&" if "?" in path else "?"
    addresses = {code: absolute_url(f"{path}{separator}lang={code}") for code in LANGUAGES}
    addresses["x-default"] = absolute_url(path)
    for code in LANGUAGES:
        url = ElementTree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ElementTree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = addresses[code]
        if last_modified is not None:
            ElementTree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = _w3c_datetime(
                last_modified
            )
        for hreflang, href in addresses.items():
            ElementTree.SubElement(
                url,
                f"{{{XHTML_NS}}}link",
                {"rel": "alternate", "hreflang": hreflang, "href": href},
            )


def sitemap_xml(pages: Iterable[tuple[str, datetime | None]]) -> bytes:
    ElementTree.register_namespace("", SITEMAP_NS)
    ElementTree.register_namespace("xhtml", XHTML_NS)
    urlset = ElementTree.Element(f"{{{SITEMAP_NS}}}urlset")
    for path, last_modified in pages:
        _add_page(urlset, path, last_modified)
    return ElementTree.tostring(urlset, encoding="utf-8", xml_declaration=True)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    content = sitemap_content(utcnow())
    latest = content.last_modified
    pages: list[tuple[str, datetime | None]] = [
        (url_for("public.index"), latest),
        (url_for("public.month_calendar"), latest),
        (url_for("public.branch_list"), latest),
        (url_for("public.news_list"), content.news_last_modified),
    ]
    pages += [
        (url_for("public.branch_detail", slug=entry.key), entry.last_modified)
        for entry in content.branches
    ]
    pages += [
        (url_for("public.event_detail", event_id=entry.key), entry.last_modified)
        for entry in content.events
    ]
    response = Response(sitemap_xml(pages), content_type="application/xml; charset=utf-8")
    response.headers["Cache-Control"] = CACHE_CONTROL
    return mark_cookie_free(response)


@bp.get("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *"]
    lines += [f"Allow: {path}" for path in ROBOTS_ALLOWED]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOWED]
    lines += ["", f"Sitemap: {absolute_url(url_for('public.sitemap'))}", ""]
    response = Response("\n".join(lines), content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = CACHE_CONTROL
    return mark_cookie_free(response)
