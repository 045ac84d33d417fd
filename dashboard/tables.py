"""The dashboard's tables as CSV: UTF-8 with a BOM, so Excel reads the Chinese names right."""
import io

from flask_babel import format_datetime
from flask_babel import gettext as _

from checkpoints.labels import REASON_LABELS, VERDICT_NAMES
from core.spreadsheet import csv_writer
from core.ui import COLOUR_NAMES, KIND_NAMES, STATE_NAMES
from whitelist.models import COLOURS

TABLES = ("checkpoints", "hourly", "verdicts", "reasons", "enterprises", "retest")


def to_csv(table: str, data: dict) -> str:
    """The named table of a dashboard overview as CSV text, BOM first."""
    header, rows = BUILDERS[table](data)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv_writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _when(moment) -> str:
    return format_datetime(moment, "yyyy-MM-dd HH:mm") if moment else ""


def _checkpoints(data):
    header = [_("Code"), _("Checkpoint"), _("Kind"), _("Scans (24 h)"),
              *(VERDICT_NAMES[v] for v in VERDICT_NAMES), _("Last scan"), _("Silent")]
    rows = [[row.code, row.name, KIND_NAMES.get(row.kind, row.kind), row.total,
             *row.verdicts.values(), _when(row.last_scan), _("yes") if row.silent else _("no")]
            for row in data["checkpoints"]]
    return header, rows


def _hourly(data):
    header = [_("Code"), _("Checkpoint"),
              *(format_datetime(start, "MM-dd HH:00") for start in data["hours"])]
    return header, [[row.code, row.name, *row.hourly] for row in data["checkpoints"]]


def _verdicts(data):
    header = [_("Verdict"), _("Scans (24 h)"), _("Scans (all time)")]
    return header, [[VERDICT_NAMES[verdict], count, data["stats"]["scans"][verdict]]
                    for verdict, count in data["verdicts"].items()]


def _reasons(data):
    header = [_("Reason code"), _("Reason"), _("Scans (24 h)")]
    return header, [[code, REASON_LABELS.get(code, code), count]
                    for code, count in data["reasons"]]


def _enterprises(data):
    header = [_("State"), *(COLOUR_NAMES[c] for c in COLOURS), _("No colour yet"), _("Total")]
    return header, [[STATE_NAMES[state], *counts.values(), sum(counts.values())]
                    for state, counts in data["enterprises"].items()]


def _retest(data):
    header = [_("Credit code"), _("Enterprise"), _("People to re-test"),
              _("Their unexpired passes")]
    return header, [list(row) for row in data["people"]["retest"]]


BUILDERS = {"checkpoints": _checkpoints, "hourly": _hourly, "verdicts": _verdicts,
            "reasons": _reasons, "enterprises": _enterprises, "retest": _retest}
