"""The application as gunicorn serves it, plus a hello-world route: the baseline of bench/pages.py.

Only the page bench loads this module; the real WSGI entry point is ``app.py``.
"""

from __future__ import annotations

from calendar_app import create_app

app = create_app()


@app.get("/bench/hello")
def hello() -> str:
    return "Hello, World!"
