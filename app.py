"""The application factory: the one place that knows every package."""
from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

import accounts
import audit
import bulk
import checkpoints.blueprints
import dashboard
import federation
import notifications
import passes
import quotas
import staff
import transfers
import whitelist
from audit.cli import audit_cli
from commands import register_commands
from core import (
    auth,
    config,
    db,
    divisions_api,
    errors,
    health,
    i18n,
    jsonio,
    limits,
    logs,
    openapi,
    security,
    ui,
)
from passes.cli import keys_cli
from people import audit_words as people_words
from people.api import api as people_api
from people.cli import people_cli
from people.pages import people_bp
from whitelist import audit_words as whitelist_words

NAV = {
    "admin": [
        ("dashboard.page", _l("Dashboard")),
        ("whitelist.enterprise_list", _l("White list")),
        ("passes.admin_list", _l("Passes")),
        ("checkpoints.admin_list", _l("Checkpoints")),
        ("accounts_admin.users", _l("Accounts")),
        ("scan_log.admin_scans", _l("Scans")),
        ("audit.log", _l("Audit log")),
        ("transfers.admin_list", _l("Handovers")),
        ("notifications.admin_deliveries", _l("Webhooks")),
    ],
    "enterprise": [
        ("whitelist.my_enterprise", _l("My enterprise")),
        ("passes.pass_list", _l("Passes")),
        ("bulk.index", _l("Bulk apply")),
        ("people.roster", _l("Drivers and staff")),
        ("notifications.inbox", _l("Notifications")),
    ],
    "officer": [
        ("scanner.scan", _l("Scan passes")),
        ("checkpoints.home", _l("My checkpoints")),
        ("scan_log.officer_scans", _l("Scan log")),
        ("transfers.new_handover", _l("Record a handover")),
    ],
}


def create_app(test_config: dict | None = None) -> Flask:
    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    config.load_config(app, test_config)
    trust_proxies(app)
    db.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    jsonio.init_app(app)
    logs.init_app(app)
    auth.init_app(app)
    limits.init_app(app)
    security.init_app(app)
    ui.init_app(app, NAV)
    register_blueprints(app)
    notifications.init_app(app)
    passes.init_app()
    app.cli.add_command(audit_cli)
    app.cli.add_command(federation.federation_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(people_cli)
    register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers: per-address rate limits, HSTS and external URLs need them."""
    count = app.config["PROXY_COUNT"]
    if count:
        # Flask's documented way to wrap the app in WSGI middleware.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_blueprints(app: Flask) -> None:
    for words in (people_words, whitelist_words):  # the audit page's words for their codes
        words.register()
    for blueprint in (accounts.bp, staff.admin, whitelist.bp, passes.bp, people_bp,
                      passes.holder, bulk.bulk, checkpoints.blueprints.bp,
                      checkpoints.blueprints.scanner, checkpoints.blueprints.scan_log,
                      quotas.quota_pages,
                      audit.bp, dashboard.bp, transfers.bp):
        app.register_blueprint(blueprint)
    for blueprint in (accounts.api, whitelist.api, passes.api, passes.well_known,
                      checkpoints.blueprints.api, dashboard.api, transfers.api, people_api,
                      openapi.bp, health.bp, quotas.quota_api, federation.api, divisions_api.bp):
        auth.csrf.exempt(blueprint)  # bearer tokens only: the cookie is never read there
        app.register_blueprint(blueprint)
