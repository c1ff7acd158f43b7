"""The door on a phone: /staff/scan reads a visitor's QR code through the camera and checks the
party in. Chromium's fake camera plays a video of a real check-in QR code (written here as Y4M
from a segno image); without a camera the page says so and offers the name search."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import segno
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Registration
from calendar_app.services import registrations
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.timeutil import to_local, utcnow
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, CspWatchingBrowser, chromium_path
from tests.factories import make_branch, make_event, make_venue
from tests.staff_support import BROWSER_CONFIG, PASSWORD, make_staff

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
FRAME = (640, 480)
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@pytest.fixture
def app_config():
    return dict(BROWSER_CONFIG)


@pytest.fixture
def door(app) -> dict:
    """A children's master class going on now, one in three days, a party for each, and the
    door volunteer's account."""
    with app.app_context():
        now = utcnow()
        branch = make_branch("begalin", name="Children's library")
        hall = make_venue(branch, "Hall of fairy tales", capacity=40)
        today = make_event(
            branch,
            hall,
            title="Ертегілер әлемі",
            starts_at=now - timedelta(minutes=20),
            minutes=120,
            now=now - timedelta(days=1),
        )
        later = make_event(
            branch, hall, title="Құтадғу білік", starts_at=now + timedelta(days=3), now=now
        )

        def sign_up(event, name, email):
            return registrations.register(
                event.id,
                name=name,
                email=email,
                seats=3,
                language="kk",
                source="web",
                now=now - timedelta(days=1),
            )

        family = sign_up(today, "Әлібек Нұрланов", "alibek@example.kz")
        next_week = sign_up(later, "Гүлнар Мұқанова", "gulnar@example.kz")
        make_staff("door@example.kz", branches=[branch])
        db.session.commit()
        start = to_local(later.starts_at, "Asia/Almaty")
        return {
            "today": today.id,
            "later": later.id,
            "family": checkin_code_for(family.token),
            "next_week": checkin_code_for(next_week.token),
            "later_day": f"{start.day}\u00a0{EN_MONTHS[start.month - 1]}",
        }


def write_y4m(path: Path, text: str, frames: int = 10) -> Path:
    """A short 4:2:0 video (Chromium loops it) of the QR code of ``text`` on white paper."""
    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(png.getvalue())).convert("L")
    side = min(FRAME[1] - 40, code.width)
    code = code.resize((side, side), Image.NEAREST)
    picture = Image.new("L", FRAME, 255)
    picture.paste(code, ((FRAME[0] - side) // 2, (FRAME[1] - side) // 2))
    luma = picture.tobytes()
    chroma = bytes([128]) * (FRAME[0] // 2 * FRAME[1] // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.fixture
def camera(browser, tmp_path: Path, live_server: str) -> Iterator[Callable]:
    """``camera(text)``: a phone-sized page in a Chromium of its own whose camera films the QR
    code of ``text``, camera permission granted (launched by the session's Playwright, and
    watched for Content-Security-Policy refusals like every other page)."""
    opened = []

    def open_page(text: str):
        video = write_y4m(tmp_path / f"qr-{len(opened)}.y4m", text)
        filming = browser.browser_type.launch(
            executable_path=chromium_path(),
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        opened.append(filming)
        # Its pages' CSP refusals go to the session's list, which every test checks.
        watched = CspWatchingBrowser(filming)
        watched.violations = browser.violations
        context = watched.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, permissions=["camera"]
        )
        context.set_default_timeout(15_000)
        return context.new_page()

    yield open_page
    for filming in opened:
        filming.close()


def log_in(page, live_server: str, then: str) -> None:
    page.goto(f"{live_server}/staff/login?next={quote(then)}")
    page.fill("input[name=email]", "door@example.kz")
    page.fill("input[type=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server}{then}")


def checked_in(app, name: str):
    with app.app_context():
        return db.session.execute(
            select(Registration.checked_in_at).where(Registration.name == name)
        ).scalar_one()


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"scan-{name}.png"))


def test_scanning_checks_the_party_in_then_says_already(app, camera, live_server, door):
    page = camera(f"{live_server}/staff/check-in/{door['family']}")
    scan_url = f"/staff/scan?event={door['today']}"
    log_in(page, live_server, scan_url)
    welcome = page.get_by_role("status").filter(has_text="Checked in")
    welcome.wait_for()
    assert "Әлібек Нұрланов, 3 seats" in welcome.inner_text()
    # The party did not agree to photos: scan.js adds the line with its crossed-out camera.
    assert "No photos: this party did not agree to be photographed." in welcome.inner_text()
    assert page.locator("#scan-ok .door-photos svg.no-photos-icon").count() == 1
    assert page.locator("#scan-refused").inner_text() == ""
    assert checked_in(app, "Әлібек Нұрланов") is not None
    shoot(page, "checked-in")
    # The code stays in view: it is not sent again, so the green answer stays.
    page.wait_for_timeout(1500)
    assert "Checked in" in page.locator("#scan-ok").inner_text()

    page.reload()
    warning = page.get_by_role("alert").filter(has_text="Already checked in at")
    warning.wait_for()
    clock = to_local(checked_in(app, "Әлібек Нұрланов"), "Asia/Almaty").strftime("%H:%M")
    assert f"Already checked in at {clock}" in warning.inner_text()
    assert "Әлібек Нұрланов, 3 seats" in warning.inner_text()
    assert page.locator("#scan-ok").inner_text() == ""
    shoot(page, "already")
    # Nothing sticks out of a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_code_for_another_day_is_refused_with_the_day(app, camera, live_server, door):
    page = camera(f"{live_server}/staff/check-in/{door['next_week']}")
    log_in(page, live_server, "/staff/scan")
    refusal = page.get_by_role("alert").filter(has_text="Not admitted")
    refusal.wait_for()
    assert f"This registration is for {door['later_day']}" in refusal.inner_text()
    assert checked_in(app, "Гүлнар Мұқанова") is None
    shoot(page, "other-day")
    # Another scanner app opens the link itself: the confirm page warns above its button.
    page.goto(f"{live_server}/staff/check-in/{door['next_week']}")
    warning = page.get_by_role("alert")
    assert f"This registration is for {door['later_day']}" in warning.inner_text()
    button = page.get_by_role("button", name="Check in")
    assert warning.bounding_box()["y"] < button.bounding_box()["y"]
    shoot(page, "confirm-other-day")


CAMERA_FAILURES = {
    "no camera": "navigator.mediaDevices.getUserMedia = () =>"
    " Promise.reject(new DOMException('none', 'NotFoundError'));",
    "refused": "navigator.mediaDevices.getUserMedia = () =>"
    " Promise.reject(new DOMException('no', 'NotAllowedError'));",
    "no media devices": "Object.defineProperty(navigator, 'mediaDevices', {value: undefined});",
    # What a browser does on a page opened over plain http from another host.
    "insecure page": "Object.defineProperty(window, 'isSecureContext', {value: false});"
    " Object.defineProperty(navigator, 'mediaDevices', {value: undefined});",
}
CAMERA_PROBLEMS = {
    "no camera": "No camera can be used on this device.",
    "refused": "The camera is not allowed for this page.",
    "no media devices": "No camera can be used on this device.",
    "insecure page": "The browser allows the camera only on pages opened over https.",
}


@pytest.fixture
def phone(browser, live_server: str) -> Iterator:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("failure", sorted(CAMERA_FAILURES))
def test_without_a_camera_the_page_offers_the_name_search_and_the_code_field(
    app, phone, live_server, door, failure
):
    page = phone
    page.add_init_script(CAMERA_FAILURES[failure])
    log_in(page, live_server, f"/staff/scan?event={door['today']}")
    problem = page.locator("#camera-problem")
    problem.wait_for()
    assert CAMERA_PROBLEMS[failure] in problem.inner_text()
    assert len(problem.locator("[data-problem]:visible").all()) == 1
    assert page.locator("#scanner").is_hidden()
    search = problem.get_by_role("link", name="Find by name")
    assert search.get_attribute("href") == f"/staff/events/{door['today']}/roster"
    if failure == "no camera":
        shoot(page, "no-camera")
    # The code written under the QR code, typed by hand, checks the party in without a reload.
    page.get_by_label("Check-in code").fill(door["family"])
    page.get_by_role("button", name="Check in").click()
    page.get_by_role("status").filter(has_text="Checked in").wait_for()
    assert checked_in(app, "Әлібек Нұрланов") is not None
    assert page.get_by_label("Check-in code").input_value() == ""


def test_the_name_search_opens_the_roster_with_the_name(phone, live_server, door):
    page = phone
    page.add_init_script(CAMERA_FAILURES["no camera"])
    log_in(page, live_server, f"/staff/scan?event={door['today']}")
    page.get_by_role("searchbox", name="Find by name").fill("Әлібек")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(rf"/staff/events/{door['today']}/roster\?q="))


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_scan_page_has_no_axe_violations(camera, live_server, door, language):
    page = camera(f"{live_server}/staff/check-in/{door['family']}")
    log_in(page, live_server, f"/staff/scan?event={door['today']}&lang={language}")
    page.locator("#scan-ok p").first.wait_for()
    shoot(page, f"checked-in-{language}")
    results = Axe().run(page)
    assert not results.response["violations"], results.generate_report()
    page.add_init_script(CAMERA_FAILURES["refused"])
    page.goto(f"{live_server}/staff/scan")
    page.locator("#camera-problem").wait_for()
    page.locator("#code").fill("not a code of ours")
    page.locator("#code-form button[type=submit]").click()
    page.locator("#scan-refused p").first.wait_for()
    shoot(page, f"refused-{language}")
    results = Axe().run(page)
    assert not results.response["violations"], results.generate_report()
