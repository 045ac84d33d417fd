"""Finding #4: sessions are controlled on the server. Logout, deactivation, a password
change and an admin's reset end every session cookie and API token of the account, and
reactivating an account revives none of them. All of it is audited."""
import re

import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from core.db import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "new-secret-22"


def signed_in_browser(app, user, password=PASSWORD):
    browser = app.test_client()
    response = browser.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.text
    return browser


def session_cookie(browser) -> str:
    return browser.get_cookie("session", domain="passes.test").value


def replayed(app, cookie: str):
    """A browser presenting a session cookie captured earlier, as a thief would."""
    browser = app.test_client()
    browser.set_cookie("session", cookie, domain="passes.test")
    return browser


def is_signed_in(browser) -> bool:
    response = browser.get("/checkpoint/session", headers={"Accept": "application/json"})
    return response.status_code == 200


def page_is_open(browser) -> bool:
    return browser.get("/admin/users").status_code == 200


def token_works(client, headers) -> bool:
    return client.get("/api/v1/offline-bundle", headers=headers).status_code == 200


def audited(app, action: str) -> list[tuple[str, str]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [(entry.actor, entry.subject) for entry in entries]


def test_logout_ends_every_session_and_token_of_the_account(app, client, officer, token_for):
    here, elsewhere = signed_in_browser(app, officer), signed_in_browser(app, officer)
    stolen = session_cookie(here)
    headers = token_for(officer)
    assert is_signed_in(elsewhere) and token_works(client, headers)

    assert here.post("/logout").status_code == 302

    assert not is_signed_in(replayed(app, stolen))
    assert not is_signed_in(elsewhere)
    assert not token_works(client, headers)
    assert audited(app, "user.logout") == [(officer.username, officer.username)]


def test_a_logged_out_officers_cookie_cannot_mint_api_tokens(app, officer):
    browser = signed_in_browser(app, officer)
    assert browser.post("/checkpoint/api-token").status_code == 200
    stolen = session_cookie(browser)
    browser.post("/logout")
    minted = replayed(app, stolen).post("/checkpoint/api-token",
                                        headers={"Accept": "application/json"})
    assert minted.status_code == 401
    assert "access_token" not in minted.text


def test_deactivation_ends_sessions_and_reactivation_revives_none(app, client, officer,
                                                                  make_user, token_for, login):
    browser = signed_in_browser(app, officer)
    stolen = session_cookie(browser)
    headers = token_for(officer)
    login(make_user("admin"))
    for active in ("0", "1"):
        response = client.post(f"/admin/users/{officer.username}/active", data={"active": active})
        assert response.status_code == 302
    assert not is_signed_in(browser)
    assert not is_signed_in(replayed(app, stolen))
    assert not token_works(client, headers)
    assert is_signed_in(signed_in_browser(app, officer))  # signing in again works


def test_the_owner_changes_the_password_and_every_other_session_ends(app, client, make_user,
                                                                     token_for):
    admin = make_user("admin")
    here, elsewhere = signed_in_browser(app, admin), signed_in_browser(app, admin)
    headers = token_for(admin)
    response = here.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert page_is_open(here)  # this browser stays signed in
    assert not page_is_open(elsewhere)
    assert not token_works(client, headers)
    old = client.post("/api/v1/auth/token", json={"username": admin.username,
                                                 "password": PASSWORD})
    assert old.status_code == 401
    signed_in_browser(app, admin, NEW_PASSWORD)
    assert audited(app, "user.password_change") == [(admin.username, admin.username)]


@pytest.mark.parametrize("form, field", [
    ({"current_password": "not-it-123", "new_password": NEW_PASSWORD,
      "confirm_password": NEW_PASSWORD}, "current_password"),
    ({"current_password": PASSWORD, "new_password": "short",
      "confirm_password": "short"}, "new_password"),
    ({"current_password": PASSWORD, "new_password": NEW_PASSWORD,
      "confirm_password": NEW_PASSWORD + "x"}, "confirm_password"),
])
def test_a_refused_password_change_names_the_field_and_changes_nothing(app, make_user, form,
                                                                       field):
    admin = make_user("admin")
    browser = signed_in_browser(app, admin)
    response = browser.post("/account/password", data=form)
    assert response.status_code == 422
    assert re.search(rf'id="e-{field}"', response.text)
    assert form["new_password"] not in response.text  # passwords are never sent back
    assert "当前密码" in response.text  # Chinese by default
    english = browser.post("/account/password?lang=en", data=form)
    assert "Current password" in english.text
    assert page_is_open(browser)
    signed_in_browser(app, admin)  # the old password still works
    assert audited(app, "user.password_change") == []


def reset(admin_browser, username: str) -> str:
    response = admin_browser.post(f"/admin/users/{username}/password")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return re.search(r'class="temporary-password"><code>([^<]+)</code>', response.text)[1]


def test_an_admin_reset_ends_sessions_and_forces_a_new_password(app, client, officer,
                                                                 make_user, token_for):
    admin = make_user("admin")
    admin_browser = signed_in_browser(app, admin)
    officer_browser = signed_in_browser(app, officer)
    headers = token_for(officer)
    temporary = reset(admin_browser, officer.username)
    assert temporary not in admin_browser.get("/admin/users").text  # shown once only
    assert not is_signed_in(officer_browser) and not token_works(client, headers)
    assert client.post("/api/v1/auth/token", json={
        "username": officer.username, "password": PASSWORD}).status_code == 401

    browser = app.test_client()
    response = browser.post("/login", data={"username": officer.username,
                                            "password": temporary})
    assert response.headers["Location"].endswith("/account/password")
    # The temporary password opens nothing but its change.
    assert browser.get("/checkpoint").headers["Location"].endswith("/account/password")
    assert browser.post("/checkpoint/api-token").status_code == 302
    refused = client.post("/api/v1/auth/token", json={"username": officer.username,
                                                     "password": temporary})
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "password_change_required"
    browser.post("/account/password", data={"current_password": temporary,
                                            "new_password": NEW_PASSWORD,
                                            "confirm_password": NEW_PASSWORD})
    assert browser.get("/checkpoint").status_code == 200
    assert audited(app, "user.password_reset") == [(admin.username, officer.username)]
    assert not any(temporary in str(entry) for entry in audited(app, "user.password_reset"))


def test_an_admin_cannot_reset_their_own_password_from_the_accounts_page(app, make_user):
    admin = make_user("admin")
    browser = signed_in_browser(app, admin)
    assert browser.post(f"/admin/users/{admin.username}/password").status_code == 302
    signed_in_browser(app, admin)  # unchanged
    assert audited(app, "user.password_reset") == []


def test_only_admins_reset_passwords(app, officer, make_user):
    browser = signed_in_browser(app, officer)
    other = make_user("officer")
    assert browser.post(f"/admin/users/{other.username}/password").status_code == 403
    signed_in_browser(app, other)


def test_guesses_at_the_current_password_count_as_failed_sign_ins(app, make_user):
    app.config["LOGIN_LIMITS"] = "3 per minute"
    admin = make_user("admin")
    browser = signed_in_browser(app, admin)
    guess = {"current_password": "guess-123", "new_password": NEW_PASSWORD,
             "confirm_password": NEW_PASSWORD}
    assert [browser.post("/account/password", data=guess).status_code
            for _ in range(4)] == [422, 422, 422, 429]
    right = guess | {"current_password": PASSWORD}
    locked = browser.post("/account/password", data=right)
    assert locked.status_code == 429 and "登录失败次数过多" in locked.text
    token = app.test_client().post("/api/v1/auth/token", json={"username": admin.username,
                                                                "password": PASSWORD})
    assert token.status_code == 429  # the same count as signing in
