"""Pages rendered once and served again: never older than the data, the clock's second, the
visitor's language or the visitor's own form token.

Two application objects on one database stand for two gunicorn workers: what one of them
changes must show at once on the pages the other one kept.
"""

from __future__ import annotations

import http.client
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from flask import Flask
from sqlalchemy import text

from calendar_app import create_app, page_cache
from calendar_app.content_version import QUIET, content_version
from calendar_app.extensions import db
from calendar_app.models import Event
from calendar_app.timeutil import utcnow
from tests.conftest import BASE_URL, make_test_config
from tests.factories import make_event
from tests.servers import Launch, answers_200, gunicorn_command, running
from tests.smtp_server import free_port
from tests.test_operations import sample

TITLE = "Қуыршақ театры: шеберлік сабағы"


@pytest.fixture(autouse=True)
def one_second(monkeypatch) -> list[datetime]:
    """The page cache's clock held within one second (the views keep the real one), so that
    a test's requests are not split by a second boundary; move ``[0]`` to move it."""
    moment = [utcnow().replace(microsecond=0)]
    monkeypatch.setattr(page_cache, "utcnow", lambda: moment[0])
    return moment


@pytest.fixture
def event_id(app) -> int:
    """An event next week. Made in an application context of its own: requests then run in
    theirs, as in a worker (a request inside an open context shares its session, whose
    transaction may be older than the content version, and is never served a kept page)."""
    with app.app_context():
        event = make_event(capacity=12, max_party=4, title=TITLE, now=utcnow())
        db.session.commit()
        return event.id


@pytest.fixture
def other_worker(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A second application on the same database, as another gunicorn worker is."""
    other = create_app(make_test_config(database_url, tmp_path / "other"))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def seats_left(response) -> int:
    match = re.search(r"(\d+) seats? left", response.get_data(as_text=True))
    assert match, "the page shows no seat count"
    return int(match.group(1))


def hits(app: Flask) -> int:
    """How many requests were answered from a kept page."""
    return app.extensions["page_cache"].served


def shown(response) -> str:
    """The page, or the JSON with its text as written (not \\u-escaped)."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def register(client, event_id: int, seats: int, email: str = "aigerim@example.kz") -> None:
    response = client.post(
        f"/events/{event_id}/register",
        data={"name": "Айгерім", "email": email, "seats": str(seats), "website": ""},
    )
    assert response.status_code == 303


def test_a_page_is_rendered_once_and_served_again_unchanged(app, client, event_id):
    first = client.get(f"/events/{event_id}")
    again = client.get(f"/events/{event_id}")
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data()
    assert hits(app) == 1
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_seats_taken_through_another_worker_show_at_once(app, client, event_id, other_worker):
    assert seats_left(client.get(f"/events/{event_id}")) == 12
    assert seats_left(client.get(f"/events/{event_id}")) == 12  # kept
    register(other_worker.test_client(), event_id, seats=3)
    assert seats_left(client.get(f"/events/{event_id}")) == 9
    listed = client.get("/api/v1/events").get_json()["events"]
    assert [entry["seats_left"] for entry in listed if entry["id"] == event_id] == [9]


def test_an_edit_by_staff_elsewhere_shows_on_every_kept_page(app, client, event_id, other_worker):
    month = (utcnow() + timedelta(days=7)).astimezone(ZoneInfo("Asia/Almaty")).strftime("%Y-%m")
    paths = ("/", f"/events/{event_id}", f"/calendar?month={month}", "/api/v1/events")
    for path in paths:
        assert TITLE in shown(client.get(path))
    with other_worker.app_context():
        db.session.get(Event, event_id).title = "Күй кеші"
        db.session.commit()
    for path in paths:
        body = shown(client.get(path))
        assert "Күй кеші" in body and TITLE not in body, path


def test_a_raw_sql_change_by_a_command_counts_too(app, client, event_id, other_worker):
    client.get(f"/events/{event_id}")
    with other_worker.app_context():
        db.session.execute(
            text("UPDATE events SET title = :title WHERE id = :id"),
            {"title": "Ертегілер кеші", "id": event_id},
        )
        db.session.commit()
    assert "Ертегілер кеші" in client.get(f"/events/{event_id}").get_data(as_text=True)


def test_the_version_moves_with_commits_that_change_what_visitors_see(event_id, ctx):
    before = content_version()
    db.session.get(Event, event_id).title = "Rolled back"
    db.session.flush()
    db.session.rollback()
    assert content_version() == before
    db.session.execute(text("DELETE FROM outbox_messages"))
    db.session.commit()
    assert content_version() == before  # mail is nothing a page shows
    db.session.get(Event, event_id).capacity = 20
    db.session.commit()
    assert content_version() == before + 1


def test_a_kept_page_is_not_used_in_the_next_second(app, client, event_id, one_second):
    moment = one_second
    moment[0] = datetime(2026, 12, 1, 4, 59, 59, 100_000, tzinfo=UTC)
    client.get(f"/events/{event_id}")
    moment[0] += timedelta(milliseconds=850)
    client.get(f"/events/{event_id}")
    assert hits(app) == 1
    moment[0] += timedelta(milliseconds=100)  # 05:00:00.05: a boundary staff could have set
    client.get(f"/events/{event_id}")
    assert hits(app) == 1


def test_each_language_has_its_own_page(app, event_id):
    visitor = app.test_client()
    assert 'lang="ru"' in visitor.get("/?lang=ru").get_data(as_text=True)
    assert 'lang="kk"' in visitor.get("/?lang=kk").get_data(as_text=True)
    # Without ?lang=, the remembered choice and then the browser's language decide.
    assert '<html lang="kk"' in visitor.get("/").get_data(as_text=True)
    stranger = app.test_client()
    body = stranger.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ru"' in body
    body = stranger.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en"' in body


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_every_visitor_gets_a_form_token_of_their_own(app, event_id):
    anna, bolat = app.test_client(), app.test_client()
    tokens = {}
    for name, visitor in (("anna", anna), ("bolat", bolat)):
        page = visitor.get(f"/events/{event_id}").get_data(as_text=True)
        assert page_cache._PLACEHOLDER not in page
        tokens[name] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    assert hits(app) == 1 and tokens["anna"] != tokens["bolat"]

    data = {"name": "Анна", "email": "anna@example.kz", "seats": "1", "website": ""}
    stolen = bolat.post(f"/events/{event_id}/register", data={**data, "csrf_token": tokens["anna"]})
    assert stolen.status_code == 400
    own = anna.post(f"/events/{event_id}/register", data={**data, "csrf_token": tokens["anna"]})
    assert own.status_code == 303


def test_a_message_for_one_visitor_is_never_kept_for_others(app, event_id):
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("message", "Сіздің жазылуыңыз бас тартылды")]
    assert "Сіздің жазылуыңыз" in visitor.get("/").get_data(as_text=True)
    assert "Сіздің жазылуыңыз" not in app.test_client().get("/").get_data(as_text=True)
    assert "Сіздің жазылуыңыз" not in visitor.get("/").get_data(as_text=True)  # shown once


def test_staff_logged_in_never_get_the_anonymous_copy(app, staff_branches, client):
    anonymous = app.test_client()
    anonymous.get("/")
    anonymous.get("/")
    kept = hits(app)
    client.get("/")  # logged in as staff
    assert hits(app) == kept


def test_bad_queries_are_answered_but_not_kept(app, client, event_id):
    for _ in range(2):
        assert client.get("/?from=2026-13-45").status_code == 400
        assert client.get("/events/2147483648").status_code == 404
    assert hits(app) == 0


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_BYTES": 300_000}])
def test_a_flood_of_distinct_queries_keeps_memory_bounded(app, client, event_id):
    for number in range(150):
        response = client.get(f"/?q={number}x{'я' * 40}")
        assert response.status_code == 200
    assert 0 < app.extensions["page_cache"].size <= 300_000
    assert TITLE in client.get(f"/events/{event_id}").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_BYTES": 0}])
def test_the_cache_can_be_turned_off(app, client, event_id):
    assert app.extensions["page_cache"] is None
    assert seats_left(client.get(f"/events/{event_id}")) == 12
    register(client, event_id, seats=2)
    assert seats_left(client.get(f"/events/{event_id}")) == 10


def test_pages_survive_the_database_dropping_every_connection(app, client, event_id, backend):
    """A restarted PostgreSQL closes every connection (on SQLite: every pooled connection is
    closed): the next visitor still gets the page, with the seats as they are."""
    assert seats_left(client.get(f"/events/{event_id}")) == 12
    with app.app_context():
        if backend == "postgresql":
            db.session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            db.session.commit()
            db.session.remove()
        db.engine.dispose()
    register(app.test_client(), event_id, seats=2)
    assert seats_left(client.get(f"/events/{event_id}")) == 10


@pytest.mark.postgresql_only
def test_requests_survive_the_server_ending_the_pooled_connections(app, event_id, database_url):
    """PostgreSQL ends every connection (a restart, an administrator) while the pool keeps them
    idle: the next requests get fresh connections instead of an error, with nothing lost."""
    client = app.test_client()
    assert seats_left(client.get(f"/events/{event_id}")) == 12
    register(client, event_id, seats=2)
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
        # Waiting (up to 5 s) until each is gone, as after a restart; a request in the instant
        # before a connection's goodbye arrives fails, as one in flight during a restart does.
        ended = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert ended >= 1  # the pool's idle connection was among them
    register(client, event_id, seats=3, email="dana@example.kz")
    assert seats_left(client.get(f"/events/{event_id}")) == 7
    assert client.get("/readyz").status_code == 200


def test_metrics_count_the_kept_and_the_rendered_answers(app, client, event_id):
    def counts() -> tuple[float, float]:
        scrape = client.get("/metrics").get_data(as_text=True)
        name = "calendar_page_cache_answers_total"
        endpoint = "public.event_detail"
        return (
            sample(scrape, name, endpoint=endpoint, outcome="kept"),
            sample(scrape, name, endpoint=endpoint, outcome="rendered"),
        )

    kept, rendered = counts()
    for _ in range(3):
        client.get(f"/events/{event_id}")
    assert counts() == (kept + 2, rendered + 1)


@pytest.mark.slow
def test_two_gunicorn_workers_never_serve_a_seat_count_older_than_the_last_registration(
    app, event_id, database_url, tmp_path
):
    """The production server with two worker processes: after each registration answered by
    one of them, every page either of them serves shows the seats that are left."""
    port = free_port()
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CALENDAR_INSTANCE_PATH": str(tmp_path / "gunicorn"),
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": BASE_URL,
        "DEFAULT_LOCALE": "en",
        "RATELIMIT_ENABLED": "false",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),  # one count for both workers
    }
    server = Launch(
        gunicorn_command(port, 2),
        env,
        tmp_path / "gunicorn.log",
        lambda _server: answers_200(port, f"/events/{event_id}"),
    )

    def get(path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("GET", path)  # a connection each: either worker may answer
            response = connection.getresponse()
            return response.status, response.read().decode()
        finally:
            connection.close()

    def shown_seats() -> set[int]:
        answers = [get(f"/events/{event_id}") for _ in range(12)]
        assert {status for status, _ in answers} == {200}
        return {int(re.search(r"(\d+) seats? left", body)[1]) for _, body in answers}

    with running(server):
        assert shown_seats() == {12}
        for taken in range(1, 5):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                "POST",
                f"/api/v1/events/{event_id}/registrations",
                body=json.dumps({"name": "Visitor", "email": f"v{taken}@example.kz", "seats": 1}),
                headers={"Content-Type": "application/json"},
            )
            assert connection.getresponse().status == 201
            connection.close()
            assert shown_seats() == {12 - taken}
        _, scrape = get("/metrics")
    name, endpoint = "calendar_page_cache_answers_total", "public.event_detail"
    assert sample(scrape, name, endpoint=endpoint, outcome="kept") > 0
    assert sample(scrape, name, endpoint=endpoint, outcome="rendered") >= 5


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_BYTES": 2000}])
def test_a_page_larger_than_the_whole_store_is_served_not_kept(app, client, event_id):
    for _ in range(2):
        response = client.get(f"/events/{event_id}")
        assert response.status_code == 200 and TITLE in response.get_data(as_text=True)
    assert hits(app) == 0 and app.extensions["page_cache"].size == 0


def test_a_change_made_outside_the_application_shows_in_the_next_second(
    app, client, event_id, other_worker, one_second
):
    """Written by hand (psql, a restored backup): no version moves, the second still ends."""
    assert TITLE in client.get(f"/events/{event_id}").get_data(as_text=True)
    with other_worker.app_context():
        db.session.execute(
            text("UPDATE events SET title = 'Жыр кеші' WHERE id = :id"),
            {"id": event_id},
            execution_options={QUIET: True},
        )
        db.session.commit()
    assert TITLE in client.get(f"/events/{event_id}").get_data(as_text=True)
    one_second[0] += timedelta(seconds=1)
    assert "Жыр кеші" in client.get(f"/events/{event_id}").get_data(as_text=True)
