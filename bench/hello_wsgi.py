"""The application as gunicorn serves it, plus a hello-world route: the baseline every bench
measures against in the same run. Only the benches load this module; the real WSGI entry point
is ``app.py``."""

from __future__ import annotations

from calendar_app import create_app

app = create_app()


@app.get("/bench/hello")
def hello() -> str:
    return "Hello, World!"
