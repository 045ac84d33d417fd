"""Two app instances behind nginx, run as README's "Deploying on more than one machine" says.

Two gunicorn processes on this run's PostgreSQL database share Redis for the rate limits and
sit behind nginx started from deploy/nginx.conf (bench/harness.py rewrites only its ports,
addresses, certificate and paths). SQLite is one machine's database, so this runs on
PostgreSQL only.
"""
import secrets
from types import SimpleNamespace

import pytest

from bench.harness import app_env, fetch, gunicorn, nginx
from tests.conftest import PASSWORD

LOGIN_LIMIT = 3  # per minute
# The secrets of the `app` fixture (tests/conftest.py), which writes what the instances read.
SECRETS = {"SECRET_KEY": "test-secret", "KEY_ENCRYPTION_SECRET": "test-key-secret"}
pytestmark = [pytest.mark.cluster, pytest.mark.commits]


@pytest.fixture(scope="module")
def cluster(postgres_url):
    """Instances A and B with the same settings and secrets, and nginx in front of both."""
    env = app_env(postgres_url, **SECRETS, LP_PROXY_COUNT="1",
                  LP_LOGIN_LIMITS=f"{LOGIN_LIMIT} per minute",
                  LP_RATELIMIT_KEY_PREFIX=f"lp-test-{secrets.token_hex(4)}")
    with (gunicorn(env, workers=1, threads=4) as a, gunicorn(env, workers=1, threads=4) as b,
          nginx([a.port, b.port]) as proxy):
        yield SimpleNamespace(a=a.url, b=b.url, proxy=proxy, tls=proxy.tls())


def token(base_url: str, user) -> str:
    status, _, body = fetch(base_url, "POST", "/api/v1/auth/token",
                            {"username": user.username, "password": PASSWORD})
    assert status == 200, body
    return body["access_token"]


def failed_login(base_url: str, username: str | None = None, **options) -> int:
    body = {"username": username or f"nobody-{secrets.token_hex(4)}", "password": "wrong"}
    return fetch(base_url, "POST", "/api/v1/auth/token", body, **options)[0]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_change_through_one_instance_is_honoured_by_the_other(
        cluster, app_config, make_user, officer, make_pass):
    assert SECRETS.items() <= app_config.items()
    pass_ = make_pass()
    admin, officer = token(cluster.a, make_user("admin")), token(cluster.b, officer)

    def verdict_at_b():
        status, _, body = fetch(cluster.b, "POST", "/api/v1/verify",
                                {"qr": pass_.qr_text, "checkpoint": "CP-HAICHENG"}, officer)
        assert status == 200, body
        return body["verdict"], [reason["code"] for reason in body["reasons"]]

    def through_a(method, path, body):
        assert fetch(cluster.a, method, path, body, admin)[0] == 200

    assert verdict_at_b() == ("pass", [])
    colour = f"/api/v1/enterprises/{pass_.enterprise_code}/colour"
    through_a("PUT", colour, {"colour": "yellow", "reason": "密接"})
    assert verdict_at_b() == ("check", ["enterprise_yellow"])
    through_a("PUT", colour, {"colour": "green", "reason": "解除"})
    assert verdict_at_b() == ("pass", [])
    through_a("POST", f"/api/v1/passes/{pass_.number}/revoke", {"reason": "车辆更换"})
    assert verdict_at_b()[0] == "deny" and "revoked" in verdict_at_b()[1]


def test_failed_logins_are_counted_across_instances(cluster):
    # Per account and per address (127.0.0.4, the client's own as no proxy is in between).
    username = f"nobody-{secrets.token_hex(4)}"
    statuses = [failed_login((cluster.a, cluster.b)[n % 2], username, source="127.0.0.4")
                for n in range(LOGIN_LIMIT + 1)]
    assert statuses == [401] * LOGIN_LIMIT + [429]


def test_through_nginx_the_limit_keys_on_the_client_address(cluster):
    # Direct failures put 127.0.0.1, nginx's own address towards the app, over the limit.
    for _ in range(LOGIN_LIMIT + 1):
        failed_login(cluster.a)
    assert failed_login(cluster.a) == 429

    def through_nginx(source, **options):
        return failed_login(cluster.proxy.url, source=source, tls=cluster.tls, **options)

    assert [through_nginx("127.0.0.2") for _ in range(LOGIN_LIMIT + 1)] == (
        [401] * LOGIN_LIMIT + [429])
    assert through_nginx("127.0.0.2", headers={"X-Forwarded-For": "10.1.2.3"}) == 429
    assert through_nginx("127.0.0.3") == 401


def test_nginx_serves_https_only_and_the_app_knows_it(cluster):
    status, headers, _ = fetch(f"http://127.0.0.1:{cluster.proxy.http_port}", "GET",
                               "/checkpoint/scan")
    assert status == 301
    assert headers["Location"] == "https://127.0.0.1/checkpoint/scan"
    _, headers, _ = fetch(cluster.proxy.url, "GET", "/healthz", tls=cluster.tls)
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    _, headers, _ = fetch(cluster.a, "GET", "/healthz")
    assert "Strict-Transport-Security" not in headers
