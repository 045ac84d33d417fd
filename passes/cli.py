"""flask --app app keys rotate | list | revoke KID"""
import click
from flask.cli import AppGroup

from core.errors import DomainError
from passes import revocation
from passtokens import keys

keys_cli = AppGroup("keys", help="Pass signing keys.")
OPERATOR = "cli"


@keys_cli.command("rotate")
def rotate() -> None:
    """Add a key that signs from now on; older keys stay published until their passes expire."""
    key = keys.create_key(OPERATOR)
    click.echo(f"new signing key {key.kid}")


@keys_cli.command("list")
def list_keys() -> None:
    """Every key with its state."""
    published = {key.kid for key in keys.published_keys()}
    for key in keys.all_keys():
        if key.revoked_at:
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}"
        elif key.retired_at is None:
            state = "signing"
        else:
            state = "published" if key.kid in published else "expired"
        last = f"{key.last_pass_expires_at:%Y-%m-%d %H:%M}" if key.last_pass_expires_at else "-"
        click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}  {state:<24}"
                   f"last pass expires {last}")


@keys_cli.command("revoke")
@click.argument("kid")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
def revoke(kid: str, yes: bool) -> None:
    """Revoke a compromised key: its passes are denied at the next scan."""
    try:
        if not yes:
            count = revocation.passes_refused_by_revoking(kid)
            click.confirm(f"{count} passes will be refused at every checkpoint. "
                          f"Revoke key {kid}?", abort=True)
        affected = revocation.revoke_key(kid, OPERATOR)
    except DomainError as error:
        raise click.ClickException(f"{kid}: {error.message}") from None
    click.echo(f"revoked {kid}; {len(affected)} valid passes to re-issue:")
    for number in affected:
        click.echo(f"  {number}")
