"""Posters on the public pages: the event page and the cards show them in the sizes stored,
with the description in the page's language; shared links show them."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest

from tests.conftest import BASE_URL
from tests.html_head import SCHEMA, expanded_events, read_head
from tests.poster_images import phone_photo
from tests.staff_api_support import bearer, build_world

ALT = {"kk": "Күй кешінің афишасы", "ru": "Афиша вечера кюя", "en": "Concert poster"}


class Pictures(HTMLParser):
    """Every <img> and <source> of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.sources: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "img":
            self.images.append(values)
        elif tag == "source":
            self.sources.append(values)


def pictures(html: str) -> Pictures:
    reader = Pictures()
    reader.feed(html)
    return reader


@pytest.fixture
def event_with_poster(app, client):
    with app.app_context():
        world = build_world(with_registrations=False)
    response = client.put(
        f"/api/v1/staff/events/{world['event_a']}/poster",
        headers=bearer(world["secrets"]["a"]),
        data={
            "image": (io.BytesIO(phone_photo(2400, 1200)), "poster.jpg"),
            **{f"alt_{code}": text for code, text in ALT.items()},
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    return world["event_a"], world["event_b"], response.get_json()["poster"]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_event_page_shows_the_poster_in_every_size(client, event_with_poster, lang):
    event_id, _other, poster = event_with_poster
    key = poster["url"].rsplit("/", 1)[1].split("-")[0]
    page = pictures(client.get(f"/events/{event_id}?lang={lang}").get_data(as_text=True))
    [image] = [img for img in page.images if key in img["src"]]
    assert image["alt"] == ALT[lang]
    assert (image["width"], image["height"]) == ("1200", "2400")  # upright, at most 1200 wide
    assert image["srcset"] == ", ".join(
        f"/media/{key}-{width}.jpg {width}w" for width in (320, 640, 1200)
    )
    assert image["sizes"]
    [webp] = [source for source in page.sources if key in source["srcset"]]
    assert webp["type"] == "image/webp" and f"/media/{key}-640.webp 640w" in webp["srcset"]
    for url in [image["src"], *(part.split()[0] for part in webp["srcset"].split(", "))]:
        assert client.get(url).status_code == 200


def test_cards_show_a_small_poster_and_only_events_with_one(client, event_with_poster):
    event_id, _other, poster = event_with_poster
    key = poster["url"].rsplit("/", 1)[1].split("-")[0]
    page = pictures(client.get("/?lang=ru").get_data(as_text=True))
    posters = [img for img in page.images if "/media/" in img["src"]]
    assert len(posters) == 1
    assert posters[0]["alt"] == ALT["ru"] and posters[0]["loading"] == "lazy"
    assert posters[0]["src"] == f"/media/{key}-320.jpg"


def test_a_shared_link_shows_the_poster(client, event_with_poster):
    event_id, other_id, poster = event_with_poster
    head = read_head(client.get(f"/events/{event_id}?lang=en").get_data(as_text=True))
    assert head.one("og:image") == head.one("twitter:image") == poster["url"]
    assert poster["url"].startswith(f"{BASE_URL}/media/")
    assert (head.one("og:image:width"), head.one("og:image:height")) == ("1200", "2400")
    assert head.one("og:image:type") == "image/jpeg"
    assert head.one("og:image:alt") == head.one("twitter:image:alt") == ALT["en"]
    [node] = expanded_events(head)
    images = node[SCHEMA + "image"]
    assert poster["url"] in str(images)

    other = read_head(client.get(f"/events/{other_id}").get_data(as_text=True))
    assert other.one("og:image").startswith(f"{BASE_URL}/static/img/share/")
