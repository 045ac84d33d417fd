"""Finding #3: the session cookie is Secure whenever the browser reached us over HTTPS,
including through the documented reverse proxy (LP_PROXY_COUNT, X-Forwarded-Proto)."""
import pytest

from tests.conftest import PASSWORD


def session_cookie(response, name: str = "session") -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie")
               if value.startswith(f"{name}=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


def sign_in(client, user, **headers):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD},
                           headers=headers)
    assert response.status_code == 302, response.text
    return response


@pytest.fixture
def behind_proxy(app_config):
    app_config["PROXY_COUNT"] = 1


def test_behind_the_https_proxy_the_session_cookie_is_secure(behind_proxy, client, make_user):
    response = sign_in(client, make_user("admin"), **{"X-Forwarded-Proto": "https"})
    for name in ("session", "lp_device"):  # the sign-in device cookie too
        cookie = session_cookie(response, name)
        assert "; Secure" in cookie
        assert "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_over_direct_https_the_session_cookie_is_secure(client, make_user):
    response = client.post("/login", base_url="https://passes.test",
                           data={"username": make_user("officer").username,
                                 "password": PASSWORD})
    assert "; Secure" in session_cookie(response)


def test_over_plain_http_the_session_cookie_is_not_secure(behind_proxy, client, make_user):
    # Plain http: a Secure cookie would never come back (LP_SESSION_COOKIE_SECURE=true forces it).
    assert "; Secure" not in session_cookie(sign_in(client, make_user("admin")))


def test_a_forged_forwarded_proto_without_a_proxy_does_not_count(client, make_user):
    response = sign_in(client, make_user("admin"), **{"X-Forwarded-Proto": "https"})
    assert "; Secure" not in session_cookie(response)


@pytest.fixture
def always_secure(app_config):
    app_config["SESSION_COOKIE_SECURE"] = True


def test_configured_secure_cookie_is_secure_even_over_http(always_secure, client, make_user):
    response = sign_in(client, make_user("admin"))
    assert "; Secure" in session_cookie(response)
    assert "; Secure" in session_cookie(response, "lp_device")
