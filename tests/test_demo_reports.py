"""The demo season's news: past events with published reports in kk, ru and en, and drawn photos
stored like uploads."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image as PILImage
from sqlalchemy import func, select

from calendar_app import demo_pictures
from calendar_app.extensions import db
from calendar_app.localization import localized
from calendar_app.models import Event, Image, Registration, Report, ReportPhoto
from calendar_app.services.posters import FORMATS, file_name
from calendar_app.services.seats import availability
from calendar_app.services.seeding import seed_demo

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
KAZAKH_LETTERS = re.compile("[әғқңөұүһі]")
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
# Each story: a piece of its title (in the event's language) and the branch it took place at.
STORIES = {
    "маслихата": "chekhov",
    "«Reduce — шаги к устойчивому развитию»": "begalin",
    "уголка турецкой литературы": "alatau-hub",
    "Ұлттық домбыра күні": "alatau-hub",
    "Деловая встреча": "alatau-hub",
    "«Құтадғу білік»": "chekhov",
    "Айгүл Жұмаділ": "chekhov",
    "Дүйсен Мағлұмов": "begalin",
    "«Шексіздік сыртындағы шам»": "alatau-hub",
}
LIBRARY_NAMES = {  # as the libraries write them (patterns: Russian declines the hub)
    "chekhov": {"kk": "Чехов атындағы кітапхана", "ru": "библиотеки имени А. П. Чехова"},
    "begalin": {
        "kk": "Бегалин атындағы балалар кітапханасы",
        "ru": "детской библиотеки имени С. Бегалина",
    },
    "alatau-hub": {"kk": "«Алатау» шығармашылық хаб", "ru": r"креативн\w+ хаб\w* «Алатау»"},
}


def reports() -> list[Report]:
    return list(db.session.execute(select(Report).order_by(Report.id)).scalars())


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Event, Registration, Report, ReportPhoto, Image)
    }


def uploaded_files(directory: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in directory.iterdir()}


def test_nine_stories_are_past_events_with_a_published_report_each(ctx):
    added = seed_demo(NOW)
    db.session.commit()
    assert (added["reports"], added["photos"]) == (9, 13)
    found = reports()
    assert len(found) == 9
    for piece, slug in STORIES.items():
        [report] = [r for r in found if piece in r.event.title]
        assert report.event.branch.slug == slug, piece
    for report in found:
        event = report.event
        assert report.published and event.starts_at < NOW, event.title
        assert event.ends_at <= report.published_at <= NOW
        assert report.created_at == report.updated_at == report.published_at
        assert set(report.text) == {"kk", "ru", "en"}
        for language, text in report.text.items():
            paragraphs = [part for part in text.split("\n\n") if part.strip()]
            assert 2 <= len(paragraphs) <= 4, (event.title, language)
            assert text == text.strip() and "<" not in text
        assert KAZAKH_LETTERS.search(report.text["kk"])
        assert CYRILLIC.search(report.text["ru"])
        assert not CYRILLIC.search(re.sub("«[^»]*»", "", report.text["en"])), event.title
        for language in ("kk", "ru"):
            name = LIBRARY_NAMES[event.branch.slug][language]
            assert re.search(name, report.text[language]), (event.title, language)
        for language in ("kk", "ru", "en"):
            assert localized(event, "title", language).strip()
    assert sum(report.show_attendance for report in found) >= 7


def test_attendance_of_the_reported_events_is_counted_at_the_door(ctx):
    seed_demo(NOW)
    db.session.commit()
    for report in reports():
        event = report.event
        if event.is_drop_in:
            assert not event.registrations and 0 < event.headcount <= event.capacity
            continue
        came = [r for r in event.registrations if r.checked_in_at is not None]
        confirmed = [r for r in event.registrations if r.status == "confirmed"]
        assert 0 < len(came) < len(confirmed), event.title
        assert all(
            event.starts_at - timedelta(hours=1) <= r.checked_in_at <= event.ends_at for r in came
        )
        assert sum(r.seats for r in came) <= event.capacity
    reduce = next(r.event for r in reports() if "Reduce" in r.event.title)
    seated = sum(r.seats for r in reduce.registrations if r.checked_in_at is not None)
    assert 25 <= seated < 30  # "almost thirty children", as the report says


def test_every_photo_is_stored_like_an_upload_with_alt_text_in_three_languages(ctx):
    seed_demo(NOW)
    db.session.commit()
    uploads = Path(ctx.config["UPLOADS_DIR"])
    keys = set()
    for report in reports():
        assert 1 <= len(report.photos) <= 3
        assert [photo.position for photo in report.photos] == list(range(len(report.photos)))
        for photo in report.photos:
            assert photo.consent_confirmed_at == NOW and photo.consent_confirmed_by_id is None
            image = photo.image
            assert set(image.alt) == {"kk", "ru", "en"}
            assert all(10 < len(text) <= 300 for text in image.alt.values())
            assert (image.width, image.height, image.widths) == (1200, 800, [320, 640, 1200])
            keys.add(image.key)
            for width in image.widths:
                for extension in FORMATS:
                    path = uploads / file_name(image.key, width, extension)
                    with PILImage.open(io.BytesIO(path.read_bytes())) as picture:
                        picture.load()
                        assert picture.width == width
                        assert not picture.getexif()
                        assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(
                            picture.info
                        )
    assert len(keys) == 13  # no picture is used twice


def test_seeding_twice_changes_nothing(ctx):
    seed_demo(NOW)
    db.session.commit()
    before, files = counts(), uploaded_files(Path(ctx.config["UPLOADS_DIR"]))
    assert len(files) == 13 * 6
    again = seed_demo(NOW + timedelta(days=3))
    db.session.commit()
    assert set(again.values()) == {0}
    assert counts() == before
    assert uploaded_files(Path(ctx.config["UPLOADS_DIR"])) == files


def test_a_story_still_to_come_in_an_older_database_gets_its_report_once_it_took_place(ctx):
    seed_demo(NOW)
    dombra = next(r.event for r in reports() if r.event.is_drop_in)
    for photo in dombra.report.photos:
        db.session.delete(photo)
    db.session.delete(dombra.report)
    dombra.starts_at, dombra.ends_at = NOW + timedelta(days=2), NOW + timedelta(days=2, hours=2)
    db.session.commit()

    assert seed_demo(NOW)["reports"] == 0
    db.session.commit()
    assert db.session.get(Event, dombra.id).report is None

    later = NOW + timedelta(days=3)
    added = seed_demo(later)
    db.session.commit()
    assert (added["reports"], added["photos"], added["events"]) == (1, 2, 0)
    report = db.session.get(Event, dombra.id).report
    assert report.published and report.published_at <= later and len(report.photos) == 2


def test_the_upcoming_season_still_has_a_reduce_class_open_for_a_party_of_three(ctx):
    seed_demo(NOW)
    db.session.commit()
    upcoming = [
        event
        for event in db.session.execute(select(Event).where(Event.starts_at > NOW)).scalars()
        if "Reduce" in localized(event, "title", "kk")
    ]
    assert len(upcoming) == 1
    [event] = upcoming
    assert "Reduce" in localized(event, "title", "ru") and event.max_party >= 3
    assert availability(event, NOW).state in ("plenty", "few_left") and event.report is None


def test_the_seed_command_says_what_it_added_and_writes_photos_to_the_uploads_dir(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "9 reports (13 photos)" in result.output
    assert len(list(Path(app.config["UPLOADS_DIR"]).iterdir())) == 13 * 6
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "0 reports (0 photos)" in again.output


def test_the_demo_pictures_are_drawn_scenes():
    for name, scene in demo_pictures.SCENES.items():
        data = scene()
        assert data == scene(), name  # the same bytes every time: the same files
        with PILImage.open(io.BytesIO(data)) as picture:
            assert (picture.format, picture.size) == ("PNG", (1200, 800))
            colours = picture.convert("RGB").getcolors(maxcolors=1_000_000)
        commonest = max(count for count, _ in colours)
        assert len(colours) > 50 and commonest < 0.8 * 1200 * 800, name


def test_demo_parties_answer_the_photo_question_both_ways(ctx):
    seed_demo(NOW)
    db.session.commit()
    answers = dict(
        db.session.execute(
            select(Registration.photo_consent, func.count()).group_by(Registration.photo_consent)
        ).all()
    )
    assert answers[True] > answers[False] > 0
