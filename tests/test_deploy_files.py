"""The files under deploy/ are the ones the deployment guide shows, and the environment file
names every setting the application reads from the environment."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from calendar_app import config

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "DEPLOYMENT.md"
ENV_FILE = ROOT / "deploy" / "library-events.env"
SHOWN_IN_GUIDE = [
    ENV_FILE,
    *sorted((ROOT / "deploy" / "systemd").glob("*.service")),
    ROOT / "deploy" / "cron.d" / "library-events",
    ROOT / "deploy" / "gunicorn.conf.py",
]


@pytest.mark.parametrize("path", SHOWN_IN_GUIDE, ids=lambda path: path.name)
def test_the_guide_shows_each_deploy_file_as_it_is(path):
    assert path.read_text(encoding="utf-8") in GUIDE.read_text(encoding="utf-8")


def test_the_environment_file_names_every_setting():
    text = ENV_FILE.read_text(encoding="utf-8")
    for key in config.STRING_KEYS + config.BOOLEAN_KEYS + config.INTEGER_KEYS:
        assert f"\n{key}=" in text or f"\n# {key}=" in text, key


def test_the_environment_file_reads_the_same_in_a_shell_as_for_systemd():
    """Cron sources it with sh: quoted values with spaces and angle brackets come out whole."""
    printed = subprocess.run(
        ["sh", "-c", 'set -a; . "$1"; printf "%s\\n" "$MAIL_DEFAULT_SENDER" "$BASE_URL"', "sh",
         str(ENV_FILE)],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    assert printed.stdout.splitlines() == [
        "Library events <no-reply@library.example.kz>",
        "https://events.library.example.kz",
    ]
