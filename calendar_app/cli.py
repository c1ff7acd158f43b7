"""Command-line interface: ``flask --app app <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app

from .database import unit_of_work
from .timeutil import utcnow


def register_cli(app: Flask) -> None:
    from .staff.commands import register_staff_cli

    register_staff_cli(app)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Add the Almaty demo branches, rooms and a season of events (idempotent)."""
        from .services.seeding import seed_demo

        with unit_of_work():
            added = seed_demo(utcnow(), current_app.config["DEFAULT_TIMEZONE"])
        click.echo(
            "Demo data: {branches} branches, {venues} rooms, {events} events ({series} series) "
            "and {registrations} registrations added.".format(**added)
        )

    @app.cli.command("outbox-worker")
    @click.option("--once", is_flag=True, help="Send what is due now, then exit (for cron).")
    @click.option(
        "--interval",
        type=click.FloatRange(min=0.1),
        default=2.0,
        show_default=True,
        help="Seconds to wait when nothing is due.",
    )
    @click.option("--batch", type=click.IntRange(min=1, max=500), default=20, show_default=True)
    def outbox_worker_command(once: bool, interval: float, batch: int) -> None:
        """Send queued mail: claim due messages, send, retry failures with growing delays."""
        from .services.outbox_worker import run_worker

        run_worker(once=once, interval=interval, batch=batch, echo=click.echo)

    @app.cli.command("send-reminders")
    @click.option(
        "--within-hours",
        type=click.FloatRange(min=0, min_open=True, max=24 * 31),
        default=24.0,
        show_default=True,
        help="Remind registrants of events starting within this many hours.",
    )
    def send_reminders_command(within_hours: float) -> None:
        """Queue one reminder per confirmed registration of events starting soon (once each)."""
        from datetime import timedelta

        from .services.reminders import queue_reminders

        with unit_of_work():
            queued = queue_reminders(utcnow(), timedelta(hours=within_hours))
        click.echo(f"{queued} reminders queued.")
