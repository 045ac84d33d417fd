"""flask --app app backup PATH | restore PATH [--force]"""
import click
from flask.cli import with_appcontext

from backup.service import BackupError, create_backup, restore_backup

OPERATOR = "cli"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path: str) -> None:
    """Write a consistent backup of the database and the instance secrets to PATH."""
    manifest = create_backup(path, OPERATOR)
    rows = sum(part["rows"] for part in manifest["tables"].values())
    click.echo(f"backup written to {path}: {len(manifest['tables'])} tables, {rows} rows")
    for name, source in manifest["secrets"]["sources"].items():
        if source == "external":
            click.echo(f"{name} comes from outside the instance folder and is not in the "
                       "backup: keep it safely with the file", err=True)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the contents of a database that is not empty.")
@with_appcontext
def restore_command(path: str, force: bool) -> None:
    """Replace the database's contents with the backup in PATH."""
    try:
        manifest = restore_backup(path, OPERATOR, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(part["rows"] for part in manifest["tables"].values())
    click.echo(f"restored {rows} rows from the backup of {manifest['created_at']}")
