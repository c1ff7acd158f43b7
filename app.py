"""WSGI entry point: ``gunicorn app:app`` or ``flask --app app run``."""

from calendar_app import create_app

app = create_app()
