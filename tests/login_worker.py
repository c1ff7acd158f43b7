"""Run in a separate OS process: fail to log in N times against the shared rate-limit storage."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from calendar_app import create_app
from tests.conftest import make_test_config


def main() -> None:
    settings = json.loads(sys.argv[1])
    app = create_app(
        make_test_config(settings["database_url"], Path(settings["instance"]), **settings["config"])
    )
    client = app.test_client()
    statuses = [
        client.post(
            "/staff/login", data={"email": settings["email"], "password": "wrong password"}
        ).status_code
        for _ in range(settings["attempts"])
    ]
    print(json.dumps(statuses))


if __name__ == "__main__":
    main()
