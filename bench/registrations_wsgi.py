"""The application as gunicorn serves it, plus a hello-world route: the baseline of
bench/registrations.py. Only that bench loads this module; the real WSGI entry is ``app.py``.
"""

from __future__ import annotations

from calendar_app import create_app

app = create_app()


@app.get("/bench/hello")
def hello() -> str:
    return "Hello, World!"
