"""Finding #5: the webhook URL was an SSRF port scanner; its secret was stored in the clear.

A webhook goes over https to public addresses only, checked when it is saved and again at
each delivery on the address actually connected to; redirects are not followed; the
enterprise sees delivered or failed, never the peer's answer; the secret is encrypted.
"""
import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from core import crypto
from core.db import db
from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.webhooks import deliver_due
from tests.conftest import count_rows
from tests.integration.webhook_receiver import HOOK_HOST
from whitelist.inputs import NewColour
from whitelist.service import set_colour

HOSTILE_URLS = [
    "http://erp.example.com/hook",  # plain http
    "ftp://erp.example.com/hook",
    "file:///etc/passwd",
    "https://user:pw@erp.example.com/hook",  # credentials
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "https://10.0.0.1/hook", "https://172.16.0.1/hook", "https://192.168.1.1/hook",
    "https://127.0.0.1/hook", "https://127.0.0.1:8443/hook",
    "https://0.0.0.0/hook", "https://100.64.0.1/hook",  # unspecified, CGNAT
    "https://224.0.0.1/hook", "https://240.0.0.1/hook", "https://255.255.255.255/hook",
    "https://2130706433/hook", "https://0x7f000001/hook",  # decimal, hex 127.0.0.1
    "https://0177.0.0.1/hook", "https://127.1/hook", "https://017700000001/hook",  # octal, short
    "https://0xa9.0xfe.0xa9.0xfe/hook",  # hex 169.254.169.254
    "https://[::1]/hook", "https://[::]/hook", "https://[fe80::1]/hook", "https://[fc00::1]/hook",
    "https://[ff02::1]/hook", "https://[::ffff:127.0.0.1]/hook", "https://[::ffff:a9fe:a9fe]/hook",
    "https://[2002:7f00:1::]/hook", "https://[64:ff9b::a00:1]/hook",  # 6to4, NAT64
    "https://localhost/hook", "https://internal.example.com/hook",  # names of private addresses
    "https://split.example.com/hook",  # one public and one private address
    "https://metadata.example.com/hook",  # a name for 169.254.169.254
    "https://unknown.example.com/hook",  # does not resolve
    "https://erp.example.com:0/hook", "https://erp.example.com:99999/hook",
]


class _Admin:
    username = "test-admin"
    role = "admin"
    enterprise_id = None


@pytest.fixture(autouse=True)
def test_dns(app_config, dns):
    app_config["WEBHOOK_RESOLVER"] = dns


@pytest.fixture
def clerk(make_user, make_enterprise):
    firm = make_enterprise()
    return firm, make_user("enterprise", enterprise=firm.code)


def _recolour(app, code):
    with app.app_context():
        set_colour(code, NewColour("yellow", "密接"), _Admin())


def test_webhook_url_to_a_private_or_odd_address_is_refused(dns, clerk, client, login):
    dns.names |= {"localhost": ["127.0.0.1"], "internal.example.com": ["10.1.2.3"],
                  "split.example.com": ["93.184.215.14", "192.168.0.9"],
                  "metadata.example.com": ["169.254.169.254"]}
    login(clerk[1])
    accepted = [url for url in HOSTILE_URLS
                if client.post("/notifications/webhook", data={"url": url}).status_code != 422]
    assert accepted == []
    assert client.post("/notifications/webhook",
                       data={"url": "https://erp.example.com/hook"}).status_code == 302


def test_hostile_urls_store_nothing(app, client, clerk, login):
    login(clerk[1])
    response = client.post("/notifications/webhook",
                           data={"url": "https://169.254.169.254/latest/meta-data/"})
    assert response.status_code == 422
    assert count_rows(app, WebhookEndpoint) == 0


def test_delivery_to_a_name_that_now_resolves_privately_is_refused_at_connect_time(
        webhook_settings, app, dns, clerk, client, login, receiver):
    hook = receiver()
    dns.names["rebind.example.com"] = ["93.184.215.14"]  # public when saved
    login(clerk[1])
    url = f"https://rebind.example.com:{hook.port}/hook"
    assert client.post("/notifications/webhook", data={"url": url}).status_code == 302
    dns.names["rebind.example.com"] = ["169.254.169.254"]  # ... then rebound
    _recolour(app, clerk[0].code)
    with app.app_context():
        assert deliver_due()["retry"] == 1
        delivery = db.session.scalar(sa.select(WebhookDelivery))
        assert delivery.last_error.startswith("refused")
    assert hook.requests == []


def test_delivery_connects_to_the_checked_address_with_the_name_for_tls(
        webhook_settings, app, dns, clerk, client, login, receiver):
    hook = receiver()
    login(clerk[1])
    client.post("/notifications/webhook", data={"url": hook.url})
    _recolour(app, clerk[0].code)
    dns.lookups.clear()
    with app.app_context():
        assert deliver_due()["delivered"] == 1
    # One lookup, then the connection went to its answer (127.0.0.1 exists in no real DNS
    # for this name), with the name in the TLS handshake and the Host header.
    assert dns.lookups == [HOOK_HOST]
    assert hook.sni == [HOOK_HOST]
    assert hook.requests[0][0]["Host"] == f"{HOOK_HOST}:{hook.port}"


def test_redirect_is_not_followed(webhook_settings, app, clerk, client, login, receiver):
    hook = receiver(302)
    login(clerk[1])
    client.post("/notifications/webhook", data={"url": hook.url})
    _recolour(app, clerk[0].code)
    with app.app_context():
        assert deliver_due()["retry"] == 1
    assert len(hook.requests) == 1


@pytest.mark.parametrize("answer", [418, "closed port"])
def test_enterprise_sees_failed_not_the_peers_answer(webhook_settings, app, clerk, client,
                                                     login, receiver, answer):
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 1
    hook = receiver(418)
    if answer == "closed port":
        hook.close()
    login(clerk[1])
    client.post("/notifications/webhook", data={"url": hook.url})
    _recolour(app, clerk[0].code)
    with app.app_context():
        assert deliver_due()["failed"] == 1
    page = client.get("/notifications").text
    assert "失败" in page
    # The hook's own address (its port), the secret and the event ids may hold "418" by
    # chance: leave out the address and every run of 4 or more hex digits.
    page = re.sub(r"[0-9a-f]{4,}", "", page.replace(hook.url, ""))
    for leak in ("418", "HTTP", "connection", "refused", "Errno"):
        assert leak not in page


def test_webhook_secret_is_stored_encrypted(app, client, clerk, login):
    login(clerk[1])
    client.post("/notifications/webhook", data={"url": "https://erp.example.com/hook"})
    page = client.get("/notifications").text
    with app.app_context():
        (sealed,) = db.session.execute(sa.text("SELECT sealed_secret FROM webhook_endpoints")).one()
        secret = crypto.decrypt_secret(bytes(sealed), app.config["KEY_ENCRYPTION_SECRET"].encode())
    assert len(secret) == 64 and secret in page  # the clerk still reads it
    assert secret.encode() not in bytes(sealed)


@pytest.mark.commits  # drops and reflects the schema through the engine
def test_migration_encrypts_existing_plain_secrets(app):
    plain = "ab" * 32
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        try:
            upgrade(revision="8cfebad319da")
            with db.engine.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO enterprises (id, code, name, address, contact_name, "
                    "contact_phone, state, created_at, updated_at) VALUES (1, 'X', 'X', 'X', "
                    "'X', 'X', 'approved', '2026-01-01', '2026-01-01')"))
                connection.execute(sa.text(
                    "INSERT INTO webhook_endpoints (enterprise_id, url, secret, updated_at) "
                    "VALUES (1, 'https://erp.example.com/hook', :secret, '2026-01-01')"),
                    {"secret": plain})
            upgrade(revision="a7c3e91d2f4b")
            with db.engine.connect() as connection:
                (sealed,) = connection.execute(
                    sa.text("SELECT sealed_secret FROM webhook_endpoints")).one()
            key = app.config["KEY_ENCRYPTION_SECRET"].encode()
            assert crypto.decrypt_secret(bytes(sealed), key) == plain
        finally:
            # The database now holds the old schema, whose tables depend on
            # each other differently from today's models: drop what is there.
            old_schema = sa.MetaData()
            old_schema.reflect(db.engine)
            old_schema.drop_all(db.engine)
            db.create_all()


def test_test_only_address_allowance_is_refused_outside_tests(tmp_path):
    with pytest.raises(ValueError, match="WEBHOOK_TEST_ALLOW_NETWORKS"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                    "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                    "KEY_ENCRYPTION_SECRET": "x",
                    "WEBHOOK_TEST_ALLOW_NETWORKS": ["127.0.0.0/8"]})
