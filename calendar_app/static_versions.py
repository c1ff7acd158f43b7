"""Versioned static URLs: ``url_for('static', filename=...)`` adds ``?v=<content hash>``.

A new release changes the hash of every file it changed, so a proxy in front (see
deploy/nginx/) may let browsers keep a versioned file for a year without asking again.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask

_versions: dict[str, tuple[int, str]] = {}


def file_version(path: str) -> str | None:
    """A short hash of the file's content (recomputed when its mtime changes), None if absent."""
    try:
        modified = os.stat(path).st_mtime_ns
    except OSError:
        return None
    known = _versions.get(path)
    if known and known[0] == modified:
        return known[1]
    with open(path, "rb") as handle:
        version = hashlib.sha256(handle.read()).hexdigest()[:12]
    _versions[path] = (modified, version)
    return version


def init_static_versions(app: Flask) -> None:
    if not app.static_folder:
        return
    static_root = os.path.realpath(app.static_folder)

    @app.url_defaults
    def add_static_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or "v" in values:
            return
        path = os.path.realpath(os.path.join(static_root, str(values.get("filename", ""))))
        if path.startswith(static_root + os.sep):
            version = file_version(path)
            if version:
                values["v"] = version
