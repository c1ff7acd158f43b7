"""Markdown descriptions: rendered, sanitised, never able to run script or break the page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from calendar_app.text import ALLOWED_TAGS, plain_excerpt, render_markdown


def test_markdown_is_rendered_and_kazakh_survives():
    html = render_markdown("«Құтадғу білік» **жаңа** аудармасы\n\n- бір\n- екі")
    assert isinstance(html, Markup)
    assert "<strong>жаңа</strong>" in html and "<li>бір</li>" in html
    assert "«Құтадғу білік»" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        "<iframe src=https://example.org></iframe>",
        "<style>body{display:none}</style>",
    ],
)
def test_nothing_executable_survives(source):
    for tag, attributes in parsed(render_markdown(source)):
        assert tag in ALLOWED_TAGS
        for name, value in attributes:
            assert not name.startswith("on")
            if name == "href":
                assert value.startswith(("https:", "http:", "mailto:", "tel:"))


def parsed(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every element of ``html`` with its attributes, as a browser's tokenizer sees them."""
    found: list[tuple[str, list[tuple[str, str]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [(name, value or "") for name, value in attrs]))

    Collector().feed(html)
    return found


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;bold&lt;/b&gt;" in render_markdown("<b>bold</b>")


def test_links_are_kept_safe():
    html = render_markdown("[сайт](https://lib.example.kz/about)")
    assert 'href="https://lib.example.kz/about"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_headings_never_compete_with_the_page():
    html = render_markdown("# Big\n\n## Smaller\n\n#### Small")
    assert "<h1>" not in html and "<h2>" not in html
    assert "<h3>Big</h3>" in html and "<h4>Smaller</h4>" in html and "<h6>Small</h6>" in html


@pytest.mark.parametrize("source", [None, "", "   \n  "])
def test_empty_descriptions_render_nothing(source):
    assert render_markdown(source) == "" and plain_excerpt(source) == ""


def test_excerpt_is_plain_and_short():
    source = "**Кіру тегін.** Вход свободный, но места ограничены. " * 10
    excerpt = plain_excerpt(source, 60)
    assert "<" not in excerpt and "*" not in excerpt
    assert len(excerpt) <= 60 and excerpt.endswith("…")
    assert plain_excerpt("A & B") == "A & B"
