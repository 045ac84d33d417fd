"""How the sources of health facts read on the audit page."""
from flask_babel import lazy_gettext as _l

from audit.labels import describe_values
from people.health import PLATFORM

SOURCE_NAMES = {PLATFORM: _l("Health-code and testing platforms")}


def source_in_words(code: str) -> str:
    if code.startswith("enterprise:"):
        return str(_l("Enterprise %(code)s", code=code.removeprefix("enterprise:")))
    return str(SOURCE_NAMES.get(code, code))


def register() -> None:
    """Name our codes on the audit page (create_app calls this)."""
    describe_values("source", in_words=source_in_words)
