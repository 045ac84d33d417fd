"""Logs without secrets: a holder page's path is its only key, so it never reaches a log line.

The same filter serves Flask's logger, werkzeug's request log and gunicorn's access and error
logs (gunicorn.conf.py); SQL parameters are kept out by the engine (core/db.py).
"""
import logging
import re

from flask import Flask

# /h/<secret> and everything under it; /h/sw.js is the holder pages' one public file.
HOLDER_SECRET = re.compile(r"/h/(?!sw\.js\b)[A-Za-z0-9_\-]+")
MASK = "/h/[secret]"


def mask_secrets(text: str) -> str:
    return HOLDER_SECRET.sub(MASK, text)


class MaskSecrets(logging.Filter):
    """Rewrites each record's formatted message with every holder secret masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def init_app(app: Flask) -> None:
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, MaskSecrets) for f in logger.filters):
            logger.addFilter(MaskSecrets())
