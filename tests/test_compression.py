"""gzip when no proxy compresses: pages and assets for clients that accept it, the same bytes
once unpacked, nothing for clients that refuse it, and the feeds' own gzip left alone."""

from __future__ import annotations

import gzip

from calendar_app.extensions import db
from tests.factories import make_branch, make_event


def test_a_page_is_gzipped_when_asked_and_identical_once_unpacked(app, client):
    with app.app_context():
        branch = make_branch("chekhov", name="Central City Library named after A.P. Chekhov")
        make_event(branch, title="«Құтадғу білік» жаңа аудармасына әдеби талдау")
        db.session.commit()
    plain = client.get("/branches?lang=kk")
    zipped = client.get("/branches?lang=kk", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]


def test_refused_or_tiny_bodies_stay_plain(client):
    refused = client.get("/branches", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.status_code == 200
    assert "Content-Encoding" not in refused.headers
    assert "Accept-Encoding" in refused.headers["Vary"]
    tiny = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert tiny.status_code == 200
    assert "Content-Encoding" not in tiny.headers
    assert tiny.get_json() == {"status": "ok"}


def test_stylesheet_is_gzipped_and_its_validator_still_answers_304(client):
    zipped = client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/static/css/site.css")
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    etag = zipped.headers["ETag"]
    assert etag != plain.headers["ETag"]  # each encoding has a validator of its own
    again = client.get(
        "/static/css/site.css", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.data == b""
    ranged = client.get(
        "/static/css/site.css", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"}
    )
    assert ranged.status_code == 206
    assert "Content-Encoding" not in ranged.headers
    assert ranged.data == plain.data[:10]
