"""How the white list's codes read on the audit page: categories and reasons."""
from audit.labels import describe_values
from core.i18n import in_language
from whitelist.reasons import reason_in_words
from whitelist.reference import CATEGORIES

CATEGORY_ROWS = {row["code"]: row for row in CATEGORIES}


def category_in_words(code: str) -> str:
    names = CATEGORY_ROWS.get(code)
    if names is None:
        return code
    return in_language(names["name_zh"], names["name_en"])


def register() -> None:
    """Name our codes on the audit page (create_app calls this)."""
    describe_values("cargo", "categories", in_words=category_in_words)
    describe_values("reason", in_words=reason_in_words)
