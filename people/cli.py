"""flask --app app people recheck: the daily drivers' and staff's white-list re-check (cron)."""
import click
from flask.cli import AppGroup

from people import recheck

people_cli = AppGroup("people", help="Drivers and supply staff.")
OPERATOR = "cli"


@people_cli.command("recheck")
def recheck_command() -> None:
    """Drop people whose test lapsed or whose code is not green; safe to run again."""
    result = recheck.recheck(OPERATOR)
    click.echo(f"re-check at {result.at:%Y-%m-%d %H:%M} UTC: {result.dropped_total} dropped, "
               f"{result.restored} restored, {result.off_list} off the white list")
    for name, count in sorted(result.dropped.items(), key=lambda item: (-item[1], item[0])):
        click.echo(f"  {count:>5}  {name}")
