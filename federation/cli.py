"""`flask --app app federation ...`: keep the peers fresh, show them, and the operator's tools."""
from pathlib import Path

import click
from flask.cli import AppGroup

from federation import operator, service

federation_cli = AppGroup("federation", help="Recognise other cities' passes.")


@federation_cli.command("sync")
def sync_command() -> None:
    """Fetch the trust list and every other issuer's feed now; non-zero if any failed."""
    report = service.sync()
    for line in report.lines:
        click.echo(line)
    if report.failures:
        raise SystemExit(1)


@federation_cli.command("status")
def status_command() -> None:
    """Each trusted issuer with the age of its feed."""
    for line in service.status():
        click.echo(line)


@federation_cli.command("make-operator-key")
@click.argument("private_key", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("anchor", type=click.Path(dir_okay=False, path_type=Path))
def make_operator_key(private_key: Path, anchor: Path) -> None:
    """The operator's key pair: PRIVATE_KEY (PEM, keep it offline) and ANCHOR (the public JWK
    set every deployment is given as LP_TRUST_ANCHOR)."""
    kid = operator.make_key(private_key, anchor)
    click.echo(f"operator key {kid}: private key in {private_key}, anchor in {anchor}")


@federation_cli.command("sign-trust-list")
@click.argument("private_key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("issuers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--days", default=30, show_default=True, help="How long the list holds.")
def sign_trust_list_command(private_key: Path, issuers: Path, days: int) -> None:
    """Print a trust list of ISSUERS (JSON) signed with PRIVATE_KEY."""
    click.echo(operator.sign_list(private_key, issuers, days))
