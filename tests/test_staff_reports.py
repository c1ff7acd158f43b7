"""The staff report pages: the text per language, publishing, photos with the consent
confirmation, the roster's link and the dashboard's events without a report."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Event, Report, ReportPhoto
from calendar_app.services import reports
from calendar_app.services.events import cancel_event
from calendar_app.timeutil import utcnow
from tests.factories import make_event
from tests.poster_images import phone_photo, png, truncated_jpeg
from tests.report_support import build_report_world, fill_with_photos, noisy_png, stored
from tests.staff_support import log_in

CONSENT = "consent_confirmed"


@pytest.fixture
def world(app, client):
    with app.app_context():
        ids = build_report_world()
    log_in(client, ids["logins"]["a"])
    return ids


def page(event_id: int) -> str:
    return f"/staff/events/{event_id}/report"


def text_form(**changes: str) -> dict[str, str]:
    data = {
        "text_kk": "Балалар шеберлік сабағына қатысты.",
        "text_ru": "",
        "text_en": "Almost thirty children took part.",
        "published": "y",
        "show_attendance": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def photo_form(data: bytes | None = None, **changes: str) -> dict:
    fields = {"alt_kk": "Балалар сурет салып отыр", "alt_ru": "", "alt_en": "", CONSENT: "y"}
    fields.update(changes)
    fields = {key: value for key, value in fields.items() if value is not None}
    if data is not None:
        fields["image"] = (io.BytesIO(data), "photo.jpg")
    return fields


def the_report(app) -> Report | None:
    with app.app_context():
        report = db.session.execute(select(Report)).scalar_one_or_none()
        if report is not None:
            report.photos  # noqa: B018 (loaded while the session is open)
        return report


def test_staff_write_and_publish_a_report(app, client, world):
    form = client.get(page(world["past"])).get_data(as_text=True)
    assert "<textarea" in form and 'name="published"' in form
    assert '<input checked id="show_attendance"' in form
    assert "How many came" in form and ">3 <" in form
    assert 'href="/events/' not in form  # no public link before publishing
    response = client.post(page(world["past"]), data=text_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page(world["past"]))
    report = the_report(app)
    assert report.published and report.published_at is not None and report.show_attendance
    assert report.text == {
        "kk": "Балалар шеберлік сабағына қатысты.",
        "en": "Almost thirty children took part.",
    }
    shown = client.get(page(world["past"])).get_data(as_text=True)
    assert f'href="/events/{world["past"]}"' in shown  # the public page
    assert "The report is saved and published." in shown
    assert "Almost thirty children took part.</textarea>" in shown


def test_no_link_to_the_public_report_once_the_event_is_cancelled_or_moved_ahead(
    app, client, world
):
    """The public page stops showing a published report when its event is cancelled or moved
    into the future; the staff page must not send staff there to see it."""
    assert client.post(page(world["past"]), data=text_form()).status_code == 302
    public_link = f'href="/events/{world["past"]}"'
    assert public_link in client.get(page(world["past"])).get_data(as_text=True)
    with app.app_context():
        event = db.session.get(Event, world["past"])
        event.starts_at, event.ends_at = (
            utcnow() + timedelta(days=3),
            utcnow() + timedelta(days=3, hours=2),
        )
        db.session.commit()
    assert public_link not in client.get(page(world["past"])).get_data(as_text=True)
    assert 'id="report"' not in client.get(f"/events/{world['past']}").get_data(as_text=True)
    with app.app_context():
        event = db.session.get(Event, world["past"])
        event.starts_at, event.ends_at = (
            utcnow() - timedelta(days=1),
            utcnow() - timedelta(days=1) + timedelta(hours=2),
        )
        cancel_event(event, utcnow())
        db.session.commit()
    shown = client.get(page(world["past"])).get_data(as_text=True)
    assert "A cancelled event has no report." in shown and public_link not in shown


def test_the_events_language_comes_first(client, world):
    form = client.get(page(world["drop_in"])).get_data(as_text=True)  # a Russian event
    assert form.index('id="text_ru"') < form.index('id="text_kk"') < form.index('id="text_en"')
    assert form.index('id="alt_ru"') < form.index('id="alt_kk"')
    assert "17" in form  # the head count


def test_unchecked_boxes_hide_the_report_and_the_attendance(app, client, world):
    client.post(page(world["past"]), data=text_form(published=None, show_attendance=None))
    report = the_report(app)
    assert not report.published and not report.show_attendance and report.published_at is None


@pytest.mark.parametrize("which", ["future", "cancelled"])
def test_before_the_start_the_page_says_when_a_report_can_be_written(app, client, world, which):
    shown = client.get(page(world[which]))
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    expected = "has started" if which == "future" else "A cancelled event has no report."
    assert expected in text and "<textarea" not in text and 'type="file"' not in text
    response = client.post(page(world[which]), data=text_form())
    assert response.status_code == 409
    assert expected in response.get_data(as_text=True)
    response = client.post(
        page(world[which]) + "/photos",
        data=photo_form(png()),
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    assert stored(app) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"text_kk": "", "text_en": "  "}, "text_kk"),
        ({"text_en": "x" * 20_001}, "text_en"),
        ({"text_kk": "Бала\x00лар"}, "text_kk"),
        ({"text_ru": "Звонок \x07"}, "text_ru"),
    ],
)
def test_a_refused_text_shows_the_error_summary_and_saves_nothing(
    app, client, world, changes, field
):
    response = client.post(page(world["past"]), data=text_form(**changes))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'class="error-summary"' in text and f'href="#{field}"' in text
    assert f'id="{field}-error"' in text and 'aria-invalid="true"' in text
    assert "<title>Error:" in text
    assert the_report(app) is None


def test_another_branch_may_not_see_or_change_the_report(app, client, world):
    log_in(client, world["logins"]["b"])
    assert client.get(page(world["past"])).status_code == 403
    assert client.post(page(world["past"]), data=text_form()).status_code == 403
    response = client.post(
        page(world["past"]) + "/photos", data=photo_form(png()), content_type="multipart/form-data"
    )
    assert response.status_code == 403
    assert stored(app) == (0, 0, 0, 0)
    assert client.get(page(987654)).status_code == 404
    log_in(client, world["logins"]["admin"])
    assert client.post(page(world["past"]), data=text_form()).status_code == 302
    log_in(client, None)
    assert client.get(page(world["past"])).status_code == 302  # to the login page


def test_a_photo_without_the_confirmation_is_refused(app, client, world):
    response = client.post(
        page(world["past"]) + "/photos",
        data=photo_form(phone_photo(), **{CONSENT: None}),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert f'href="#{CONSENT}"' in text and f'id="{CONSENT}-error"' in text
    assert "agreed to be photographed" in text
    assert stored(app) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "data, changes, field",
    [
        (truncated_jpeg(), {}, "image"),
        (b"plain text", {}, "image"),
        (None, {}, "image"),
        (png(), {"alt_kk": ""}, "alt_kk"),
        (png(), {"alt_en": "Children\u0085drawing"}, "alt_en"),
    ],
)
def test_a_refused_picture_stores_nothing(app, client, world, data, changes, field):
    response = client.post(
        page(world["past"]) + "/photos",
        data=photo_form(data, **changes),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert stored(app) == (0, 0, 0, 0)


def test_photos_are_added_described_listed_and_removed(app, client, world):
    before = utcnow().replace(microsecond=0)
    for data in (phone_photo(), png()):
        response = client.post(
            page(world["past"]) + "/photos",
            data=photo_form(data),
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("#photos")
    report = the_report(app)
    assert not report.published and report.text == {}  # photos first: an empty draft
    first, second = report.photos
    assert (first.position, second.position) == (0, 1)
    assert first.consent_confirmed_at >= before
    with app.app_context():
        assert db.session.get(ReportPhoto, first.id).consent_confirmed_by.email == "a@example.kz"
    text = client.get(page(world["past"])).get_data(as_text=True)
    assert text.count('class="report-photo"') == 2
    assert 'alt="Балалар сурет салып отыр"' in text and "/media/" in text
    assert "Consent confirmed by a," in text
    response = client.post(
        page(world["past"]) + f"/photos/{first.id}",
        data={f"photo{first.id}-alt_kk": "", f"photo{first.id}-alt_en": "Children drawing"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ReportPhoto, first.id).image.alt == {"en": "Children drawing"}
    refused = client.post(page(world["past"]) + f"/photos/{first.id}", data={})
    assert refused.status_code == 422
    assert f'href="#photo{first.id}-alt_kk"' in refused.get_data(as_text=True)
    files = stored(app)[3]
    response = client.post(page(world["past"]) + f"/photos/{first.id}/remove")
    assert response.status_code == 302
    assert stored(app)[1:3] == (1, 1) and stored(app)[3] < files
    assert client.post(page(world["past"]) + f"/photos/{first.id}/remove").status_code == 404
    assert client.post(page(world["running"]) + f"/photos/{second.id}/remove").status_code == 404
    log_in(client, world["logins"]["b"])
    assert client.post(page(world["past"]) + f"/photos/{second.id}/remove").status_code == 403
    assert stored(app)[1] == 1


def test_a_full_report_offers_no_more_uploads(app, client, world):
    fill_with_photos(app, world)
    text = client.get(page(world["past"])).get_data(as_text=True)
    assert 'type="file"' not in text and "at most 20 photos" in text
    before = stored(app)
    response = client.post(
        page(world["past"]) + "/photos", data=photo_form(png()), content_type="multipart/form-data"
    )
    assert response.status_code == 409 and stored(app) == before


def test_the_roster_links_to_the_report(client, world):
    roster = client.get(f"/staff/events/{world['past']}/roster").get_data(as_text=True)
    assert f'href="{page(world["past"])}"' in roster


def test_the_dashboard_lists_events_without_a_published_report(app, client, world):
    with app.app_context():
        now = utcnow()
        event = db.session.get(Event, world["past"])
        old = make_event(
            event.branch, event.venue, title="Long ago", starts_at=now - timedelta(days=61)
        )
        old_id = old.id
        draft = db.session.get(Event, world["drop_in"])
        db.session.add(
            Report(event_id=draft.id, text={}, published=False, created_at=now, updated_at=now)
        )
        db.session.commit()
    text = client.get("/staff/").get_data(as_text=True)
    section = text[text.index('id="unreported"') :]
    links = re.findall(r'href="/staff/events/(\d+)/report"', section)
    # the event that ended an hour ago first, then the drop-in of five days ago (a draft)
    assert links == [str(world["past"]), str(world["drop_in"])]
    assert "draft" in section
    assert str(old_id) not in links and str(world["theirs"]) not in links
    assert str(world["cancelled"]) not in links and str(world["running"]) not in links
    client.post(page(world["past"]), data=text_form())  # published: off the list
    section = client.get("/staff/").get_data(as_text=True)
    links = re.findall(
        r'href="/staff/events/(\d+)/report"', section[section.index('id="unreported"') :]
    )
    assert links == [str(world["drop_in"])]
    log_in(client, world["logins"]["admin"])
    section = client.get("/staff/").get_data(as_text=True)
    links = re.findall(
        r'href="/staff/events/(\d+)/report"', section[section.index('id="unreported"') :]
    )
    assert str(world["theirs"]) in links


def test_a_report_survives_nothing_but_its_own_rules(app, world):
    """Photos can be withdrawn even after the event was cancelled."""
    with app.app_context():
        from calendar_app.models import StaffUser

        staff = db.session.get(StaffUser, world["staff"]["a"])
        event = db.session.get(Event, world["running"])
        photo = reports.add_photo(
            staff,
            event,
            data=png(),
            alt={"kk": "Сурет"},
            consent_confirmed=True,
            uploads_dir=app.config["UPLOADS_DIR"],
            now=utcnow(),
        )
        cancel_event(event, utcnow())
        reports.remove_photo(
            staff, event, photo.id, uploads_dir=app.config["UPLOADS_DIR"], now=utcnow()
        )
        db.session.commit()
    assert stored(app)[1:] == (0, 0, 0)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_photo_may_be_larger_than_other_requests(app, client, world):
    """Over the 1 MiB of other requests, the CSRF check reads the form and refuses the missing
    token (400), not the size; past 10 MiB the body itself is refused (413)."""
    data = noisy_png()
    assert len(data) > 2 * 2**20
    target = page(world["past"]) + "/photos"
    response = client.post(target, data=photo_form(data), content_type="multipart/form-data")
    assert response.status_code == 400
    huge = b"\xff\xd8" + b"\0" * (11 * 2**20)
    response = client.post(target, data=photo_form(huge), content_type="multipart/form-data")
    assert response.status_code == 413
    assert stored(app) == (0, 0, 0, 0)
