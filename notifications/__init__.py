"""Notifications for enterprise clerks and signed webhook events."""
from flask import Flask

from notifications import service
from notifications.routes import bp
from notifications.webhooks import DEFAULTS, webhooks_cli


def init_app(app: Flask) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    if app.config.get("WEBHOOK_TEST_ALLOW_NETWORKS") and not app.testing:
        raise ValueError("WEBHOOK_TEST_ALLOW_NETWORKS is for the test suite only")
    service.subscribe()
    app.cli.add_command(webhooks_cli)
    app.register_blueprint(bp)
    app.jinja_env.globals["unread_notifications"] = service.unread_count
    app.jinja_env.globals["webhook_secret"] = service.secret_of
