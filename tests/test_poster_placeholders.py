"""Events without a poster show the neutral picture of their category in its place, on the
cards and the event page: decorative (empty alt), served from the site, without any text."""

from __future__ import annotations

import re

from calendar_app.images import placeholder_path
from calendar_app.vocabulary import CATEGORIES
from tests.test_poster_pages import event_with_poster, pictures  # noqa: F401 (a fixture)

PLACEHOLDER = re.compile(r"^/static/img/placeholder/([a-z_]+)\.svg\?v=[0-9a-f]+$")


def placeholders(html: str) -> list[dict[str, str]]:
    return [img for img in pictures(html).images if PLACEHOLDER.match(img["src"])]


def test_cards_show_the_poster_or_the_category_picture_in_the_same_box(
    client,
    event_with_poster,  # noqa: F811
):
    event_id, other_id, poster = event_with_poster
    key = poster["url"].rsplit("/", 1)[1].split("-")[0]
    for lang in ("kk", "ru", "en"):
        html = client.get(f"/?lang={lang}").get_data(as_text=True)
        images = pictures(html).images
        assert len([img for img in images if "/media/" in img["src"]]) == 1
        [stand_in] = placeholders(html)  # the other branch's event has no poster
        assert stand_in["alt"] == "" and stand_in["loading"] == "lazy"
        assert (stand_in["width"], stand_in["height"]) == ("160", "200")
        assert PLACEHOLDER.match(stand_in["src"]).group(1) == "master_class"
        # Both in the card's picture box, after the card's words.
        assert html.count('<picture class="card-poster') == 2
        assert html.count('<picture class="card-poster placeholder">') == 1
        card = html[html.index(f'id="event-{other_id}-title"') :]
        assert card.index("</h3>") < card.index('class="card-poster placeholder"')
        assert f"/media/{key}-320.jpg" in html


def test_the_event_page_shows_the_category_picture_only_without_a_poster(
    client,
    event_with_poster,  # noqa: F811
):
    event_id, other_id, _poster = event_with_poster
    html = client.get(f"/events/{event_id}?lang=en").get_data(as_text=True)
    assert not placeholders(html) and "event-placeholder" not in html
    html = client.get(f"/events/{other_id}?lang=en").get_data(as_text=True)
    [stand_in] = placeholders(html)
    assert stand_in["alt"] == "" and stand_in["loading"] == "eager"
    assert html.index('class="event-placeholder placeholder"') < html.index('id="event-title"')
    response = client.get(stand_in["src"])
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    assert len(response.data) < 2048 and "<text" not in body and "<script" not in body


def test_every_category_has_its_picture_and_an_unknown_one_falls_back(client):
    assert placeholder_path("nonsense") == "img/placeholder/other.svg"
    for category in CATEGORIES:
        response = client.get(f"/static/{placeholder_path(category)}")
        assert response.status_code == 200, category
        assert b'viewBox="0 0 160 200"' in response.data
        response.close()
