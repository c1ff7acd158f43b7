"""deploy/nginx/library-events.conf, rendered as the deployment guide says, in front of a real
gunicorn: pages pass through, static files come from nginx itself (long-cached, compressed), and
with TRUSTED_PROXIES=1 each visitor's address has its own registration budget.

Needs Debian's nginx (scripts/install-test-tools.sh installs it). Everything nginx writes goes
under the test's own directory, and it listens on free loopback ports, so no root is needed.
"""

from __future__ import annotations

import gzip
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from calendar_app.extensions import db
from calendar_app.timeutil import utcnow
from tests.conftest import BASE_URL
from tests.factories import make_event

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "library-events.conf"
HOST = BASE_URL.removeprefix("https://")
VISITOR_A, VISITOR_B = "127.0.0.1", "127.0.0.2"  # Linux routes all of 127/8 to lo


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.access(found, os.X_OK), "nginx is missing: run scripts/install-test-tools.sh"
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}: {log.read_text(errors='replace')}")


def wait_for_the_app(port: int, process: subprocess.Popen, log: Path) -> None:
    """Until the application answers on ``port``: a listening socket is not enough, as a
    worker may still be loading the app (on a busy machine, for seconds)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/healthz")
            answered = connection.getresponse().status == 200
            connection.close()
            if answered:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"nothing answers on {port}: {log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def render_site(values: dict[str, str]) -> str:
    """The guide's sed step: every @PLACEHOLDER@ replaced, none left over."""
    text = SITE.read_text(encoding="utf-8")
    config = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for name, value in values.items():
        config = config.replace(f"@{name}@", value)
    assert "@" not in config, "a placeholder the test does not know"
    return config


@dataclass
class Stack:
    https_port: int
    http_port: int
    gunicorn: subprocess.Popen
    event_id: int

    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        source: str = VISITOR_A,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        tls: bool = True,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        if tls:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1",
                self.https_port,
                timeout=30,
                source_address=(source, 0),
                context=context,
            )
        else:
            conn = http.client.HTTPConnection(
                "127.0.0.1", self.http_port, timeout=30, source_address=(source, 0)
            )
        try:
            conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    def register(self, source: str, number: int, headers: dict[str, str] | None = None) -> int:
        body = f'{{"name": "Visitor {number}", "email": "v{number}@example.kz", "seats": 1}}'
        response, _ = self.request(
            f"/api/v1/events/{self.event_id}/registrations",
            method="POST",
            source=source,
            headers={"Content-Type": "application/json", **(headers or {})},
            body=body.encode(),
        )
        return response.status


@pytest.fixture
def stack(app, database_url: str, tmp_path: Path) -> Iterator[Stack]:
    with app.app_context():
        event_id = make_event(capacity=100, now=utcnow()).id
        db.session.commit()

    app_port, http_port, https_port = free_port(), free_port(), free_port()
    gunicorn_log = tmp_path / "gunicorn.log"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CALENDAR_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "nginx-test-secret",
        "BASE_URL": BASE_URL,
        "DEFAULT_LOCALE": "en",
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": "memory://",  # one worker: its memory is the whole count
        "TRUSTED_PROXIES": "1",
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        "WEB_CONCURRENCY": "1",
    }
    with gunicorn_log.open("wb") as log:
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                f"--config={ROOT / 'deploy' / 'gunicorn.conf.py'}",
                "app:app",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_the_app(app_port, gunicorn, gunicorn_log)
        prefix = tmp_path / "nginx"
        prefix.mkdir()
        subprocess.run(
            [
                "openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
                "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-keyout", str(prefix / "key.pem"), "-out", str(prefix / "cert.pem"),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        site = render_site(
            {
                "SERVER_NAME": HOST,
                "HTTP_LISTEN": f"127.0.0.1:{http_port}",
                "HTTPS_LISTEN": f"127.0.0.1:{https_port}",
                "APP_DIR": str(ROOT),
                "UPSTREAM": f"127.0.0.1:{app_port}",
                "TLS_CERTIFICATE": str(prefix / "cert.pem"),
                "TLS_CERTIFICATE_KEY": str(prefix / "key.pem"),
            }
        )
        (prefix / "site.conf").write_text(site, encoding="utf-8")
        temp_paths = "\n".join(
            f"{kind}_temp_path {prefix / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root root;" if os.geteuid() == 0 else ""  # else workers drop to nobody
        (prefix / "nginx.conf").write_text(
            f"""
            {user}
            daemon off;
            worker_processes 1;
            pid {prefix / "nginx.pid"};
            error_log {prefix / "error.log"};
            events {{ worker_connections 64; }}
            http {{
                include /etc/nginx/mime.types;
                default_type application/octet-stream;
                access_log {prefix / "access.log"};
                {temp_paths}
                include {prefix / "site.conf"};
            }}
            """,
            encoding="utf-8",
        )
        nginx = subprocess.Popen(
            [nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
             "-e", str(prefix / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for_port(https_port, nginx, prefix / "error.log")
            yield Stack(https_port, http_port, gunicorn, event_id)
        finally:
            stop(nginx)
    finally:
        stop(gunicorn)


def static_url(page: bytes, filename: str) -> str:
    text = page.decode()
    start = text.index(f"/static/{filename}?v=")
    return text[start : text.index('"', start)]


def test_pages_pass_through_and_plain_http_redirects_to_https(stack):
    response, body = stack.request("/")
    assert response.status == 200
    assert b"/static/css/site.css?v=" in body
    response, _ = stack.request(f"/events/{stack.event_id}?lang=kk", tls=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/events/{stack.event_id}?lang=kk"


def test_static_files_come_from_nginx_long_cached_and_compressed(stack):
    _, page = stack.request("/")
    versioned = static_url(page, "css/site.css")
    stop(stack.gunicorn)  # nginx alone serves static files
    response, _ = stack.request("/")
    assert response.status == 502

    response, body = stack.request(versioned, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert "default-src 'none'" in response.getheader("Content-Security-Policy")
    assert gzip.decompress(body) == (ROOT / "static" / "css" / "site.css").read_bytes()

    response, body = stack.request("/static/css/site.css")
    assert response.status == 200 and response.getheader("Content-Encoding") is None
    assert response.getheader("Cache-Control") == "public, max-age=3600"
    assert body == (ROOT / "static" / "css" / "site.css").read_bytes()
    for outside in ("/static/../app.py", "/static/..%2fapp.py", "/static../app.py"):
        response, body = stack.request(outside)  # never a file outside static/
        assert response.status != 200 and b"create_app" not in body


def test_html_and_json_are_compressed_and_feeds_answer_conditional_requests(stack):
    response, body = stack.request("/", headers={"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert b"<html" in gzip.decompress(body)
    response, body = stack.request("/api/v1/branches", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200 and response.getheader("Content-Type") == "application/json"
    response, body = stack.request("/calendar.ics", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200 and response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body).startswith(b"BEGIN:VCALENDAR")
    etag = response.getheader("ETag")
    response, body = stack.request(
        "/calendar.ics", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert response.status == 304 and body == b""


def test_each_visitor_behind_nginx_has_own_registration_budget(stack):
    """Ten registrations a minute per address (the default), counted per visitor."""
    for number in range(10):
        assert stack.register(VISITOR_B, number) == 201
    assert stack.register(VISITOR_B, 10) == 429
    # A header the visitor sets is replaced by nginx: it cannot dodge the limit.
    assert stack.register(VISITOR_B, 11, {"X-Forwarded-For": "203.0.113.5"}) == 429
    # Another visitor through the same nginx still has the whole budget.
    for number in range(20, 30):
        assert stack.register(VISITOR_A, number) == 201
    assert stack.register(VISITOR_A, 30) == 429
