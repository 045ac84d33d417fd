"""Short display names of verdicts and reason codes, for scan lists, filters and charts."""
from flask_babel import lazy_gettext as _l

from checkpoints.reasons import REGISTRY

VERDICT_NAMES = {"pass": _l("Release"), "check": _l("Check"), "deny": _l("Not honoured")}
# From the reason registry, worst first: the order of the scan log's filter and the charts.
REASON_LABELS = {reason.code: reason.label for reason in REGISTRY}
