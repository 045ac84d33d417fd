"""Operator commands (shared/CONTRACT.md): schema, accounts, demo data."""
import click
from alembic.migration import MigrationContext
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate import upgrade

from accounts.models import ROLES
from backup.cli import backup_command, restore_command
from checkpoints.staffing import create_account, read_staff_account
from core.db import db
from core.errors import ValidationFailed
from whitelist.service import ensure_reference_data

OPERATOR = "cli"


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the schema and reference data; safe to run twice."""
    before = schema_revision()
    upgrade()
    ensure_reference_data()
    after = schema_revision()
    where = db.engine.url.render_as_string(hide_password=True)
    if before is None:
        click.echo(f"created the database at {where} (schema {after})")
    elif before != after:
        click.echo(f"upgraded the database at {where} from schema {before} to {after}")
    else:
        click.echo(f"the database at {where} is up to date (schema {after})")


def schema_revision() -> str | None:
    """The Alembic revision the database is at; None for a database without our schema."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@click.command("create-user")
@with_appcontext
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--enterprise", help="Credit code of the enterprise this clerk works for.")
@click.option("--checkpoint", "checkpoints", multiple=True, help="Checkpoint code (repeatable).")
def create_user_command(role, username, password, enterprise, checkpoints) -> None:
    """Add an account."""
    data = {"role": role, "username": username, "password": password,
            "enterprise": enterprise, "checkpoints": list(checkpoints)}
    try:
        user = create_account(read_staff_account(data), OPERATOR)
    except ValidationFailed as error:
        for field, message in error.fields.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(2) from None
    click.echo(f"created {user.role} account {user.username}")


@click.command("seed-demo")
@with_appcontext
@click.option("--url", "base_url", default="http://127.0.0.1:8000", show_default=True,
              help="Where the service will be served: the printed links start with it.")
def seed_demo(base_url: str) -> None:
    """Fill the database with a demo city and print the accounts."""
    from demo import seed

    for line in seed(base_url):
        click.echo(line)


def register_commands(app: Flask) -> None:
    for command in (init_db, create_user_command, seed_demo, backup_command, restore_command):
        app.cli.add_command(command)
