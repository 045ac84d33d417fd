"""Signing in: sessions, bearer tokens, throttling of failed attempts."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.models import ApiToken, User
from core.db import db, utcnow
from tests.conftest import PASSWORD


def test_login_sends_each_role_to_its_start_page(client, make_user, make_enterprise):
    for role, start in [("admin", "/admin/dashboard"), ("officer", "/checkpoint/scan")]:
        user = make_user(role)
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.headers["Location"] == start
        client.post("/logout")


def test_login_follows_next_only_within_the_site(client, make_user):
    user = make_user("admin")
    form = {"username": user.username, "password": PASSWORD}
    inside = client.post("/login?next=/admin/audit", data=form)
    assert inside.headers["Location"] == "/admin/audit"
    client.post("/logout")
    outside = client.post("/login?next=https://evil.example/", data=form)
    assert outside.headers["Location"] == "/admin/dashboard"


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user):
    user = make_user("admin")
    wrong = client.post("/login", data={"username": user.username, "password": "nope-123"})
    unknown = client.post("/login", data={"username": "ghost", "password": "nope-123"})
    assert wrong.status_code == unknown.status_code == 401
    assert without_csrf_token(wrong.text.replace(user.username, "ghost")) == without_csrf_token(
        unknown.text)


def without_csrf_token(page: str) -> str:
    """The form's CSRF token carries a timestamp; the rest of the page must match."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def test_token_endpoint_issues_a_bearer_token(app, client, make_user):
    user = make_user("officer")
    response = client.post("/api/v1/auth/token",
                           json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert response.json["token_type"] == "Bearer"
    assert response.json["expires_in"] == 3600
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        assert response.json["access_token"] not in stored.token_hash


def test_bad_credentials_on_the_api_are_401_json(client, make_user):
    user = make_user("admin")
    response = client.post("/api/v1/auth/token", json={"username": user.username,
                                                       "password": "wrong-123"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "bad_credentials"


def test_expired_and_revoked_tokens_are_refused(app, client, make_user, token_for):
    user = make_user("admin")
    headers = token_for(user)
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 200
    with app.app_context():
        db.session.scalars(select(ApiToken)).one().expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 401

    fresh = token_for(user)
    assert client.post("/api/v1/auth/revoke", headers=fresh).status_code == 204
    assert client.get("/api/v1/enterprises", headers=fresh).status_code == 401


def test_deactivated_account_cannot_sign_in(app, client, make_user):
    user = make_user("admin")
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    response = client.post("/api/v1/auth/token",
                           json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 401


@pytest.fixture
def app_config(app_config):
    return app_config | {"LOGIN_LIMITS": "3 per minute"}


def test_repeated_failed_logins_are_throttled_with_retry_after(client, make_user):
    user = make_user("admin")
    for _ in range(3):
        response = client.post("/api/v1/auth/token",
                               json={"username": user.username, "password": "wrong-123"})
        assert response.status_code == 401
    blocked = client.post("/api/v1/auth/token",
                          json={"username": user.username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.json["error"]["code"] == "too_many_requests"


def test_successful_logins_are_not_counted(client, make_user):
    user = make_user("admin")
    for _ in range(5):
        response = client.post("/api/v1/auth/token",
                               json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200


def test_page_forms_require_a_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user("admin")
    response = app.test_client().post("/login", data={"username": user.username,
                                                       "password": PASSWORD})
    assert response.status_code == 400
    assert "此表单打开时间过长" in response.text  # the refused-form page, in the user's language


def test_a_signed_in_user_opening_the_login_page_goes_on_to_where_they_were_headed(
        client, make_user, login):
    login(make_user("officer"))
    response = client.get("/login?next=/checkpoint/scan")
    assert response.status_code == 302 and response.headers["Location"] == "/checkpoint/scan"
    assert client.get("/login").headers["Location"].endswith("/checkpoint/scan")
