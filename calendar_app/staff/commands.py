"""``flask --app app create-staff EMAIL [--admin] [--branch SLUG]... [--password-stdin]`` and
``create-api-token EMAIL [--label TEXT]``."""

from __future__ import annotations

import sys

import click
from flask import Flask
from sqlalchemy import select

from ..database import unit_of_work
from ..extensions import db
from ..models import Branch
from ..services import api_tokens
from ..services.errors import Conflict, InvalidInput
from ..services.staff_accounts import StaffData, create_staff, find_staff_by_email, update_staff
from ..timeutil import utcnow


def register_staff_cli(app: Flask) -> None:
    @app.cli.command("create-staff")
    @click.argument("email")
    @click.option("--admin", is_flag=True, help="Administrator of every branch.")
    @click.option(
        "--branch",
        "branch_slugs",
        multiple=True,
        metavar="SLUG",
        help="A branch the account manages (repeat for several).",
    )
    @click.option("--name", default=None, help="The person's name.")
    @click.option(
        "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
    )
    def create_staff_command(
        email: str,
        admin: bool,
        branch_slugs: tuple[str, ...],
        name: str | None,
        password_stdin: bool,
    ) -> None:
        """Create a staff account, or update the one with this address.

        Re-running sets the administrator flag as given, the branches if any are given, and the
        password.
        """
        slugs = sorted(set(branch_slugs))
        branches = (
            db.session.execute(select(Branch).where(Branch.slug.in_(slugs))).scalars().all()
            if slugs
            else []
        )
        unknown = sorted(set(slugs) - {branch.slug for branch in branches})
        if unknown:
            raise click.ClickException(f"Unknown branch: {', '.join(unknown)}")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        existing = find_staff_by_email(email)
        data = StaffData(
            email=email,
            name=name if name is not None else (existing.name if existing else ""),
            is_admin=admin,
            active=True,
            branch_ids=[branch.id for branch in branches]
            if branches or existing is None
            else [branch.id for branch in existing.branches],
            password=password,
        )
        try:
            with unit_of_work():
                if existing is None:
                    staff = create_staff(data, utcnow())
                    verb = "Created"
                else:
                    staff = update_staff(existing, data, utcnow())
                    verb = "Updated"
                scope = (
                    "all branches"
                    if staff.is_admin
                    else ", ".join(branch.slug for branch in staff.branches)
                )
        except InvalidInput as error:
            raise click.ClickException(_messages(error)) from None
        click.echo(f"{verb} staff account {staff.email} ({scope}).")

    @app.cli.command("create-api-token")
    @click.argument("email")
    @click.option("--label", default="", help="What the token is for, e.g. the website's name.")
    def create_api_token_command(email: str, label: str) -> None:
        """Print a new token for the staff JSON API, acting as this account.

        The token is shown only now, alone on the last line; only its hash is stored. Staff
        revoke tokens on the staff page /staff/tokens.
        """
        staff = find_staff_by_email(email)
        if staff is None:
            raise click.ClickException(f"There is no staff account with the address {email}.")
        try:
            with unit_of_work():
                issued = api_tokens.issue(staff, label, utcnow())
                token_id = issued.token.id
        except InvalidInput as error:
            raise click.ClickException(_messages(error)) from None
        except Conflict as error:
            raise click.ClickException(f"{staff.email}: {error.message}") from None
        click.echo(
            f"Created API token {token_id} for {staff.email}. Keep it secret: it is shown only "
            "this once. Send it as the header 'Authorization: Bearer <token>'."
        )
        click.echo(issued.secret)


def _messages(error: InvalidInput) -> str:
    return "; ".join(
        f"{field}: {message}" for field, items in error.errors.items() for message in items
    )
