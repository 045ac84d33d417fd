"""CSRF on every form, private keys and the key secret never shown, lockout that reveals
nothing, and failed-login counters shared through Redis."""
import base64
import re
import uuid

import pytest
import redis
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from werkzeug.routing.converters import AnyConverter

from app import create_app
from core.db import db
from passtokens import keys
from passtokens.models import SigningKey
from tests.conftest import PASSWORD
from tests.integration.pass_data import make_clerk, vehicle

REDIS_URL = "redis://127.0.0.1:6379/0"


def page_posts(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            yield rule


def build(rule) -> str:
    values = {name: sorted(converter.items)[0] if isinstance(converter, AnyConverter) else "1"
              for name, converter in rule._converters.items()}
    return rule.build(values)[1]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_page_post_without_a_csrf_token_is_400(app_config, make_user, database_url):
    app = create_app(app_config | {"WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
    users = [make_user(role) for role in ("admin", "officer")]
    failures, walked = [], 0
    for user in [None, *users]:
        client = app.test_client()
        if user:
            # Signing in needs the form's token, like any browser.
            page = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
            response = client.post("/login", data={"username": user.username,
                                                   "password": PASSWORD, "csrf_token": token})
            assert response.status_code == 302, response.text
        for rule in page_posts(app):
            if rule.endpoint == "accounts.logout":
                continue  # walked last, below
            response = client.post(build(rule), data={"username": "x", "password": "y"})
            walked += 1
            if response.status_code != 400:
                failures.append(f"POST {rule.rule} as {user and user.role}: "
                                f"{response.status_code}")
        assert client.post("/logout").status_code == 400
    assert walked > 10
    assert failures == [], "\n".join(failures)
    with app.app_context():
        db.engine.dispose()


def private_forms(app) -> list[str]:
    """Every encoding of every private key, and the secret that encrypts them."""
    forms = [app.config["KEY_ENCRYPTION_SECRET"]]
    with app.app_context():
        for key in db.session.scalars(sa.select(SigningKey)):
            private = keys.private_key(key)
            der = private.private_bytes(serialization.Encoding.DER,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
            pem = private.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
            scalar = private.private_numbers().private_value.to_bytes(32, "big")
            forms += [pem.decode().splitlines()[1], base64.b64encode(der).decode()[:40],
                      base64.urlsafe_b64encode(scalar).decode().rstrip("=")]
            forms.append(base64.b64encode(key.private_key).decode()[:40])
    return forms


def test_no_route_and_no_command_shows_a_private_key(app, client, make_user, make_enterprise,
                                                     token_for, login, runner):
    clerk = make_clerk(make_user, make_enterprise, token_for)
    issued = client.post("/api/v1/passes", headers=clerk.headers, json=vehicle()).json
    admin = make_user("admin")
    headers = token_for(admin)
    login(admin)
    forms = private_forms(app)
    urls = {rule.rule: build(rule) for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"}
    urls |= {"pass": f"/api/v1/passes/{issued['number']}", "page": f"/passes/{issued['number']}",
             "holder": issued["holder_url"].split("passes.test")[1]}
    for url in urls.values():
        response = client.get(url, headers=headers if url.startswith("/api/") else {})
        body = response.get_data()
        response.close()
        assert not [form for form in forms if form.encode() in body], url
    for args in (["keys", "list"], ["keys", "rotate"], ["keys", "list"]):
        output = runner.invoke(args=args).output
        assert not [form for form in forms if form in output], args


def fail_login(client, username, address):
    return client.post("/api/v1/auth/token", json={"username": username, "password": "wrong-1"},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_lockout_reads_the_same_for_a_real_and_an_unknown_account(app_config, make_user,
                                                                  database_url):
    app = create_app(app_config | {"LOGIN_LIMITS": "3 per minute"})
    with app.app_context():
        db.create_all()
    real = make_user("admin").username
    client = app.test_client()
    # Tries at both names alternate, so that both lockouts are read at the same moment:
    # the wait they state moves with the clock.
    names = {real: "10.0.0.1", "nobody-at-all": "10.0.0.2"}
    first = {name: fail_login(client, name, address) for name, address in names.items()}
    for _ in range(2):
        for name, address in names.items():
            fail_login(client, name, address)
    locked = {name: fail_login(client, name, address) for name, address in names.items()}
    for name in names:
        assert (first[name].status_code, locked[name].status_code) == (401, 429)
    assert (first[real].json, locked[real].json) == (first["nobody-at-all"].json,
                                                      locked["nobody-at-all"].json)

    def page_try(name, address):
        return client.post("/login", data={"username": name, "password": "x"},
                           environ_base={"REMOTE_ADDR": address})

    names = {real: "10.0.1.1", "nobody-at-all": "10.0.1.2"}
    for _ in range(3):
        for name, address in names.items():
            page_try(name, address)
    page = {}
    for name, address in names.items():
        response = page_try(name, address)
        assert response.status_code == 429
        # The form keeps the typed name, and carries a token of its own each time.
        text = re.sub(r'name="csrf_token" value="[^"]+"', "", response.text)
        page[name] = text.replace(name, "the typed name")
    assert page[real] == page["nobody-at-all"]
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own, whose keys are removed afterwards."""
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"lp-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in server.scan_iter(f"*{prefix}*"):
        server.delete(key)
    server.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_instances_share_the_failed_login_count_through_redis(app_config, make_user,
                                                                  redis_prefix, database_url):
    config = app_config | {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix,
                           "LOGIN_LIMITS": "3 per minute"}
    first, second = create_app(config), create_app(config)
    with first.app_context():
        db.create_all()
    user = make_user("admin").username
    for _ in range(3):
        assert fail_login(first.test_client(), user, "10.0.2.1").status_code == 401
    locked = fail_login(second.test_client(), user, "10.0.2.2")
    assert locked.status_code == 429
    assert "Retry-After" in locked.headers
    for each in (first, second):
        with each.app_context():
            db.engine.dispose()
