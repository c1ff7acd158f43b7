"""Configuration: defaults, then ``instance/config.py``, then the environment, then test config."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from .vocabulary import DEFAULT_TIMEZONE

BOOLEAN_KEYS = ("MAIL_USE_TLS", "MAIL_USE_SSL", "RATELIMIT_ENABLED", "SESSION_COOKIE_SECURE")
INTEGER_KEYS = (
    "MAIL_PORT",
    "FEED_HORIZON_DAYS",
    "PERSONAL_DATA_RETENTION_DAYS",
    "NO_SHOW_LIMIT",
    "TRUSTED_PROXIES",
    "OUTBOX_SENDING_TIMEOUT",
    "PAGE_CACHE_BYTES",
)
STRING_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "BASE_URL",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "OUTBOX_RETRY_DELAYS",
    "RATELIMIT_STORAGE_URI",
    "DEFAULT_TIMEZONE",
    "DEFAULT_LOCALE",
    "UID_DOMAIN",
    "METRICS_ALLOW",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "EMBED_ALLOWED_ORIGINS",
    "UPLOADS_DIR",
)


def parse_bool(value: Any) -> bool:
    """Accept true/false/1/0 (and yes/no, on/off) as booleans."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def parse_delays(value: Any) -> list[int]:
    """``"30,120,600"`` -> ``[30, 120, 600]``; a list passes through."""
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    return [int(part) for part in str(value).split(",") if part.strip()]


def default_config(instance_path: str) -> dict[str, Any]:
    sqlite_path = Path(instance_path) / "calendar.sqlite3"
    return {
        "DATABASE_URL": f"sqlite:///{sqlite_path}",
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_DEFAULT_SENDER": "Library events <no-reply@localhost>",
        "OUTBOX_RETRY_DELAYS": "30,120,600,3600",
        "OUTBOX_SENDING_TIMEOUT": 600,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        "DEFAULT_TIMEZONE": DEFAULT_TIMEZONE,
        "DEFAULT_LOCALE": "kk",
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "EVENTS_PER_PAGE": 20,
        "FEED_HORIZON_DAYS": 60,
        "PAGE_CACHE_BYTES": 32 * 1024 * 1024,
        "UID_DOMAIN": "",
        "EMBED_ALLOWED_ORIGINS": "",
        "UPLOADS_DIR": str(Path(instance_path) / "uploads"),
        "PERSONAL_DATA_RETENTION_DAYS": 365,
        "NO_SHOW_LIMIT": 0,
        "TRUSTED_PROXIES": 0,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "METRICS_ALLOW": "127.0.0.1/32,::1/128",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }


def load_environment() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in STRING_KEYS + BOOLEAN_KEYS + INTEGER_KEYS:
        if key in os.environ:
            values[key] = os.environ[key]
    return values


def ensure_secret_key(instance_path: str) -> str:
    """Read the instance's generated key, creating it once if it is missing."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.encode())
    finally:
        os.close(fd)
    return key


def ensure_uid_domain(instance_path: str, base_url: str) -> str:
    """The domain part of calendar UIDs: recorded once (the host of the first BASE_URL) into
    ``instance/uid_domain`` and read from there ever after, so that a later change of BASE_URL
    does not turn every event into a new one in subscribers' calendars."""
    path = Path(instance_path) / "uid_domain"
    if path.exists():
        recorded = path.read_text(encoding="utf-8").strip()
        if recorded:
            return recorded
    domain = urlsplit(base_url).hostname or "localhost"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:  # another process recorded it first
        return path.read_text(encoding="utf-8").strip() or domain
    try:
        os.write(fd, domain.encode("ascii"))
    finally:
        os.close(fd)
    return domain


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Layer the sources on ``app.config``, each overriding the one before, then check types."""
    config = app.config
    config.from_mapping(default_config(app.instance_path))
    config.from_pyfile(str(Path(app.instance_path) / "config.py"), silent=True)
    config.from_mapping(load_environment())
    if test_config:
        config.from_mapping(test_config)
    for key in BOOLEAN_KEYS:
        config[key] = parse_bool(config[key])
    for key in INTEGER_KEYS:
        config[key] = int(config[key])
    if config["TRUSTED_PROXIES"] < 0:
        raise ValueError("TRUSTED_PROXIES must be 0 (no proxy) or the number of proxies in front")
    config["OUTBOX_RETRY_DELAYS"] = parse_delays(config["OUTBOX_RETRY_DELAYS"])
    config["BASE_URL"] = str(config["BASE_URL"]).rstrip("/")
    if not config.get("SECRET_KEY"):
        try:
            config["SECRET_KEY"] = ensure_secret_key(app.instance_path)
        except FileExistsError:
            config["SECRET_KEY"] = ensure_secret_key(app.instance_path)
    if not config.get("UID_DOMAIN"):
        config["UID_DOMAIN"] = ensure_uid_domain(app.instance_path, config["BASE_URL"])
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["DATABASE_URL"])


def normalise_database_url(url: str) -> str:
    """Make ``postgres://`` and ``postgresql://`` use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
