"""flask --app app audit verify"""
import click
from flask.cli import AppGroup

from audit.service import verify_chain

audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify() -> None:
    """Check the audit log's hash chain; exit non-zero at the first broken entry."""
    checked, broken = verify_chain()
    if broken is None:
        click.echo(f"audit log intact: {checked} entries")
        return
    click.echo(f"audit log broken at entry {broken.entry_id}: {broken.reason} "
               f"({checked} entries before it are intact)", err=True)
    raise SystemExit(1)
