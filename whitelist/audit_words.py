"""How the white list's codes read on the audit page: categories and reasons."""
from flask_babel import get_locale

from audit.labels import describe_values
from whitelist.reasons import reason_in_words
from whitelist.reference import CATEGORIES

CATEGORY_ROWS = {row["code"]: row for row in CATEGORIES}


def category_in_words(code: str) -> str:
    names = CATEGORY_ROWS.get(code)
    if names is None:
        return code
    return names["name_en" if str(get_locale()).startswith("en") else "name_zh"]


def register() -> None:
    """Name our codes on the audit page (create_app calls this)."""
    describe_values("cargo", "categories", in_words=category_in_words)
    describe_values("reason", in_words=reason_in_words)
