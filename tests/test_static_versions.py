"""Static URLs carry a hash of the file's content, so a proxy may let browsers keep them long."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_pages_link_static_files_with_their_content_hash(client):
    page = client.get("/").get_data(as_text=True)
    links = dict(re.findall(r'"/static/([^"?]+)\?v=([0-9a-f]+)"', page))
    assert "css/site.css" in links and "favicon.svg" in links
    for filename, version in links.items():
        content = (STATIC / filename).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12]
        response = client.get(f"/static/{filename}?v={version}")
        assert response.status_code == 200 and response.data == content
        response.close()
    assert '"/static/css/site.css"' not in page
