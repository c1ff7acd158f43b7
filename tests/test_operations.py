"""Operations: /healthz, /readyz, /metrics (also through a real gunicorn with two workers) and
the JSON request log with its request id and no secrets."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from calendar_app import create_app
from calendar_app.extensions import db
from calendar_app.models import OutboxMessage
from calendar_app.models.outbox import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENDING
from calendar_app.timeutil import utcnow
from tests.conftest import make_test_config
from tests.factories import make_event

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "s3cret-pw"
DOWN_DATABASES = {
    "sqlite": "sqlite:////nonexistent-folder/unreadable/calendar.sqlite3",
    "postgresql": f"postgresql://calendar:{PASSWORD}@127.0.0.1:1/calendar",
}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def sample(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def open_events(app, capacity: int = 5, waitlist: bool = True) -> int:
    with app.app_context():
        now = utcnow()
        event = make_event(
            now=now, capacity=capacity, max_party=5, waitlist_enabled=waitlist,
            starts_at=now + timedelta(days=3),
        )  # fmt: skip
        db.session.commit()
        return event.id


def register_body(number: int, seats: int = 1) -> dict[str, Any]:
    return {"name": f"Visitor {number}", "email": f"visitor{number}@example.kz", "seats": seats}


def outbox_counts(app) -> tuple[int, int]:
    with app.app_context():
        pending = db.session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_((OUTBOX_PENDING, OUTBOX_SENDING)))
        ).scalar_one()
        failed = db.session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OUTBOX_FAILED)
        ).scalar_one()
        return pending, failed


# --- health and readiness ---------------------------------------------------------------------


def test_health_and_readiness_when_all_is_well(app, client):
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {
        "status": "ok",
        "database": "ok",
        "outbox": {"pending": 0, "failed": 0, "oldest_pending_seconds": None},
    }


def test_readiness_reports_the_outbox(app, client):
    event_id = open_events(app)
    for number in range(3):
        url = f"/api/v1/events/{event_id}/registrations"
        assert client.post(url, json=register_body(number)).status_code == 201
    with app.app_context():
        first = db.session.execute(select(func.min(OutboxMessage.id))).scalar_one()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == first)
            .values(status=OUTBOX_FAILED, created_at=utcnow() - timedelta(hours=5))
        )
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id != first)
            .values(created_at=utcnow() - timedelta(minutes=10))
        )
        db.session.commit()
    outbox = client.get("/readyz").get_json()["outbox"]
    assert outbox["pending"] == 2
    assert outbox["failed"] == 1
    assert 600 <= outbox["oldest_pending_seconds"] < 700  # the failed one is not waiting


@pytest.mark.parametrize("backend_down", sorted(DOWN_DATABASES))
def test_readiness_is_503_naming_the_database_when_it_is_down(tmp_path, backend_down):
    url = DOWN_DATABASES[backend_down]
    app = create_app(make_test_config(url, tmp_path / "instance"))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # alive, just not ready
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "unavailable"
    assert body["database"].startswith("error: ")
    text = ready.get_data(as_text=True)
    for secret in (PASSWORD, "127.0.0.1", "nonexistent-folder", "calendar:"):
        assert secret not in text
    # Metrics still answer, saying the outbox could not be read.
    scrape = client.get("/metrics")
    assert scrape.status_code == 200
    assert sample(scrape.get_data(as_text=True), "calendar_outbox_readable") == 0


# --- metrics in one process -------------------------------------------------------------------


def test_requests_are_counted_by_endpoint_and_status(client):
    before = client.get("/metrics").get_data(as_text=True)
    for _ in range(3):
        client.get("/healthz")
    client.get("/no/such/page")
    after = client.get("/metrics").get_data(as_text=True)
    healthz = {"endpoint": "operations.healthz", "method": "GET", "status": "200"}
    assert (
        sample(after, "calendar_http_requests_total", **healthz)
        - sample(before, "calendar_http_requests_total", **healthz)
        == 3
    )
    unknown = {"endpoint": "none", "method": "GET", "status": "404"}
    assert (
        sample(after, "calendar_http_requests_total", **unknown)
        - sample(before, "calendar_http_requests_total", **unknown)
        == 1
    )
    histogram = "calendar_http_request_duration_seconds_count"
    assert (
        sample(after, histogram, endpoint="operations.healthz")
        - sample(before, histogram, endpoint="operations.healthz")
        == 3
    )


def test_registrations_are_counted_by_outcome(app, client):
    event_id = open_events(app, capacity=1, waitlist=True)
    full_id = open_events(app, capacity=1, waitlist=False)
    before = client.get("/metrics").get_data(as_text=True)
    url = f"/api/v1/events/{event_id}/registrations"
    assert client.post(url, json=register_body(1)).get_json()["status"] == "confirmed"
    assert client.post(url, json=register_body(2)).get_json()["status"] == "waitlisted"
    assert client.post(url, json=register_body(2)).status_code == 409  # already registered
    assert client.post(url, json={**register_body(3), "seats": 0}).status_code == 422
    full_url = f"/api/v1/events/{full_id}/registrations"
    assert client.post(full_url, json=register_body(4)).status_code == 201
    assert client.post(full_url, json=register_body(5)).status_code == 409  # full, no waitlist
    form = {"name": "Web visitor", "email": "web@example.kz", "seats": "1"}
    assert client.post(f"/events/{event_id}/register", data=form).status_code == 303
    after = client.get("/metrics").get_data(as_text=True)

    def added(outcome: str, source: str) -> float:
        name = "calendar_registrations_total"
        labels = {"outcome": outcome, "source": source}
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert added("confirmed", "api") == 2
    assert added("waitlisted", "api") == 1
    assert added("refused", "api") == 2
    assert added("invalid", "api") == 1
    assert added("waitlisted", "web") == 1


def test_outbox_gauges_match_the_database(app, client):
    event_id = open_events(app)
    for number in range(2):
        client.post(f"/api/v1/events/{event_id}/registrations", json=register_body(number))
    with app.app_context():
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == select(func.min(OutboxMessage.id)).scalar_subquery())
            .values(status=OUTBOX_FAILED)
        )
        db.session.commit()
    scrape = client.get("/metrics").get_data(as_text=True)
    assert outbox_counts(app) == (1, 1)
    assert sample(scrape, "calendar_outbox_pending_messages") == 1
    assert sample(scrape, "calendar_outbox_failed_messages") == 1
    assert sample(scrape, "calendar_outbox_readable") == 1


@pytest.mark.parametrize("app_config", [{"METRICS_ALLOW": "10.0.0.0/8, 2001:db8::/32"}])
def test_metrics_only_for_allowed_networks(client):
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is not in the list
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    allowed_v6 = client.get("/metrics", environ_base={"REMOTE_ADDR": "2001:db8::7"})
    assert allowed_v6.status_code == 200
    assert b"calendar_http_requests_total" in allowed_v6.data
    assert client.get("/healthz").status_code == 200  # the rest is for everyone


def test_metrics_answer_localhost_by_default(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 404


def test_a_bad_metrics_allow_fails_at_start(tmp_path, database_url):
    with pytest.raises(ValueError):
        create_app(make_test_config(database_url, tmp_path, METRICS_ALLOW="10.0.0.0/8,nonsense"))


# --- request log ------------------------------------------------------------------------------


def log_lines(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


def request_lines(captured: str) -> list[dict[str, Any]]:
    return [line for line in log_lines(captured) if line["logger"] == "calendar_app.requests"]


def test_each_request_logs_one_json_line_with_its_request_id(client, capsys):
    capsys.readouterr()
    answered = client.get("/healthz?x=1", headers={"X-Request-ID": "probe-42"})
    assert answered.headers["X-Request-ID"] == "probe-42"
    made_up = client.get("/healthz", headers={"X-Request-ID": "not sane; " + "x" * 80})
    generated = made_up.headers["X-Request-ID"]
    assert generated and "not sane" not in generated
    lines = request_lines(capsys.readouterr().err)
    assert [line["request_id"] for line in lines] == ["probe-42", generated]
    first = lines[0]
    assert first["method"] == "GET"
    assert first["path"] == "/healthz"  # no query string
    assert first["endpoint"] == "operations.healthz"
    assert first["status"] == 200
    assert first["level"] == "info"
    assert first["remote_addr"] == "127.0.0.1"
    assert isinstance(first["duration_ms"], float)
    assert first["time"].endswith("+00:00")


def test_a_token_never_reaches_the_log(app, client, capsys):
    event_id = open_events(app)
    created = client.post(f"/api/v1/events/{event_id}/registrations", json=register_body(1))
    token = created.get_json()["token"]
    client.get(f"/r/{token}")
    client.get(f"/r/{token}.ics?lang=ru")
    client.get(f"/api/v1/registrations/{token}")
    client.get(f"/r/{token}/not-a-page")
    client.get(f"/feeds/whatever?token={token}")
    client.delete(f"/api/v1/registrations/{token}")
    captured = capsys.readouterr().err
    assert token not in captured
    paths = [line["path"] for line in request_lines(captured)]
    assert paths == [
        f"/api/v1/events/{event_id}/registrations",
        "/r/<token>",
        "/r/<token>.ics",
        "/api/v1/registrations/<token>",
        "/r/<redacted>/not-a-page",
        "/feeds/whatever",
        "/api/v1/registrations/<token>",
    ]


@pytest.mark.parametrize("app_config", [{"LOG_FORMAT": "text"}])
def test_text_log_format(client, capsys):
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-ID": "plain-1"})
    line = capsys.readouterr().err.strip()
    assert "INFO calendar_app.requests: request request_id=plain-1" in line
    assert "path=/healthz" in line


def test_an_unexpected_error_is_logged_with_the_request_id_and_without_the_token(
    app, client, capsys, monkeypatch
):
    from calendar_app.services import registrations

    def broken(_token: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(registrations, "find_by_token", broken)
    token = "T" * 43
    capsys.readouterr()
    response = client.get(f"/r/{token}", headers={"X-Request-ID": "bug-1"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "bug-1"
    captured = capsys.readouterr().err
    assert token not in captured
    [error] = [line for line in log_lines(captured) if line["level"] == "error"]
    assert error["request_id"] == "bug-1"
    assert error["message"] == "unhandled error on GET /r/<token>"
    assert "RuntimeError: a bug" in error["exception"]
    assert request_lines(captured)[0]["status"] == 500


def test_the_outbox_worker_logs_json_lines_by_outbox_id_without_addresses(app, client):
    event_id = open_events(app)
    for number in range(2):
        client.post(f"/api/v1/events/{event_id}/registrations", json=register_body(number))
    with app.app_context():
        first, second = db.session.execute(select(OutboxMessage.id).order_by("id")).scalars()
        unsendable = "айгерім@example.kz"  # a mailbox that is not ASCII: refused for good
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == second).values(to_address=unsendable)
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox-worker", "--once"])
    assert result.exit_code == 0, result.output
    lines = log_lines(result.stderr)
    assert [line["message"] for line in lines] == [
        "outbox batch claimed",
        "outbox message sent",
        "outbox message not sent",
    ]
    assert lines[0]["claimed"] == 2
    assert (lines[1]["outbox_id"], lines[1]["kind"]) == (first, "registered")
    assert (lines[2]["outbox_id"], lines[2]["outcome"]) == (second, "failed")
    assert lines[2]["error"] == "PermanentFailure"
    for address in ("visitor0@example.kz", unsendable):
        assert address not in result.stderr


# --- a real gunicorn with two workers ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body else "GET")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextmanager
def serving(database_url: str, tmp_path: Path, workers: int, **settings: str) -> Iterator[str]:
    """gunicorn as deployed (the project's gunicorn.conf.py) on the test database; its URL.

    Its output goes to ``tmp_path/gunicorn.log``.
    """
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        DATABASE_URL=database_url,
        CALENDAR_INSTANCE_PATH=str(tmp_path / "served-instance"),
        SECRET_KEY="test-secret-key",
        BASE_URL="https://events.example.kz",
        RATELIMIT_ENABLED="false",
        MAIL_SERVER="",
        DEFAULT_LOCALE="en",
        **settings,
    )
    command = [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    command += ["--no-control-socket", "app:app"]  # the default path is one per user
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if fetch(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_metrics_add_up_across_gunicorn_workers(app, database_url, tmp_path):
    metrics_dir = tmp_path / "metrics"
    with serving(database_url, tmp_path, 2, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)) as base:
        sent = exercise_and_check_metrics(app, base, metrics_dir)
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    requests = [json.loads(line) for line in lines if line.startswith("{")]
    assert all(line["request_id"] for line in requests)
    assert sum(line["path"] == "/healthz" for line in requests) == sent + 1


def exercise_and_check_metrics(app, base: str, metrics_dir: Path) -> int:
    """Registers once and sends /healthz requests until both workers answered some; checks the
    scrapes and returns how many were sent."""
    event_id = open_events(app)
    status, _body = fetch(f"{base}/api/v1/events/{event_id}/registrations", register_body(1))
    assert status == 201
    sent = 0
    with ThreadPoolExecutor(max_workers=6) as pool:
        for _ in range(20):  # until both workers have answered some of them
            statuses = list(pool.map(lambda _n: fetch(base + "/healthz")[0], range(30)))
            assert set(statuses) == {200}
            sent += len(statuses)
            files = list(metrics_dir.glob("counter_*.db"))
            if len(files) >= 2 and sent >= 60:
                break
    assert len(list(metrics_dir.glob("counter_*.db"))) >= 2
    healthz = {"endpoint": "operations.healthz", "method": "GET", "status": "200"}
    pending, failed = outbox_counts(app)
    assert (pending, failed) == (1, 0)
    for _ in range(4):  # whichever worker answers the scrape, the sums are the same
        status, body = fetch(base + "/metrics")
        assert status == 200
        scrape = body.decode()
        assert sample(scrape, "calendar_http_requests_total", **healthz) == sent + 1  # +startup
        assert (
            sample(scrape, "calendar_registrations_total", outcome="confirmed", source="api") == 1
        )
        assert sample(scrape, "calendar_outbox_pending_messages") == pending
        assert sample(scrape, "calendar_outbox_failed_messages") == failed
    return sent


def test_gunicorn_refuses_metrics_outside_metrics_allow(app, database_url, tmp_path):
    with serving(database_url, tmp_path, 1, METRICS_ALLOW="192.0.2.0/24") as base:
        assert fetch(base + "/metrics")[0] == 404
        assert fetch(base + "/readyz")[0] == 200
