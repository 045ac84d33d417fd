"""Reasons in words: for the scanning page's table, and for a driver or clerk."""
from flask_babel import gettext as _

from checkpoints.judging import PolicyText, Verdict
from checkpoints.reasons import BY_CODE, REGISTRY
from whitelist.service import colour_policy


def reason_messages() -> dict[str, object]:
    """The message of every reason code, the colour ones from the policy data."""
    messages = {reason.code: reason.message for reason in REGISTRY}
    for policy in colour_policy().values():
        if policy.reason_code:
            messages[policy.reason_code] = PolicyText(policy.action_zh, policy.action_en)
    return messages


def personnel_reason_messages() -> dict[str, object]:
    """The reasons worded otherwise for a supply-staff pass (ReasonCode.message_for)."""
    return {reason.code: reason.personnel_message for reason in REGISTRY
            if reason.personnel_message}


def crew_reason_messages() -> dict[str, object]:
    """The reasons worded otherwise when said of a crew member (ReasonCode.message_for)."""
    return {reason.code: reason.crew_message for reason in REGISTRY if reason.crew_message}


def in_plain_words(result: Verdict) -> str | None:
    """The verdict as a driver or clerk understands it; None when checkpoints release it."""
    if result.verdict == "pass":
        return None
    kind = result.pass_.kind if result.pass_ else None
    crew = result.pass_ is not None and result.pass_.only_crew_positive
    why = _("; ").join(str(BY_CODE[code].holder_message_for(kind, crew=crew))
                       for code in result.codes)
    if result.verdict == "deny":
        return _("Checkpoints will refuse this pass because %(why)s.", why=why)
    return _("Checkpoints will stop this pass for a check because %(why)s.", why=why)
