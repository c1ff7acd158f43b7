"""Markdown descriptions as the plain text calendar apps show (SUMMARY, DESCRIPTION, LOCATION).

Calendar clients show text as written, so emphasis is dropped, links are followed by their
address, lists keep a marker per item and raw HTML keeps only its text (never script or style).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html import unescape

import mistune
import nh3

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str | None) -> str:
    """NFC-normalised text with LF line ends and no control characters but tab and newline."""
    if not value:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL_CHARACTERS.sub("", text))


_LINE_BREAKS = re.compile(r"[\t\n]+")


def single_line(value: str | None) -> str:
    """``clean_text`` on one line: tabs and line breaks become a space.

    For what iCalendar writes unescaped (the calendar's name, a parameter such as CN), where a
    line break, say from an event title that got past the input checks, would break the file.
    """
    return _LINE_BREAKS.sub(" ", clean_text(value))


_markdown_tokens = mistune.create_markdown(renderer=None)
_HIDDEN_HTML = ("<script", "<style")


def _inline_text(nodes: list[dict], hidden: list[int]) -> str:
    """The text of inline tokens: emphasis dropped, links followed by their address."""
    parts: list[str] = []
    for node in nodes:
        kind = node["type"]
        if kind == "inline_html":
            raw = node["raw"].lower()
            if raw.startswith(_HIDDEN_HTML):
                hidden[0] += 1
            elif raw.startswith(("</script", "</style")):
                hidden[0] = max(0, hidden[0] - 1)
            continue
        if hidden[0]:
            continue
        if kind in ("text", "codespan"):
            parts.append(unescape(node["raw"]))
        elif kind in ("softbreak", "linebreak"):
            parts.append("\n")
        elif kind == "link":
            text = _inline_text(node.get("children", []), hidden)
            url = node.get("attrs", {}).get("url", "")
            parts.append(text)
            if url.startswith(("http://", "https://", "mailto:")) and url not in text:
                parts.append(f" ({url.removeprefix('mailto:')})")
        elif "children" in node:
            parts.append(_inline_text(node["children"], hidden))
    return "".join(parts)


def _block_texts(nodes: list[dict]) -> list[str]:
    """One string per block (paragraph, heading, list, code, quote), in order."""
    blocks: list[str] = []
    for node in nodes:
        kind = node["type"]
        if kind in ("paragraph", "heading", "block_text"):
            blocks.append(_inline_text(node.get("children", []), [0]))
        elif kind == "block_code":
            blocks.append(node["raw"].rstrip("\n"))
        elif kind == "block_html":
            text = nh3.clean(node["raw"], tags=set(), clean_content_tags={"script", "style"})
            blocks.append(unescape(text).strip())
        elif kind == "block_quote":
            blocks.extend(_block_texts(node.get("children", [])))
        elif kind == "list":
            attrs = node.get("attrs", {})
            items = []
            for number, item in enumerate(node.get("children", []), attrs.get("start", 1)):
                marker = f"{number}. " if attrs.get("ordered") else "- "
                text = "\n".join(_block_texts(item.get("children", [])))
                items.append(marker + text.replace("\n", "\n  "))
            blocks.append("\n".join(items))
    return [block for block in blocks if block.strip()]


# Anything Markdown (or HTML) could make something of; text without any of it is plain already.
_MARKDOWN_SYNTAX = re.compile(
    r"[*_`\[\]<>!&|~]|\\[\\`*_{}\[\]()#+.!-]|^ {0,3}(?:[#=+-]|\d+[.)])|^(?: {4}|\t)| {2}$",
    re.MULTILINE,
)


@lru_cache(maxsize=4096)
def plain_text(source: str) -> str:
    """Markdown (as staff write descriptions) reduced to the plain text calendar apps show.

    Rendering Markdown costs more than serializing the event, so text with no Markdown syntax
    skips it: only its blank-line runs are tidied, as the renderer would.
    """
    source = clean_text(source)
    if not source.strip():
        return ""
    if not _MARKDOWN_SYNTAX.search(source):
        lines = "\n".join(line.strip() for line in source.strip("\n").split("\n"))
        return re.sub(r"\n{3,}", "\n\n", lines).strip("\n")
    return clean_text("\n\n".join(_block_texts(_markdown_tokens(source))))
