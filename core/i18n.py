"""Simplified Chinese by default, English when the user picks it; times in the deployment's zone."""
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import Babel, get_locale

LANGUAGES = {"zh": "中文", "en": "English"}
LANGUAGE_COOKIE = "lang"

babel = Babel()
Words = TypeVar("Words", bound=str | None)


def local_zone() -> ZoneInfo:
    """Where the deployment is: the clock its users read and the calendar day they live by."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_day(moment: datetime) -> tuple[datetime, datetime]:
    """The local calendar day holding `moment`: its midnight and the next, in the local zone."""
    zone = local_zone()
    day = moment.astimezone(zone).date()
    return (datetime.combine(day, time(), zone),
            datetime.combine(day + timedelta(days=1), time(), zone))


def in_language(zh: Words, en: Words) -> Words:
    """Of words kept in both languages in data rather than in the catalogue, the request's."""
    return zh if str(get_locale()) == "zh" else en


def select_locale() -> str:
    """?lang= wins, then the remembered choice, then the deployment's default (Chinese)."""
    if not has_request_context():
        return "zh"
    for choice in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if choice in LANGUAGES:
            return choice
    return "zh"


def _remember_choice(response: Response) -> Response:
    choice = request.args.get("lang")
    if choice in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != choice:
        response.set_cookie(LANGUAGE_COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def translation_directories(root: Path) -> str:
    """Every feature keeps its own catalogue; Flask-Babel merges them."""
    found = sorted(str(path) for path in root.glob("*/translations"))
    return ";".join(found)


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", translation_directories(Path(app.root_path))
    )
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale,
                                 in_language=in_language)
