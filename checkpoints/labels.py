"""Short display names of verdicts and reason codes, for scan lists, filters and charts."""
from flask_babel import lazy_pgettext

from checkpoints.reasons import REGISTRY

# The verdict's own words, as the scanning page shows them.
VERDICT_NAMES = {"pass": lazy_pgettext("verdict", "Pass"),
                 "check": lazy_pgettext("verdict", "Check"),
                 "deny": lazy_pgettext("verdict", "Not honoured")}
# From the reason registry, worst first: the order of the scan log's filter and the charts.
REASON_LABELS = {reason.code: reason.label for reason in REGISTRY}
