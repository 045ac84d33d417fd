"""The reasons the system itself writes on colour changes, in the reader's language."""
from flask_babel import gettext as _

from whitelist.reference import FIRST_APPROVAL_REASON


def reason_in_words(reason: str | None) -> str:
    """A colour change's reason as written, but the one the system writes in the user's
    language (the reason is stored in Chinese, as the city's records are kept)."""
    if reason == FIRST_APPROVAL_REASON:
        return _("Put on the white list")
    return reason or ""
