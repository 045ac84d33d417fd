"""Issue 15, journey 4 in a real browser: the lockout page says in the user's language how
long to wait, and an officer whose phone has signed in before still gets in while someone
else's failures have the shared address locked."""
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

import demo
from tests.browser.conftest import close_database, demo_city_app, screenshot, serving

pytestmark = pytest.mark.browser

WAIT = {"zh": re.compile(r"登录失败次数过多，请 \d+分钟后再试。"),
        "en": re.compile(r"Too many failed sign-ins\. Try again in \d+ minutes?\.")}


@pytest.fixture
def live_server(tmp_path) -> Iterator[str]:
    """A server of this test's own: its failed sign-ins must not lock out other tests."""
    app = demo_city_app(tmp_path)
    with serving(app) as url:
        yield url
    close_database(app)


def sign_in(page, username: str, password: str, lang: str):
    page.goto(f"/login?lang={lang}")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form.form button")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_lockout_page_says_how_long_and_lets_a_known_phone_in(open_page, viewport, lang):
    officer = open_page(viewport)
    sign_in(officer, "officer", demo.PASSWORD, lang)
    assert "/login" not in officer.url
    with officer.expect_navigation():
        officer.locator("form[action$='/logout'] button").click()

    stranger = open_page(viewport)  # behind the same address (127.0.0.1)
    for n in range(5):
        sign_in(stranger, f"guess-{n}", "wrong-pass-1", lang)
    sign_in(stranger, "officer", demo.PASSWORD, lang)
    alert = stranger.locator(".flash-error")
    expect(alert).to_have_text(WAIT[lang])
    expect(stranger.locator("#username")).to_have_value("officer")
    assert "429" not in stranger.locator("main").inner_text()
    assert "per 1 minute" not in stranger.content()
    screenshot(stranger, f"login-lockout-{lang}")

    sign_in(officer, "officer", demo.PASSWORD, lang)
    assert "/login" not in officer.url


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_admin_resets_a_password_and_the_owner_must_choose_a_new_one(open_page, viewport):
    admin = open_page(viewport)
    sign_in(admin, "admin", demo.PASSWORD, "zh")
    admin.goto("/admin/users?role=officer")
    row = admin.locator("tr", has=admin.locator("b", has_text=re.compile(r"^officer$")))
    asked = []
    admin.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with admin.expect_navigation():
        row.locator("form[action$='/password'] button").click()
    assert asked == ["重置 officer 的密码？该账号将在所有设备上退出登录，并须设置新密码。"]
    temporary = admin.locator(".temporary-password code").inner_text()
    screenshot(admin, "temporary-password")

    officer = open_page(viewport)
    sign_in(officer, "officer", temporary, "zh")
    expect(officer).to_have_url(re.compile(r"/account/password$"))
    officer.fill("#f-current_password", temporary)
    officer.fill("#f-new_password", "officer-new-1")
    officer.fill("#f-confirm_password", "officer-new-2")
    with officer.expect_navigation():
        officer.click("form.form button")
    expect(officer.locator(".field.has-error .error")).to_have_text("两次输入的新密码不一致。")
    expect(officer.locator("#f-new_password")).to_have_value("")  # passwords never come back
    screenshot(officer, "password-change-error")
    officer.fill("#f-current_password", temporary)
    officer.fill("#f-new_password", "officer-new-1")
    officer.fill("#f-confirm_password", "officer-new-1")
    with officer.expect_navigation():
        officer.click("form.form button")
    assert "/account/password" not in officer.url and "/login" not in officer.url


def test_deactivating_an_account_asks_first_and_cancelling_changes_nothing(open_page):
    admin = open_page("desktop")
    sign_in(admin, "admin", demo.PASSWORD, "zh")
    admin.goto("/admin/users?role=enterprise")

    def row():
        return admin.locator("tr", has=admin.locator("b", has_text=re.compile(r"^newclerk$")))

    admin.once("dialog", lambda dialog: dialog.dismiss())
    row().locator("form[action$='/active'] button").click()
    expect(row().locator(".badge")).to_have_count(0)  # still active: nothing was sent
    admin.once("dialog", lambda dialog: dialog.accept())
    with admin.expect_navigation():
        row().locator("form[action$='/active'] button").click()
    expect(row().locator(".badge")).to_have_text("已停用")
    with admin.expect_navigation():  # reactivating asks nothing
        row().locator("form[action$='/active'] button").click()
    expect(row().locator(".badge")).to_have_count(0)
