"""Two strict outside readers of iCalendar bodies: Debian's libical and ical.js.

libical runs in Debian's own Python (``/usr/bin/python3`` with python3-gi), ical.js in node;
both are installed by ``scripts/install-test-tools.sh``. Each must read the body without any
error or warning, and agree with icalendar on every event.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import icalendar

HERE = Path(__file__).parent
DEBIAN_PYTHON = "/usr/bin/python3"


def _run(command: list[str], body: bytes) -> dict:
    result = subprocess.run(command, input=body, capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert not result.stderr.strip(), result.stderr.decode("utf-8", "replace")
    return json.loads(result.stdout)


def read_libical(body: bytes) -> dict:
    return _run([DEBIAN_PYTHON, str(HERE / "libical_check.py")], body)


def read_ical_js(body: bytes) -> dict:
    return _run(["node", str(HERE / "js" / "check.mjs")], body)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _expected(body: bytes) -> list[dict]:
    calendar = icalendar.Calendar.from_ical(body)
    return [
        {
            "uid": str(event["UID"]),
            "summary": str(event["SUMMARY"]),
            "location": str(event["LOCATION"]) if "LOCATION" in event else None,
            "start_utc": _utc_text(event.DTSTART),
            "end_utc": _utc_text(event.DTEND),
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]).upper(),
        }
        for event in calendar.walk("VEVENT")
    ]


def strict_check(body: bytes) -> list[dict]:
    """Read ``body`` with libical and ical.js; both must report nothing and agree with icalendar.

    Returns the events as icalendar reads them (times as UTC text).
    """
    expected = _expected(body)
    for name, reader in (("libical", read_libical), ("ical.js", read_ical_js)):
        report = reader(body)
        assert report["errors"] == [], f"{name}: {report['errors']}"
        assert report.get("warnings", []) == [], f"{name}: {report['warnings']}"
        events = [
            {**event, "status": (event["status"] or "").upper()} for event in report["events"]
        ]
        assert events == expected, f"{name} reads the body differently"
    return expected
