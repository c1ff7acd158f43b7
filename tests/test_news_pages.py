"""/news and the report on a past event's page: which reports are news and in what order, the
branch filter and paging with their bad inputs, languages, attendance, sanitising, the gallery,
the Article JSON-LD beside the Event, Open Graph, and the sitemap."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch
from xml.etree import ElementTree

import lxml.html
import pytest

from calendar_app.extensions import db
from calendar_app.models import Branch, Report
from calendar_app.services import news, stats
from calendar_app.services.events import cancel_event
from tests.conftest import BASE_URL
from tests.factories import NOW, make_branch, make_registration
from tests.html_head import SCHEMA, expanded_events, read_head, types, value
from tests.news_support import add_photo, make_report, past_event, select_all

HOSTILE = (
    "Кеш <script>alert('x')</script> өтті.\n\n"
    "[Сілтеме](javascript:alert(1)) және <img src=x onerror=alert(2)>\n\n"
    '<a href="javascript:alert(3)">басу</a>'
)


@pytest.fixture(autouse=True)
def frozen_now():
    with (
        patch("calendar_app.public.news.utcnow", return_value=NOW),
        patch("calendar_app.public.pages.utcnow", return_value=NOW),
        patch("calendar_app.public.discovery.utcnow", return_value=NOW),
    ):
        yield


def page(client, url: str, status: int = 200) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return lxml.html.fromstring(response.get_data(as_text=True))


def titles(doc: lxml.html.HtmlElement) -> list[str]:
    return [a.text_content() for a in select_all(doc, ".news-item h3 a")]


def assert_nothing_runs(root: lxml.html.HtmlElement) -> None:
    """No script but JSON-LD data, no event handler attribute, no javascript: address."""
    for script in root.iter("script"):
        assert script.get("type") == "application/ld+json" or script.get("src"), script.text
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, attribute in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert not attribute.strip().lower().startswith("javascript:"), (element.tag, name)
        assert element.tag not in ("iframe", "object", "embed", "img") or element.get(
            "src", ""
        ).startswith(("/media/", "/static/")), lxml.html.tostring(element)


@pytest.fixture
def two_branches(app):
    with app.app_context():
        chekhov = make_branch("chekhov", name="Chekhov library")
        begalin = make_branch("begalin", name="Begalin children's library")
        db.session.commit()
        return chekhov.id, begalin.id


def _branch(branch_id: int) -> Branch:
    return db.session.get(Branch, branch_id)


def test_news_lists_published_reports_of_past_scheduled_events_newest_first(
    app, client, two_branches
):
    chekhov, begalin = two_branches
    with app.app_context():
        older = past_event(_branch(chekhov), days_ago=10, title="Deputies met librarians")
        newer = past_event(_branch(begalin), days_ago=2, title="«Reduce» master class")
        middle = past_event(_branch(chekhov), days_ago=5, title="Dombra Day")
        hidden = past_event(_branch(chekhov), days_ago=4, title="Draft only")
        cancelled = past_event(_branch(chekhov), days_ago=3, title="Called off")
        upcoming = past_event(_branch(chekhov), days_ago=-3, title="Not yet")
        for event in (older, newer, middle, cancelled, upcoming):
            make_report(event)
        make_report(hidden, published=False)
        cancel_event(cancelled, NOW)
        db.session.commit()
        newer_id = newer.id
        others = [hidden.id, cancelled.id, upcoming.id]
    doc = page(client, "/news?lang=en")
    assert titles(doc) == ["«Reduce» master class", "Dombra Day", "Deputies met librarians"]
    first = select_all(doc, ".news-item")[0]
    assert select_all(first, "h3 a")[0].get("href") == f"/events/{newer_id}#report"
    kicker = select_all(first, ".card-kicker")[0]
    assert "Begalin children's library" in kicker.text_content()
    assert select_all(kicker, "time")[0].get("datetime").startswith("2026-04-29T")
    assert "How ««Reduce» master class» went." in first.text_content()
    for event_id in others:
        assert not select_all(page(client, f"/events/{event_id}"), "#report")


def test_branch_filter_and_its_bad_values(app, client, two_branches):
    chekhov, begalin = two_branches
    with app.app_context():
        make_report(past_event(_branch(chekhov), title="At Chekhov"))
        make_report(past_event(_branch(begalin), title="At Begalin"))
        db.session.commit()
    assert titles(page(client, "/news?branch=begalin&lang=en")) == ["At Begalin"]
    assert titles(page(client, "/news?branch=BEGALIN&lang=en")) == ["At Begalin"]
    assert len(titles(page(client, "/news?branch=&lang=en"))) == 2
    doc = page(client, "/news?branch=begalin&lang=en")
    selected = select_all(doc, "#news-branch option[selected]")
    assert [option.get("value") for option in selected] == ["begalin"]
    for bad in ("nowhere", "../chekhov", "x" * 500, "chek%00hov", "%D0%B1%D0%B0", "a b"):
        doc = page(client, f"/news?branch={bad}&lang=en", status=400)
        assert "There is no such branch." in doc.text_content()


def test_paging_its_bad_numbers_and_the_empty_state(app, client, two_branches):
    chekhov, _ = two_branches
    empty = page(client, "/news?lang=en")
    assert not select_all(empty, ".news-item")
    assert "No reports have been published yet." in empty.text_content()
    page(client, "/news?page=2", status=404)
    with app.app_context():
        for day in range(1, news.PAGE_SIZE + 3):
            make_report(past_event(_branch(chekhov), days_ago=day, title=f"Report {day:02d}"))
        db.session.commit()
    first = page(client, "/news?lang=en")
    assert titles(first) == [f"Report {day:02d}" for day in range(1, news.PAGE_SIZE + 1)]
    assert select_all(first, ".pagination a[rel=next]")[0].get("href") == "/news?lang=en&page=2"
    second = page(client, "/news?lang=en&page=2")
    assert titles(second) == ["Report 11", "Report 12"]
    assert "Page 2 of 2" in second.text_content()
    for bad in ("0", "-1", "abc", "1.5", "", "99999999", "%EF%BC%91"):
        status = 200 if bad == "" else 400
        page(client, f"/news?page={bad}", status=status)
    page(client, "/news?page=3", status=404)
    with app.app_context():
        make_branch("quiet", name="Quiet library")
        db.session.commit()
    quiet = page(client, "/news?branch=quiet&lang=en")
    assert "This branch has not published any reports yet." in quiet.text_content()


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_BYTES": 0}])  # a render, not a kept page
def test_constant_number_of_queries(app, client, two_branches, count_queries):
    chekhov, begalin = two_branches

    def add(count: int) -> None:
        with app.app_context():
            for day in range(count):
                event = past_event(_branch(chekhov if day % 2 else begalin), days_ago=day + 1)
                make_registration(event.id, checked_in_at=event.starts_at)
                report = make_report(event)
                add_photo(report, {"kk": "Сурет"}, position=1)
                add_photo(report, {"kk": "Басқа сурет"}, position=0, colour=(1, 2, 3))
            db.session.commit()

    add(2)
    client.get("/news")
    with count_queries() as few:
        assert client.get("/news").status_code == 200
    add(8)
    with count_queries() as many:
        assert client.get("/news").status_code == 200
    assert len(titles(lxml.html.fromstring(client.get("/news").data))) == 10
    assert many.count == few.count <= 6, many.statements


def test_translated_title_and_text_with_the_original_below(app, client, two_branches):
    chekhov, _ = two_branches
    with app.app_context():
        event = past_event(
            _branch(chekhov),
            title="Айгүл Жұмаділдің өлеңдер жинағының тұсаукесері",
            language="kk",
            translations={"ru": {"title": "Презентация сборника стихов Айгуль Жумадил"}},
        )
        make_report(
            event,
            {"kk": "Кеш **жылы** өтті.", "ru": "Вечер прошёл **тепло**.", "en": ""},
        )
        db.session.commit()
        event_id = event.id
    ru = select_all(page(client, "/news?lang=ru"), ".news-item")[0]
    link = select_all(ru, "h3 a")[0]
    assert (link.text_content(), link.get("lang")) == (
        "Презентация сборника стихов Айгуль Жумадил",
        "ru",
    )
    original = select_all(ru, ".translated-title")[0]
    assert original.get("lang") == "kk"
    assert original.text_content() == "Айгүл Жұмаділдің өлеңдер жинағының тұсаукесері"
    excerpt = select_all(ru, ".news-excerpt")[0]
    assert (excerpt.text_content(), excerpt.get("lang")) == ("Вечер прошёл тепло.", "ru")
    # English: no English text, so the original, marked as Kazakh, and no translated title.
    en = select_all(page(client, "/news?lang=en"), ".news-item")[0]
    assert select_all(en, "h3 a")[0].get("lang") == "kk"
    assert not select_all(en, ".translated-title")
    excerpt = select_all(en, ".news-excerpt")[0]
    assert (excerpt.text_content(), excerpt.get("lang")) == ("Кеш жылы өтті.", "kk")

    section = select_all(page(client, f"/events/{event_id}?lang=ru"), "#report")[0]
    shown = select_all(section, ".report-text")[0]
    assert shown.get("lang") == "ru" and select_all(shown, "strong")[0].text == "тепло"
    below = select_all(section, ".report-original")[0]
    assert below.tag == "details"
    assert select_all(below, "summary")[0].text_content() == "Отчёт в оригинале, на казахском языке"
    assert select_all(below, "div[lang=kk] strong")[0].text == "жылы"
    kk = select_all(page(client, f"/events/{event_id}?lang=kk"), "#report")[0]
    assert select_all(kk, ".report-text")[0].get("lang") == "kk"
    assert not select_all(kk, ".report-original")


def test_attendance_counts_check_ins_walk_ins_and_head_counts(app, client, two_branches):
    chekhov, _ = two_branches
    with app.app_context():
        branch = _branch(chekhov)
        booked = past_event(branch, days_ago=2, title="Booked", capacity=30)
        at = booked.starts_at
        make_registration(booked.id, seats=2, checked_in_at=at)
        make_registration(booked.id, seats=1, checked_in_at=at)
        make_registration(booked.id, seats=3)  # confirmed, did not come
        make_registration(booked.id, seats=2, status="cancelled", confirmed_at=None)
        make_registration(booked.id, seats=2, checked_in_at=at, source="walk_in", email=None)
        drop_in = past_event(branch, days_ago=3, title="Drop in", registration="none")
        drop_in.headcount = 41
        discreet = past_event(branch, days_ago=4, title="Discreet", capacity=30)
        make_registration(discreet.id, seats=4, checked_in_at=discreet.starts_at)
        uncounted = past_event(branch, days_ago=5, title="Uncounted", registration="none")
        make_report(booked)
        make_report(drop_in)
        make_report(discreet, show_attendance=False)
        make_report(uncounted)
        db.session.commit()
        drop_in_id, discreet_id = drop_in.id, discreet.id
        month = stats.monthly_stats([branch], NOW.date().replace(month=4, day=1), NOW.date(), NOW)
        assert month.total.attended == 5 + 41 + 4  # the statistics count the same way
    items = select_all(page(client, "/news?lang=en"), ".news-item")
    shown = {
        select_all(item, "h3 a")[0].text_content(): [
            p.text_content() for p in select_all(item, ".attendance")
        ]
        for item in items
    }
    assert shown == {
        "Booked": ["5 people came"],
        "Drop in": ["41 people came"],
        "Discreet": [],
        "Uncounted": [],
    }
    ru = select_all(page(client, f"/events/{drop_in_id}?lang=ru"), "#report .attendance")
    assert ru[0].text_content() == "Пришёл 41 человек"
    assert not select_all(page(client, f"/events/{discreet_id}"), "#report .attendance")


def test_markup_in_the_text_never_runs(app, client, two_branches):
    chekhov, _ = two_branches
    with app.app_context():
        event = past_event(_branch(chekhov), language="kk")
        make_report(event, {"kk": HOSTILE})
        db.session.commit()
        event_id = event.id
    listing = page(client, "/news?lang=kk")
    assert_nothing_runs(listing)
    assert "alert('x')" in select_all(listing, ".news-excerpt")[0].text_content()  # shown as text
    detail = page(client, f"/events/{event_id}?lang=kk")
    assert_nothing_runs(detail)
    text = select_all(detail, "#report .report-text")[0]
    assert "<script>" in text.text_content()  # what staff typed, as text
    assert [a.get("href") for a in select_all(text, "a")] in ([], [None])


def test_the_gallery_is_a_list_of_linked_figures(app, client, two_branches):
    chekhov, _ = two_branches
    with app.app_context():
        event = past_event(_branch(chekhov), language="kk")
        report = make_report(event, {"kk": "Суреттер."})
        second = add_photo(report, {"kk": "Оқырмандар залда", "ru": "Читатели в зале"}, position=2)
        first = add_photo(report, {"kk": "Домбырашылар сахнада"}, position=1, colour=(200, 10, 10))
        keys = [first.image.key, second.image.key]
        db.session.commit()
        event_id = event.id
    doc = page(client, f"/events/{event_id}?lang=ru")
    gallery = select_all(doc, "#report ul.gallery")[0]
    label = doc.get_element_by_id(gallery.get("aria-labelledby"))
    assert label.text_content() == "2 фотографии"
    items = select_all(gallery, "li > figure.gallery-item")
    assert len(items) == 2
    for figure, key, alt in zip(
        items, keys, ["Домбырашылар сахнада", "Читатели в зале"], strict=True
    ):
        [link] = select_all(figure, "a")
        assert link.get("href") == f"/media/{key}-900.jpg"
        [img] = select_all(link, "img")
        assert img.get("alt") == alt
        assert img.get("srcset").startswith(f"/media/{key}-")
        assert (img.get("width"), img.get("height")) == ("900", "600")
        assert client.get(link.get("href")).status_code == 200
    assert_nothing_runs(doc)
    # The news shows the first photo by position.
    lead = select_all(page(client, "/news?lang=ru"), ".news-item img")[0]
    assert lead.get("alt") == "Домбырашылар сахнада" and keys[0] in lead.get("src")


def test_report_page_has_an_article_about_the_event_and_shares_the_lead_photo(
    app, client, two_branches
):
    chekhov, _ = two_branches
    with app.app_context():
        event = past_event(_branch(chekhov), language="ru", title="Встреча с депутатами")
        report = make_report(event, {"ru": "Депутаты **встретились** с читателями."})
        report.updated_at = report.published_at + timedelta(days=1)
        photo = add_photo(report, {"ru": "Депутаты и читатели"})
        key, report_id, event_id = photo.image.key, report.id, event.id
        db.session.commit()
    response = client.get(f"/events/{event_id}?lang=en")
    head = read_head(response.get_data(as_text=True))
    nodes = expanded_events(head)
    by_type = {types(node)[0]: node for node in nodes}
    assert set(by_type) == {SCHEMA + "Event", SCHEMA + "Article"}
    article, event_node = by_type[SCHEMA + "Article"], by_type[SCHEMA + "Event"]
    page_url = f"{BASE_URL}/events/{event_id}?lang=en"
    assert event_node["@id"] == page_url + "#event"
    assert value(article, "about") == page_url + "#event"
    assert value(article, "headline") == "Встреча с депутатами"
    assert value(article, "datePublished") == "2026-04-28T14:30:00+05:00"
    assert value(article, "dateModified") == "2026-04-29T14:30:00+05:00"
    assert value(article, "description") == "Депутаты встретились с читателями."
    assert value(article, "inLanguage") == "ru"
    assert value(article, "image") == f"{BASE_URL}/media/{key}-900.jpg"
    for role in ("author", "publisher"):
        library = value(article, role)
        assert types(library) == [SCHEMA + "Organization"]
        assert value(library, "name") == "Chekhov library"
        assert value(library, "url") == f"{BASE_URL}/branches/chekhov?lang=en"
    assert head.one("og:type") == "article"
    assert head.one("og:image") == f"{BASE_URL}/media/{key}-900.jpg"
    assert head.one("og:image:alt") == "Депутаты и читатели"
    assert head.one("article:published_time") == "2026-04-28T14:30:00+05:00"
    assert head.one("description") == head.one("og:description")
    assert head.one("description") == "Депутаты встретились с читателями."
    with app.app_context():
        db.session.get(Report, report_id).published = False
        db.session.commit()
    head = read_head(client.get(f"/events/{event_id}?lang=en").get_data(as_text=True))
    assert [types(node) for node in expanded_events(head)] == [[SCHEMA + "Event"]]
    assert head.one("og:type") == "website"


def test_news_page_head_navigation_and_sitemap(app, client, two_branches):
    chekhov, _ = two_branches
    with app.app_context():
        old = past_event(_branch(chekhov), days_ago=200, title="Long ago")
        make_report(old)
        forgotten = past_event(_branch(chekhov), days_ago=201, title="Long ago, no report")
        db.session.commit()
        old_id, forgotten_id = old.id, forgotten.id
    response = client.get("/news?branch=chekhov&lang=ru")
    head = read_head(response.get_data(as_text=True))
    assert head.canonical() == f"{BASE_URL}/news?branch=chekhov&lang=ru"
    assert head.alternates()["kk"] == f"{BASE_URL}/news?branch=chekhov&lang=kk"
    assert head.alternates()["x-default"] == f"{BASE_URL}/news?branch=chekhov"
    assert head.one("description")
    feeds = [link for link in head.links if link.get("type") == "application/atom+xml"]
    assert [link["href"] for link in feeds] == [f"{BASE_URL}/news.atom?lang=ru&branch=chekhov"]
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    [current] = select_all(doc, "header nav a[aria-current=page]")
    assert (current.get("href"), current.text_content()) == ("/news", "Новости")
    assert "/news" in [a.get("href") for a in select_all(page(client, "/"), "header nav a")]
    error = read_head(client.get("/news?page=0").get_data(as_text=True))
    assert error.canonical() is None

    sitemap = ElementTree.fromstring(client.get("/sitemap.xml").data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in sitemap.findall("s:url/s:loc", ns)]
    assert f"{BASE_URL}/news?lang=kk" in locations
    [news_entry] = [
        url
        for url in sitemap.findall("s:url", ns)
        if url.findtext("s:loc", None, ns).endswith("/news?lang=kk")
    ]
    assert news_entry.findtext("s:lastmod", None, ns) == "2025-10-13T09:30:00+00:00"
    assert f"{BASE_URL}/events/{old_id}?lang=en" in locations  # a report keeps it listed
    assert f"{BASE_URL}/events/{forgotten_id}?lang=en" not in locations


def test_the_service_refuses_bad_branch_values(ctx):
    from calendar_app.services.errors import InvalidInput

    make_branch("chekhov")
    assert news.parse_branch(None) is None and news.parse_branch("") is None
    assert news.parse_branch(" Chekhov ").slug == "chekhov"
    for bad in ("nowhere", 5, ["chekhov"], "x\x00y", "ч" * 90):
        with pytest.raises(InvalidInput):
            news.parse_branch(bad)
    with pytest.raises(InvalidInput):
        news.news_page(NOW, "en", page=0)
    assert news.news_page(NOW, "en", page=5).items == []


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_BYTES": 0}])  # a render, not a kept page
def test_the_event_page_of_a_report_runs_a_constant_number_of_queries(
    app, client, two_branches, count_queries
):
    chekhov, _ = two_branches
    with app.app_context():
        event = past_event(_branch(chekhov))
        make_registration(event.id, checked_in_at=event.starts_at)
        report = make_report(event)
        add_photo(report, {"kk": "Бірінші"})
        db.session.commit()
        event_id, report_id = event.id, report.id
    client.get(f"/events/{event_id}")
    with count_queries() as few:
        assert client.get(f"/events/{event_id}").status_code == 200
    with app.app_context():
        for position in range(1, 8):
            add_photo(
                db.session.get(Report, report_id), {"kk": f"Сурет {position}"}, position=position
            )
        db.session.commit()
    with count_queries() as many:
        response = client.get(f"/events/{event_id}")
    assert len(select_all(lxml.html.fromstring(response.data), "ul.gallery figure")) == 8
    assert many.count == few.count


def test_report_text_choices(ctx):
    event = past_event(make_branch(), language="ru")
    cases = [
        ({"kk": "Қаз", "ru": "Рус"}, "en", ("ru", "Рус", None, None)),
        ({"kk": "Қаз", "ru": "Рус"}, "kk", ("kk", "Қаз", "ru", "Рус")),
        ({"kk": "Қаз", "ru": "  "}, "en", ("kk", "Қаз", None, None)),
        ({"de": "Deutsch", "ru": 5}, "ru", ("ru", "", None, None)),
        ({}, "kk", ("kk", "", None, None)),
    ]
    for text, language, expected in cases:
        report = Report(event_id=event.id, text=text)
        shown = news.report_text(report, event, language)
        assert (
            shown.language,
            shown.markdown,
            shown.original_language,
            shown.original_markdown,
        ) == expected, text
