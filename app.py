"""The application factory: the one place that knows every package."""
from flask import Flask
from flask_babel import lazy_gettext as _l

import accounts
import audit
import checkpoints
import whitelist
from audit.cli import audit_cli
from commands import register_commands
from core import auth, config, db, errors, i18n, limits, openapi, ui

NAV = {
    "admin": [
        ("whitelist.enterprise_list", _l("White list")),
        ("checkpoints.admin_list", _l("Checkpoints")),
        ("audit.log", _l("Audit log")),
    ],
    "enterprise": [("whitelist.my_enterprise", _l("My enterprise"))],
    "officer": [("checkpoints.home", _l("Checkpoint"))],
}


def create_app(test_config: dict | None = None) -> Flask:
    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    config.load_config(app, test_config)
    db.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    limits.init_app(app)
    ui.init_app(app, NAV)
    register_blueprints(app)
    app.cli.add_command(audit_cli)
    register_commands(app)
    return app


def register_blueprints(app: Flask) -> None:
    for blueprint in (accounts.bp, whitelist.bp, checkpoints.bp, audit.bp):
        app.register_blueprint(blueprint)
    for blueprint in (accounts.api, whitelist.api, checkpoints.api, openapi.bp):
        auth.csrf.exempt(blueprint)  # bearer tokens only: the cookie is never read there
        app.register_blueprint(blueprint)
