"""Request JSON parsed within a nesting bound, so a deep body is a 400, never a 500."""
import json
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

# Our deepest document (a health-results batch) nests 4 levels; every walker stays shallow.
MAX_DEPTH = 32


class TooDeep(ValueError):
    """A ValueError, so werkzeug answers it as malformed JSON."""


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as error:  # the C decoder recurses once per level
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels") from error
        if _depth(value) > MAX_DEPTH:
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
        return value


def _depth(value: object) -> int:
    """Nesting depth, measured without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item)
    return deepest


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
