"""What every page template can use: navigation, names of codes, small filters."""
from typing import Any

from flask import Flask, request
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from core.divisions import default_divisions

COLOUR_NAMES = {"green": _l("Green"), "yellow": _l("Yellow"), "red": _l("Red")}
STATE_NAMES = {
    "pending": _l("Pending review"),
    "approved": _l("White-listed"),
    "rejected": _l("Rejected"),
    "suspended": _l("Suspended from the white list"),
}
KIND_NAMES = {
    "highway_exit": _l("Highway exit"),
    "park_gate": _l("Park gate"),
    "transfer_station": _l("Transfer station"),
}
ROLE_NAMES = {"admin": _l("Authority"), "enterprise": _l("Enterprise"), "officer": _l("Officer")}


def query_args(**more: object) -> dict[str, Any]:
    """The request's query arguments with `more` over them, for links back to this page.

    Names url_for keeps for itself (endpoint, _external, _scheme, _anchor, _method) are
    dropped: a visitor's ?endpoint= or ?_scheme= must not break or steer the links. Any: what
    url_for takes as **values, whose underscored names it types one by one."""
    kept = {name: value for name, value in request.args.items()
            if name != "endpoint" and not name.startswith("_")}
    return kept | more


def init_app(app: Flask, nav: dict[str, list[tuple[str, object]]]) -> None:
    """nav maps each role to its (endpoint, label) links, in menu order."""

    # Globals rather than a context processor, so imported macros see them too.
    app.jinja_env.globals.update(
        nav_links=lambda user: nav.get(user.role, []),
        colour_name=lambda code: COLOUR_NAMES.get(code, code),
        state_name=lambda code: STATE_NAMES.get(code, code),
        role_name=lambda code: ROLE_NAMES.get(code, code),
        kind_name=lambda code: KIND_NAMES.get(code, code),
        query_args=query_args,
        county_full_name=lambda code: default_divisions().full_name(code)
        if default_divisions().is_county(code) else None,
    )

    app.add_template_filter(lambda d, **more: {**d, **more}, "combine")
    app.add_template_filter(lambda value: format_datetime(value, "yyyy-MM-dd HH:mm")
                            if value else "", "when")
