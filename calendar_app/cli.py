"""Command-line interface: ``flask --app app <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app

from .extensions import db
from .timeutil import utcnow


def register_cli(app: Flask) -> None:
    from .staff.commands import register_staff_cli

    register_staff_cli(app)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Add the Almaty demo branches, rooms and a season of events (idempotent)."""
        from .services.seeding import seed_demo

        added = seed_demo(utcnow(), current_app.config["DEFAULT_TIMEZONE"])
        db.session.commit()
        click.echo(
            "Demo data: {branches} branches, {venues} rooms, {events} events and "
            "{registrations} registrations added.".format(**added)
        )
