"""flask --app app audit verify | anchor"""
import click
from flask.cli import AppGroup

from audit.anchor import AnchorFileTampered, anchor_head, anchor_path, verify_log

audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify() -> None:
    """Check the audit log's hash chain and its signed heads; exit non-zero if edited."""
    try:
        result = verify_log()
    except AnchorFileTampered as error:
        click.echo(f"audit anchors broken: {error}", err=True)
        raise SystemExit(1) from None
    if result.broken is not None:
        click.echo(f"audit log broken at entry {result.broken.entry_id}: {result.broken.reason} "
                   f"({result.checked} entries before it are intact)", err=True)
        raise SystemExit(1)
    click.echo(f"audit log intact: {result.checked} entries")
    if result.latest is None:
        click.echo(f"no signed head in {anchor_path()}: truncation cannot be ruled out")
    else:
        click.echo(f"latest signed head: entry {result.latest.entry_id} at "
                   f"{result.latest.at:%Y-%m-%d %H:%M:%S} UTC; {result.unsigned} entries after it")
    if result.foreign:
        click.echo(f"{result.foreign} heads signed with another key were not checked")


@audit_cli.command("anchor")
def anchor() -> None:
    """Sign the chain's newest entry now and append it to the anchor file (for a timer)."""
    signed = anchor_head()
    if signed is None:
        click.echo("audit log empty: nothing to sign")
        return
    click.echo(f"signed head: entry {signed.entry_id} {signed.hash} -> {anchor_path()}")
