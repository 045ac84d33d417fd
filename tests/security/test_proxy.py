"""Behind a reverse proxy (PROXY_COUNT): whose X-Forwarded-* headers the app believes."""
import secrets

import pytest

from app import create_app


def failed_login(client, forwarded_for: str) -> int:
    body = {"username": f"nobody-{secrets.token_hex(4)}", "password": "wrong"}
    response = client.post("/api/v1/auth/token", json=body,
                           headers={"X-Forwarded-For": forwarded_for})
    return response.status_code


def a_client_address() -> str:
    """A fresh address each time: the limiter's memory store outlives one test's app."""
    return f"198.51.100.{secrets.randbelow(250) + 1}, 203.0.113.{secrets.randbelow(250) + 1}"


@pytest.fixture
def behind_proxy(app_config):
    app_config |= {"PROXY_COUNT": 1, "LOGIN_LIMITS": "2 per minute"}


@pytest.fixture
def no_proxy(app_config):
    app_config["LOGIN_LIMITS"] = "2 per minute"


def test_behind_one_proxy_failed_logins_count_per_forwarded_address(behind_proxy, client):
    first, second = a_client_address(), a_client_address()
    assert [failed_login(client, first) for _ in range(3)] == [401, 401, 429]
    # The same proxy, another client: only the last forwarded address is the client's.
    assert failed_login(client, second) == 401
    assert failed_login(client, "10.9.9.9, " + first.split(", ")[1]) == 429


def test_behind_one_proxy_https_at_the_proxy_is_a_secure_request(behind_proxy, client):
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_without_a_proxy_forwarded_headers_are_ignored(no_proxy, client):
    client.environ_base["REMOTE_ADDR"] = a_client_address().split(", ")[0]
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
    statuses = [failed_login(client, a_client_address()) for _ in range(3)]
    assert statuses[-1] == 429  # every request counted against the connection's address


@pytest.mark.parametrize("count", [-1, "1", True])
def test_a_proxy_count_that_is_not_a_count_stops_the_start(app_config, count):
    with pytest.raises(ValueError, match="PROXY_COUNT"):
        create_app(app_config | {"PROXY_COUNT": count})
