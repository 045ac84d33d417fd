"""Domain events: services announce a change inside their transaction; subscribers add to it.

A subscriber runs synchronously in the publisher's session, so whatever it writes commits
or rolls back with the change itself. Publishers never import their subscribers.
"""
from blinker import Namespace

_events = Namespace()

# sender: the Enterprise; keyword data: from_colour, to_colour, reason, by.
colour_changed = _events.signal("enterprise.colour_changed")
# sender: the Pass; keyword data: reason, by.
pass_revoked = _events.signal("pass.revoked")
# A question rather than an announcement: what would stop if the enterprise turned red now?
# sender: the Enterprise; keyword data: now. Each receiver returns a Mapping of counts.
red_impact = _events.signal("enterprise.red_impact")
# sender: the Enterprise; keyword data: reason, by. Off the white list: its passes are refused.
enterprise_suspended = _events.signal("enterprise.suspended")
# sender: the Person; keyword data: causes (reason codes newly true of them: test_positive,
# driver_not_green). Every checkpoint now refuses the passes they hold.
holder_refused = _events.signal("person.holder_refused")
# sender: the enterprise's id; keyword data: cause (a reason code: enterprise_red,
# enterprise_not_whitelisted, key_revoked, test_positive, driver_not_green), numbers (its live
# passes every checkpoint now refuses).
passes_refused = _events.signal("passes.refused")
