"""Mail through the outbox, delivered to a real SMTP server running in the test process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import OutboxMessage
from calendar_app.models.outbox import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT
from calendar_app.security import generate_token
from calendar_app.services import mail, outbox_worker
from calendar_app.services.registration_rules import issue_token
from tests.conftest import BASE_URL
from tests.factories import NOW
from tests.mail_support import KAZAKH_TITLE, Clock, kazakh_event, make_registration, smtp_config
from tests.smtp_server import SMTPServer, running_smtp_server

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def smtp():
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def app_config(smtp: SMTPServer) -> dict:
    return smtp_config(smtp)


def deliver(clock: Clock, worker: str = "test-worker", **options) -> outbox_worker.DeliveryReport:
    return outbox_worker.deliver_due(worker, clock, **options)


def statuses() -> Counter:
    rows = db.session.execute(select(OutboxMessage.status)).scalars().all()
    db.session.commit()
    return Counter(rows)


# Content --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", mail.KINDS)
def test_each_kind_arrives_in_kazakh_with_local_time_address_and_links(ctx, smtp, kind):
    event = kazakh_event()
    registration, token = make_registration(event, language="kk")
    message = mail.enqueue(kind, registration, NOW)
    db.session.commit()

    report = deliver(Clock(NOW))

    assert report.sent == [message.id]
    [received] = smtp.received
    assert received.rcpt_tos == [registration.email]
    parsed = received.message
    assert KAZAKH_TITLE in parsed["Subject"]
    assert parsed["Message-ID"] == message.message_id
    assert parsed["Message-ID"].endswith("@events.example.kz>")
    assert parsed["To"].addresses[0].display_name == "Айгерім Сәрсенова"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    for body in (text, html):
        assert KAZAKH_TITLE.replace("«", "").replace("»", "") in body.replace("&#34;", '"').replace(
            "«", ""
        ).replace("»", "")
        assert "А.П. Чехов атындағы Орталық қалалық кітапхана" in body
        assert "Мәжілис залы" not in body  # the translation of the room, exactly as given
        assert "Мәжіліс залы" in body
        assert "Алматы, Желтоқсан көшесі, 71" in body
        assert "18:00" in body and "13:00" not in body
        assert f"{BASE_URL}/events/{event.id}" in body
        assert f"{BASE_URL}/r/{token}" in body
    assert 'lang="kk"' in html
    attachments = list(parsed.iter_attachments())
    if kind in mail.ICS_KINDS:
        [ics] = attachments
        assert ics.get_content_type() == "text/calendar"
        assert ics.get_filename() == "event.ics"
        method = "CANCEL" if kind in mail.CANCEL_KINDS else "PUBLISH"
        assert f"METHOD:{method}".encode() in ics.get_payload(decode=True)
        assert ics.get_param("method") == method
    else:
        assert attachments == []


def test_language_follows_the_registration(ctx, smtp):
    event = kazakh_event(translations={"ru": {"title": "«Кутадгу билик»: чтения"}})
    kk, _token = make_registration(event, language="kk")
    ru, _token = make_registration(event, language="ru")
    unknown, _token = make_registration(event, language="xx")
    for registration in (kk, ru, unknown):
        mail.enqueue(mail.REGISTERED, registration, NOW)
    db.session.commit()

    deliver(Clock(NOW))

    by_address = {item.rcpt_tos[0]: item.message for item in smtp.received}
    assert by_address[ru.email]["Subject"] == "Ваши места подтверждены: «Кутадгу билик»: чтения"
    russian = by_address[ru.email].get_body(("plain",)).get_content()
    assert "Здравствуйте, Айгерім Сәрсенова!" in russian
    assert "для вас сохранено 2 места" in russian  # the plural form for two
    assert "мая" in russian  # the date in Russian
    assert by_address[kk.email]["Subject"] == f"Орындарыңыз расталды: {KAZAKH_TITLE}"
    kazakh = by_address[kk.email].get_body(("plain",)).get_content()
    assert "Сәлеметсіз бе, Айгерім Сәрсенова!" in kazakh
    assert KAZAKH_TITLE in kazakh and "мамыр" in kazakh  # the date in Kazakh
    fallback = by_address[unknown.email]
    assert (
        fallback["Content-Language"] == "en"
        and "May" in fallback.get_body(("plain",)).get_content()
    )


def test_html_escapes_and_text_keeps_what_visitors_typed(ctx, smtp):
    event = kazakh_event(title="Кітап & <script>alert(1)</script>")
    registration, _token = make_registration(event, name='Ерлан "Ек" <b>Бек</b>')
    mail.enqueue(mail.WAITLISTED, registration, NOW)
    db.session.commit()

    deliver(Clock(NOW))

    parsed = smtp.received[0].message
    html = parsed.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Бек</b>" not in html
    text = parsed.get_body(("plain",)).get_content()
    assert "Кітап & <script>alert(1)</script>" in text


def test_walk_in_without_address_gets_no_mail_and_unknown_kind_is_refused(ctx):
    event = kazakh_event()
    registration, _token = make_registration(event)
    registration.email = None
    assert mail.enqueue(mail.REGISTERED, registration, NOW) is None
    with pytest.raises(ValueError):
        mail.enqueue("newsletter", registration, NOW)
    assert db.session.execute(select(func.count(OutboxMessage.id))).scalar_one() == 0


# Transactions ---------------------------------------------------------------------------------


def test_a_rolled_back_change_sends_nothing(ctx, smtp):
    event = kazakh_event()
    db.session.commit()
    registration, token = make_registration(event)
    mail.enqueue(mail.REGISTERED, registration, NOW)
    db.session.rollback()

    report = deliver(Clock(NOW))

    assert report.handled == 0
    assert smtp.received == []
    assert db.session.execute(select(func.count(OutboxMessage.id))).scalar_one() == 0


def test_mail_is_not_sent_before_it_is_due(ctx, smtp):
    event = kazakh_event()
    registration, _token = make_registration(event)
    mail.enqueue(mail.REGISTERED, registration, NOW + timedelta(minutes=5))
    db.session.commit()

    assert deliver(Clock(NOW)).handled == 0
    assert deliver(Clock(NOW + timedelta(minutes=5))).sent
    assert len(smtp.received) == 1


# Failures and retries -------------------------------------------------------------------------


def test_refusal_then_recovery_delivers_every_message_exactly_once(ctx, smtp):
    event = kazakh_event()
    messages = []
    for _ in range(5):
        registration, _token = make_registration(event)
        messages.append(mail.enqueue(mail.REGISTERED, registration, NOW))
    db.session.commit()
    clock = Clock(NOW)

    smtp.handler.refuse_next = 7  # every message once, and two of them twice
    first = deliver(clock)
    assert len(first.retrying) == 5 and not first.sent
    assert deliver(clock).handled == 0  # nothing is due before the first delay
    clock.advance(30)
    second = deliver(clock)
    assert len(second.retrying) == 2 and len(second.sent) == 3
    clock.advance(119)
    assert deliver(clock).handled == 0  # attempt 2 waits delays[1] = 120 s
    clock.advance(1)
    third = deliver(clock)
    assert len(third.sent) == 2

    assert sorted(smtp.handler.message_ids()) == sorted(m.message_id for m in messages)
    assert statuses() == Counter({OUTBOX_SENT: 5})
    attempts = db.session.execute(select(OutboxMessage.attempts)).scalars().all()
    assert sorted(attempts) == [2, 2, 2, 3, 3]


def test_server_down_for_a_while_then_back(ctx, smtp):
    event = kazakh_event()
    registration, _token = make_registration(event)
    message = mail.enqueue(mail.PROMOTED, registration, NOW)
    db.session.commit()
    clock = Clock(NOW)

    smtp.stop()
    assert deliver(clock).retrying == [message.id]
    row = db.session.get(OutboxMessage, message.id)
    assert row.status == OUTBOX_PENDING and "Connection" in (row.last_error or "")
    db.session.commit()
    smtp.start()
    clock.advance(30)
    assert deliver(clock).sent == [message.id]
    assert smtp.handler.message_ids() == [message.message_id]


def test_after_the_last_retry_the_message_fails_with_the_error_kept(ctx, smtp):
    event = kazakh_event()
    registration, _token = make_registration(event)
    message = mail.enqueue(mail.REGISTERED, registration, NOW)
    db.session.commit()
    clock = Clock(NOW)
    smtp.handler.refuse_next = 100

    for delay in (30, 120, 600):
        assert deliver(clock).retrying == [message.id]
        clock.advance(delay)
    assert deliver(clock).failed == [message.id]
    clock.advance(10_000)
    assert deliver(clock).handled == 0

    row = db.session.get(OutboxMessage, message.id)
    assert row.status == OUTBOX_FAILED and row.attempts == 4
    assert "451" in row.last_error and "temporarily unavailable" in row.last_error
    assert smtp.received == []


def test_a_permanent_rejection_fails_that_message_only_and_at_once(ctx, smtp):
    event = kazakh_event()
    before, _token = make_registration(event)
    rejected, _token = make_registration(event, email="no-such-user@example.kz")
    after, _token = make_registration(event)
    ids = [mail.enqueue(mail.REGISTERED, r, NOW).id for r in (before, rejected, after)]
    db.session.commit()
    smtp.handler.rejected_addresses.add("no-such-user@example.kz")

    report = deliver(Clock(NOW))

    assert report.failed == [ids[1]] and report.sent == [ids[0], ids[2]]
    row = db.session.get(OutboxMessage, ids[1])
    assert row.status == OUTBOX_FAILED and row.attempts == 1
    assert "550" in row.last_error and "mailbox unavailable" in row.last_error
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted([before.email, after.email])


# Rendered by the worker ------------------------------------------------------------------------


def test_a_row_is_written_bare_and_rendered_once_by_the_first_attempt(ctx, smtp):
    event = kazakh_event()
    registration, token = make_registration(event)
    message = mail.enqueue(mail.REGISTERED, registration, NOW)
    db.session.commit()
    row = db.session.get(OutboxMessage, message.id)
    assert (row.rendered_at, row.subject, row.body_text, row.ics_attachment) == (None, "", "", None)
    db.session.commit()
    clock = Clock(NOW)

    smtp.handler.refuse_next = 1
    assert deliver(clock).retrying == [message.id]
    row = db.session.get(OutboxMessage, message.id)
    assert row.rendered_at == NOW and row.subject == f"Орындарыңыз расталды: {KAZAKH_TITLE}"
    assert f"{BASE_URL}/r/{token}" in row.body_text and "METHOD:PUBLISH" in row.ics_attachment
    first_text = row.body_text
    db.session.commit()
    event.translations = {"kk": {"title": "Жаңа атау"}}  # changed after the first attempt
    event.title = "Жаңа атау"
    db.session.commit()
    clock.advance(30)

    assert deliver(clock).sent == [message.id]
    [received] = smtp.received
    assert KAZAKH_TITLE in received.message["Subject"]  # the retry sends what was rendered
    sent_text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert sent_text.strip() == first_text.replace("\r\n", "\n").strip()
    assert db.session.get(OutboxMessage, message.id).rendered_at == NOW


def test_the_mail_shows_the_event_as_it_is_when_the_worker_takes_it(ctx, smtp):
    event = kazakh_event()
    registration, _token = make_registration(event)
    mail.enqueue(mail.REGISTERED, registration, NOW)
    db.session.commit()
    event.starts_at += timedelta(hours=1)  # moved before the worker came round
    event.ends_at += timedelta(hours=1)
    db.session.commit()

    deliver(Clock(NOW))

    [received] = smtp.received
    text = received.message.get_body(("plain",)).get_content()
    assert "19:00" in text and "18:00" not in text


def test_a_confirmation_rendered_after_the_party_cancelled_holds_no_entry_nor_door_code(ctx, smtp):
    event = kazakh_event()
    registration, token = make_registration(event)
    mail.enqueue(mail.REGISTERED, registration, NOW)
    registration.status = "cancelled"
    mail.enqueue(mail.CANCELLED_BY_VISITOR, registration, NOW)
    db.session.commit()

    deliver(Clock(NOW))

    confirmation, cancellation = (item.message for item in smtp.received)
    assert [part.get_content_type() for part in confirmation.walk() if part.is_attachment()] == []
    assert not any(part.get_content_type() == "image/png" for part in confirmation.walk())
    [ics] = cancellation.iter_attachments()
    assert b"METHOD:CANCEL" in ics.get_payload(decode=True)
    assert f"{BASE_URL}/r/{token}" in confirmation.get_body(("plain",)).get_content()


def test_a_row_whose_registration_is_gone_fails_alone_and_at_once(ctx, smtp):
    event = kazakh_event()
    orphan, _token = make_registration(event)
    kept, _token = make_registration(event)
    lost = mail.enqueue(mail.REGISTERED, orphan, NOW)
    sent = mail.enqueue(mail.REGISTERED, kept, NOW)
    lost.registration_id = None
    db.session.commit()

    report = deliver(Clock(NOW))

    assert report.failed == [lost.id] and report.sent == [sent.id]
    row = db.session.get(OutboxMessage, lost.id)
    assert row.status == OUTBOX_FAILED and "no longer exists" in row.last_error
    assert [item.rcpt_tos for item in smtp.received] == [[kept.email]]


def test_a_rendering_error_is_retried_like_a_refusal(ctx, smtp, monkeypatch):
    event = kazakh_event()
    registration, _token = make_registration(event)
    message = mail.enqueue(mail.WAITLISTED, registration, NOW)
    db.session.commit()
    real_render = mail.render_mail
    failures = iter([RuntimeError("template broke")])

    def render_once_broken(*args, **kwargs):
        error = next(failures, None)
        if error is not None:
            raise error
        return real_render(*args, **kwargs)

    monkeypatch.setattr(mail, "render_mail", render_once_broken)
    clock = Clock(NOW)
    assert deliver(clock).retrying == [message.id]
    row = db.session.get(OutboxMessage, message.id)
    assert row.rendered_at is None and "template broke" in row.last_error
    db.session.commit()
    clock.advance(30)
    assert deliver(clock).sent == [message.id]
    assert KAZAKH_TITLE in smtp.received[0].message["Subject"]


def test_under_another_secret_key_the_mail_goes_without_a_link_and_says_so_in_the_log(
    app, ctx, smtp, caplog
):
    event = kazakh_event()
    registration, _old_token = make_registration(event)
    registration.token_seed = generate_token()  # as the service writes a new registration
    token = issue_token(registration)
    mail.enqueue(mail.REGISTERED, registration, NOW)
    db.session.commit()
    app.config["SECRET_KEY"] = "a key the registration was not made under"

    with caplog.at_level("WARNING", logger="calendar_app.services.mail"):
        deliver(Clock(NOW))

    [received] = smtp.received
    assert f"/r/{token}" not in received.message.get_body(("plain",)).get_content()
    assert any("without its manage link" in record.message for record in caplog.records)


# Crashes and several workers ------------------------------------------------------------------


def test_a_worker_that_dies_after_claiming_leaves_mail_for_the_next_one(app, ctx, smtp):
    event = kazakh_event()
    ids = []
    for _ in range(3):
        registration, _token = make_registration(event)
        ids.append(mail.enqueue(mail.REGISTERED, registration, NOW).id)
    db.session.commit()

    assert sorted(outbox_worker.claim_due(NOW, "crashed-worker", limit=10)) == sorted(ids)
    # The crashed worker's claim holds until the timeout: nobody sends twice meanwhile.
    clock = Clock(NOW + timedelta(seconds=599))
    assert deliver(clock, "second-worker").handled == 0
    clock.advance(1)
    assert sorted(deliver(clock, "second-worker").sent) == sorted(ids)
    assert len(smtp.received) == 3
    assert statuses() == Counter({OUTBOX_SENT: 3})


def _worker_environment(database_url: str, instance: Path, smtp: SMTPServer) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        CALENDAR_INSTANCE_PATH=str(instance),
        BASE_URL=BASE_URL,
        SECRET_KEY="test-secret-key",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp.port),
        MAIL_DEFAULT_SENDER="Library events <no-reply@events.example.kz>",
        OUTBOX_RETRY_DELAYS="30,120,600",
    )
    return env


CRASH_AFTER_SENDING = """
import os
import signal
from app import app
from calendar_app.extensions import db
from calendar_app.models import OutboxMessage
from calendar_app.services import outbox_worker
from calendar_app.timeutil import utcnow

with app.app_context():
    for message_id in outbox_worker.claim_due(utcnow(), "doomed-worker", limit=10):
        message = db.session.get(OutboxMessage, message_id)
        outbox_worker.send_one(message, outbox_worker.connect_smtp())
    os._exit(9)  # killed before it could mark anything as sent
"""


def test_a_process_killed_between_sending_and_marking_resends_with_the_same_message_id(
    ctx, smtp, database_url, tmp_path
):
    event = kazakh_event(starts_at=datetime.now(UTC) + timedelta(days=3))
    messages = []
    for _ in range(2):
        registration, _token = make_registration(event)
        messages.append(mail.enqueue(mail.REGISTERED, registration, datetime.now(UTC)))
    expected = sorted(m.message_id for m in messages)
    db.session.commit()  # and hold no transaction (nor SQLite's write lock) while it runs

    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_SENDING],
        cwd=PROJECT_ROOT,
        env=_worker_environment(database_url, tmp_path / "instance", smtp),
        capture_output=True,
        timeout=120,
    )
    assert crashed.returncode == 9, crashed.stderr.decode()
    assert sorted(smtp.handler.message_ids()) == expected
    assert statuses() == Counter({OUTBOX_SENDING: 2})

    report = deliver(Clock(datetime.now(UTC) + timedelta(minutes=11)))

    assert len(report.sent) == 2
    assert sorted(smtp.handler.message_ids()) == sorted(expected * 2)  # resent, recognisably
    assert statuses() == Counter({OUTBOX_SENT: 2})


def test_two_worker_threads_never_send_one_message_twice(app, ctx, smtp):
    event = kazakh_event()
    expected = []
    for _ in range(30):
        registration, _token = make_registration(event)
        expected.append(mail.enqueue(mail.REGISTERED, registration, NOW).message_id)
    db.session.commit()
    barrier = threading.Barrier(2)
    reports: dict[str, outbox_worker.DeliveryReport] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with app.app_context():
                barrier.wait()
                reports[name] = outbox_worker.deliver_due(name, Clock(NOW), batch=3)
                db.session.remove()
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(smtp.handler.message_ids()) == sorted(expected)
    sent_by = [set(report.sent) for report in reports.values()]
    assert not (sent_by[0] & sent_by[1])
    assert statuses() == Counter({OUTBOX_SENT: 30})


def test_two_worker_processes_never_send_one_message_twice(ctx, smtp, database_url, tmp_path):
    event = kazakh_event(starts_at=datetime.now(UTC) + timedelta(days=3))
    expected = []
    for _ in range(20):
        registration, _token = make_registration(event)
        expected.append(mail.enqueue(mail.REGISTERED, registration, datetime.now(UTC)).message_id)
    db.session.commit()
    env = _worker_environment(database_url, tmp_path / "instance", smtp)
    command = [sys.executable, "-m", "flask", "--app", "app", "outbox-worker", "--once"]
    command += ["--batch", "2"]

    workers = [
        subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=180) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert sorted(smtp.handler.message_ids()) == sorted(expected)
    assert statuses() == Counter({OUTBOX_SENT: 20})


# Header injection -----------------------------------------------------------------------------


def test_line_breaks_in_names_and_titles_cannot_add_headers(ctx, smtp):
    event = kazakh_event()
    # Past the events service, which refuses line breaks in titles: mail must hold regardless.
    event.title = "Кеш\r\nBcc: victim@example.com\nX-Evil: 1"
    registration, _token = make_registration(
        event, name="Eve\r\nBcc: victim@example.com\r\n\r\nfake body"
    )
    message = mail.enqueue(mail.REGISTERED, registration, NOW)
    db.session.commit()

    assert deliver(Clock(NOW)).sent == [message.id]

    [received] = smtp.received
    assert received.rcpt_tos == [registration.email]
    parsed = received.message
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert "\n" not in str(parsed["Subject"])
    assert "Bcc: victim@example.com" in str(parsed["Subject"])
    assert parsed["To"].addresses[0].addr_spec == registration.email


def test_an_address_with_a_line_break_fails_alone(ctx, smtp):
    event = kazakh_event()
    bad, _token = make_registration(event, email="eve@example.kz\r\nBcc: victim@example.com")
    good, _token = make_registration(event)
    bad_message = mail.enqueue(mail.REGISTERED, bad, NOW)
    good_message = mail.enqueue(mail.REGISTERED, good, NOW)
    db.session.commit()

    report = deliver(Clock(NOW))

    assert report.failed == [bad_message.id] and report.sent == [good_message.id]
    assert [r.rcpt_tos for r in smtp.received] == [[good.email]]
    assert "line break" in db.session.get(OutboxMessage, bad_message.id).last_error


def test_an_internationalised_domain_travels_in_idna_form_and_a_non_ascii_mailbox_fails(ctx, smtp):
    event = kazakh_event()
    idn, _token = make_registration(event, email="aigerim@мысал.қз")
    unicode_mailbox, _token = make_registration(event, email="айгерім@example.kz")
    ids = [mail.enqueue(mail.REGISTERED, r, NOW).id for r in (idn, unicode_mailbox)]
    db.session.commit()

    report = deliver(Clock(NOW))

    assert report.sent == [ids[0]] and report.failed == [ids[1]]
    [received] = smtp.received
    assert received.rcpt_tos == ["aigerim@xn--80awbu3c.xn--g1a3r"]
    assert received.message["To"].addresses[0].addr_spec == "aigerim@xn--80awbu3c.xn--g1a3r"
    assert "ASCII" in db.session.get(OutboxMessage, ids[1]).last_error


# Without a mail server ------------------------------------------------------------------------


def test_without_a_mail_server_mail_is_written_as_eml_files(app, ctx, smtp):
    app.config["MAIL_SERVER"] = ""
    event = kazakh_event()
    registration, token = make_registration(event)
    message = mail.enqueue(mail.REGISTERED, registration, NOW)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["outbox-worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    files = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(files) == 1
    from email import message_from_bytes, policy

    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == message.message_id
    assert KAZAKH_TITLE in parsed["Subject"]
    assert f"{BASE_URL}/r/{token}" in parsed.get_body(("plain",)).get_content()
    assert smtp.received == []
    assert statuses() == Counter({OUTBOX_SENT: 1})


def test_worker_command_sends_over_smtp(app, ctx, smtp):
    event = kazakh_event(starts_at=datetime.now(UTC) + timedelta(days=2))
    registration, _token = make_registration(event)
    mail.enqueue(mail.REGISTERED, registration, datetime.now(UTC) - timedelta(seconds=1))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["outbox-worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "sent 1, to retry 0, failed 0" in result.output
    assert len(smtp.received) == 1
    bad = app.test_cli_runner().invoke(args=["outbox-worker", "--batch", "0"])
    assert bad.exit_code == 2


def test_the_worker_loop_sends_as_mail_arrives_and_stops_cleanly_on_sigterm(
    ctx, smtp, database_url, tmp_path
):
    env = _worker_environment(database_url, tmp_path / "instance", smtp)
    command = [sys.executable, "-m", "flask", "--app", "app", "outbox-worker"]
    worker = subprocess.Popen(
        command + ["--interval", "0.2"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        event = kazakh_event(starts_at=datetime.now(UTC) + timedelta(days=3))
        registration, _token = make_registration(event)
        message = mail.enqueue(mail.REGISTERED, registration, datetime.now(UTC))
        expected = message.message_id
        db.session.commit()
        deadline = datetime.now(UTC) + timedelta(seconds=90)
        while not smtp.received and datetime.now(UTC) < deadline:
            threading.Event().wait(0.1)
        assert smtp.handler.message_ids() == [expected]
    finally:
        worker.send_signal(signal.SIGTERM)
        stdout, stderr = worker.communicate(timeout=60)
    assert worker.returncode == 0, stderr.decode()
    assert "sent 1, to retry 0, failed 0" in stdout.decode()
    assert statuses() == Counter({OUTBOX_SENT: 1})
