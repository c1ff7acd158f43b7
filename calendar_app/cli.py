"""Command-line interface: ``flask --app app <command>``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app

from . import date_range
from .database import unit_of_work
from .timeutil import utcnow


class MomentType(click.ParamType):
    """An ISO 8601 moment; without an offset it is taken as UTC."""

    name = "ISO8601"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value).strip())
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        except (ValueError, OverflowError):
            self.fail(f"{value!r} is not an ISO 8601 date and time", param, ctx)
        if not date_range.contains(moment):
            self.fail(
                f"{value!r} is outside the years {date_range.FIRST_YEAR} to {date_range.LAST_YEAR}",
                param,
                ctx,
            )
        return moment


NOW_OPTION = click.option(
    "--now",
    type=MomentType(),
    default=None,
    help="Act as if it were this moment (ISO 8601), for planning and tests.",
)


def register_cli(app: Flask) -> None:
    from .staff.commands import register_staff_cli

    register_staff_cli(app)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Add the Almaty demo branches, rooms, a season of events and reports of the past ones
        (idempotent)."""
        from .services.seeding import seed_demo

        with unit_of_work():
            added = seed_demo(
                utcnow(), current_app.config["DEFAULT_TIMEZONE"], current_app.config["UPLOADS_DIR"]
            )
        click.echo(
            "Demo data: {branches} branches, {venues} rooms, {events} events ({series} series), "
            "{registrations} registrations and {reports} reports ({photos} photos) "
            "added.".format(**added)
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
        help="Remind registrants of events starting (or asking to confirm) within this many hours.",
    )
    @NOW_OPTION
    def send_reminders_command(within_hours: float, now: datetime | None) -> None:
        """Queue reminders and "still coming?" asks (once each); cancel parties silent past the
        deadline to confirm, promoting the waitlist; seat parties on standby whose time has come."""
        from .services import attendance_confirmation, registrations
        from .services.reminders import queue_reminders

        moment = now or utcnow()
        within = timedelta(hours=within_hours)
        with unit_of_work():
            queued = queue_reminders(moment, within)
            asked = attendance_confirmation.ask_for_confirmation(moment, within)
            cancelled = attendance_confirmation.cancel_unconfirmed(moment)
            seated = registrations.seat_standby_parties(moment)
            _due_at_once(now)
        click.echo(f"{queued} reminders queued.")
        click.echo(f"{asked} attendance confirmations requested.")
        click.echo(f"{len(cancelled)} unconfirmed registrations cancelled.")
        click.echo(f"{len(seated)} parties on standby seated.")

    @app.cli.command("purge-personal-data")
    @NOW_OPTION
    def purge_personal_data_command(now: datetime | None) -> None:
        """Remove names and addresses of registrations for events that ended long ago."""
        from .services.personal_data import purge_personal_data

        days = int(current_app.config["PERSONAL_DATA_RETENTION_DAYS"])
        with unit_of_work():
            purged = purge_personal_data(now or utcnow(), timedelta(days=days))
        click.echo(f"Names and addresses removed from {purged} registrations.")

    @app.cli.command("recount-seat-tallies")
    def recount_seat_tallies_command() -> None:
        """Count every event's seats again and correct the tallies a newcomer decides on (kept
        by triggers; needed only after writing registrations with the triggers switched off)."""
        from .services.seats import recount_seat_tallies

        with unit_of_work():
            corrected = recount_seat_tallies()
        listed = f": events {', '.join(map(str, corrected))}" if corrected else ""
        click.echo(f"{len(corrected)} seat tallies corrected{listed}.")

    @app.cli.command("backup-database")
    @click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
    def backup_database_command(destination: Path) -> None:
        """Write a backup of the database to DESTINATION (a new file), safe while serving:
        SQLite through its online backup API, PostgreSQL with pg_dump --format=custom."""
        from .services.backups import backup_database
        from .services.errors import DomainError

        try:
            backup = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], destination)
        except DomainError as error:
            raise click.ClickException(error.message) from error
        click.echo(f"Backup ({backup.kind}) written to {backup.path}: {backup.size} bytes.")


def _due_at_once(now: datetime | None) -> None:
    """Mail queued for a planned ``--now`` is due at once, not at that moment."""
    from .services import mail

    if now is not None:
        mail.make_due_at_once(now, utcnow())
