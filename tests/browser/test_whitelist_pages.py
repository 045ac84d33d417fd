"""Issue 2 in a real browser: the authority reviews the white list and sets colours,
clerks see their enterprise and register a new one.

Wording is being translated, so these tests check URLs, structure, values and classes
rather than text, except for the data the demo city was seeded with.
"""
import re

import pytest
from playwright.sync_api import Page, expect

import demo
from core.validators import uscc_check_char
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

PENDING = "合浦能源储运有限公司"
CLERKS_ENTERPRISE = "北海港通物流有限公司"
YELLOW_ENTERPRISE = "北海鲜达冷链配送有限公司"


def field_error(page: Page, name: str):
    """The error message shown inside the same field block as the input called name."""
    return page.locator(f".field.has-error:has([name='{name}']) .error")


def set_colour(page: Page, colour: str, reason: str) -> None:
    form = page.locator("form[action$='/colour']")
    form.locator(f"input[name='colour'][value='{colour}']").check()
    form.locator("textarea[name='reason']").fill(reason)
    with page.expect_navigation():
        form.locator("button").click()


def test_login_page_is_in_simplified_chinese_by_default(phone_page, desktop_page):
    for page in (phone_page, desktop_page):
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/login$"))
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.locator("#username")).to_be_focused()
        expect(page.locator("#password")).to_have_attribute("type", "password")
        screenshot(page, "01-login")


def test_wrong_password_keeps_the_username_and_shows_an_alert(phone_page):
    page = phone_page
    page.goto("/login")
    page.fill("#username", "admin")
    page.fill("#password", "not-the-password")
    page.click("form.form button")
    expect(page.locator("[role='alert']")).to_be_visible()
    expect(page.locator("#username")).to_have_value("admin")
    expect(page.locator("#password")).to_have_value("")
    expect(page.locator("#password")).to_be_focused()
    screenshot(page, "02-login-failed")


def test_admin_approves_a_pending_enterprise_then_turns_it_yellow_and_red(desktop_page):
    page = desktop_page
    log_in(page, "admin")
    expect(page).to_have_url(re.compile(r"/admin/dashboard$"))
    page.locator("nav.nav a[href='/admin/enterprises']").click()
    expect(page).to_have_url(re.compile(r"/admin/enterprises$"))
    expect(page.locator("nav.nav a[aria-current='page']")).to_have_attribute(
        "href", "/admin/enterprises")
    screenshot(page, "10-whitelist")

    page.click("a.stat[href='?state=pending']")
    row = page.locator("table.table tbody tr", has_text=PENDING)
    expect(row.locator(".badge.state-pending")).to_be_visible()
    screenshot(page, "11-whitelist-pending")
    row.get_by_role("link", name=PENDING).click()
    expect(page).to_have_url(re.compile(r"/admin/enterprises/91450521MA5KD4004.$"))
    expect(page.locator("form[action$='/colour']")).to_have_count(0)
    expect(page.locator("nav.nav a[aria-current='page']")).to_have_attribute(
        "href", "/admin/enterprises")
    screenshot(page, "12-detail-pending")

    with page.expect_navigation():
        page.locator("form[action$='/approve'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".facts .badge.state-approved")).to_be_visible()
    expect(page.locator(".facts .badge.colour-green")).to_be_visible()
    expect(page.locator("form[action$='/suspend']")).to_have_count(1)
    form = page.locator("form[action$='/colour']")
    expect(form.locator("input[name='colour'][value='green']")).to_be_disabled()
    expect(form.locator("input[name='colour']:checked")).to_have_count(0)
    screenshot(page, "13-detail-approved")

    detail_url = page.url
    form.locator("input[name='colour'][value='yellow']").check()
    with page.expect_navigation():
        form.locator("button").click()
    expect(page.locator(".facts .badge.colour-green")).to_be_visible()  # nothing changed
    expect(field_error(page, "reason")).to_have_count(1)
    expect(page.locator("form[action$='/colour'] textarea[aria-invalid='true']")).to_be_focused()
    expect(form.locator("input[name='colour'][value='yellow']")).to_be_checked()
    screenshot(page, "14-colour-reason-missing")

    set_colour(page, "yellow", "员工密接，闭环运营")
    expect(page).to_have_url(detail_url)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".facts .badge.colour-yellow")).to_be_visible()
    screenshot(page, "15-detail-yellow")

    set_colour(page, "red", "厂区发现阳性病例，停产")
    confirm = page.locator(".confirm-danger")
    expect(confirm).to_contain_text("所有卡口将立即不予认可其 0 张有效通行证")
    expect(page.locator(".facts .badge.colour-yellow")).to_be_visible()  # not yet
    screenshot(page, "16-confirm-red")
    with page.expect_navigation():
        confirm.locator("button.danger").click()
    expect(page.locator(".facts .badge.colour-red")).to_be_visible()
    history = page.locator(".timeline > li")
    expect(history).to_have_count(3)
    expect(history.nth(0).locator(".badge.colour-red")).to_be_visible()
    expect(history.nth(0).locator(".why")).to_have_text("厂区发现阳性病例，停产")
    expect(history.nth(1).locator(".badge.colour-yellow")).to_be_visible()
    expect(history.nth(1).locator(".why")).to_have_text("员工密接，闭环运营")
    expect(history.nth(2).locator(".badge.colour-green")).to_be_visible()
    expect(history.nth(2).locator(".why")).not_to_be_empty()
    for entry in (history.nth(0), history.nth(1)):
        expect(entry.locator(".when")).to_contain_text("admin")
    screenshot(page, "16-detail-red-history")


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls"


def test_admin_pages_fit_a_phone(phone_page):
    page = phone_page
    log_in(page, "admin")
    page.goto("/admin/enterprises")
    expect(page.locator("nav.nav a[aria-current='page']")).to_be_visible()
    screenshot(page, "10-whitelist")
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name=YELLOW_ENTERPRISE).click()
    expect(page.locator(".facts .badge.colour-yellow")).to_be_visible()
    screenshot(page, "15-detail-yellow")
    assert_no_sideways_scroll(page)


def test_checkpoint_and_audit_pages_fit_phone_and_desktop(phone_page, desktop_page):
    for page in (phone_page, desktop_page):
        log_in(page, "admin")
        for path, name in (("/admin/checkpoints", "17-checkpoints"), ("/admin/audit", "18-audit")):
            page.goto(path)
            expect(page.locator("table.table tbody tr").first).to_be_visible()
            screenshot(page, name)
            assert_no_sideways_scroll(page)


def test_officer_sees_the_assigned_checkpoints(phone_page):
    page = phone_page
    log_in(page, "officer")
    expect(page).to_have_url(re.compile(r"/checkpoint/scan$"))  # an officer starts scanning
    page.goto("/checkpoint")
    expect(page.locator(".cards > li a")).to_have_count(len(demo.CHECKPOINTS))
    screenshot(page, "50-officer-home")


def test_admin_sees_an_empty_state_and_can_clear_the_filters(desktop_page):
    page = desktop_page
    log_in(page, "admin")
    page.goto("/admin/enterprises")
    page.fill("input[name='q']", "没有这家企业")
    with page.expect_navigation():
        page.locator("form.filters button").click()
    expect(page.locator("table.table")).to_have_count(0)
    expect(page.locator(".empty")).to_be_visible()
    expect(page.locator("input[name='q']")).to_have_value("没有这家企业")
    screenshot(page, "19-whitelist-empty")
    page.locator(".empty a").click()
    expect(page).to_have_url(re.compile(r"/admin/enterprises$"))
    expect(page.locator("table.table tbody tr").first).to_be_visible()


def test_language_switch_keeps_the_page_and_its_filters(desktop_page):
    page = desktop_page
    log_in(page, "admin")
    page.goto("/admin/enterprises?state=approved&colour=yellow")
    page.locator("a.lang[hreflang='en']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/admin/enterprises\?.*colour=yellow"))
    expect(page.locator("select[name='colour']")).to_have_value("yellow")
    expect(page.locator("a.stat.colour-yellow[aria-current]")).to_be_visible()


def test_clerk_sees_its_enterprise_state_and_colour(phone_page, desktop_page):
    for page in (phone_page, desktop_page):
        log_in(page, "clerk")
        expect(page).to_have_url(re.compile(r"/enterprise$"))
        expect(page.locator("h1")).to_have_text(CLERKS_ENTERPRISE)
        expect(page.locator(".status-hero.colour-green")).to_be_visible()
        expect(page.locator(".status-hero .badge.state-approved")).to_be_visible()
        expect(page.locator(".status-hero .badge.colour-green")).to_be_visible()
        expect(page.locator(".timeline > li")).to_have_count(1)
        expect(page.locator("form[action$='/colour']")).to_have_count(0)
        screenshot(page, "20-clerk-enterprise")


def test_clerk_cannot_open_the_authority_pages(desktop_page):
    page = desktop_page
    log_in(page, "clerk")
    response = page.goto("/admin/enterprises")
    assert response.status == 403
    screenshot(page, "21-clerk-forbidden")


def test_new_clerk_registers_after_fixing_the_fields_marked_wrong(phone_page, desktop_page):
    prefix = "91450500MA5KF6006"
    good_code = prefix + uscc_check_char(prefix)
    bad_code = prefix + ("0" if good_code[-1] != "0" else "1")
    for page in (phone_page, desktop_page):
        log_in(page, "newclerk")
        expect(page).to_have_url(re.compile(r"/enterprise/register$"))
        screenshot(page, "30-register")

    page = phone_page
    page.fill("[name='name']", "北海测试冷链有限公司")
    page.fill("[name='code']", bad_code)
    page.check("input[name='categories'][value='daily']")
    page.check("input[name='categories'][value='medical']")
    page.fill("[name='contact_name']", "陈主任")
    page.fill("[name='address']", "广西北海市海城区北部湾东路8号")
    with page.expect_navigation():
        page.locator("form.form button").click()

    expect(page).to_have_url(re.compile(r"/enterprise/register$"))
    expect(page.locator("[role='alert']")).to_be_visible()
    expect(field_error(page, "code")).to_have_count(1)
    expect(field_error(page, "contact_phone")).to_have_count(1)
    expect(page.locator(".field.has-error")).to_have_count(2)
    expect(page.locator("[name='code']")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[name='code']")).to_have_attribute("aria-describedby", "e-code")
    expect(page.locator("[name='name']")).to_have_value("北海测试冷链有限公司")
    expect(page.locator("[name='code']")).to_have_value(bad_code)
    expect(page.locator("[name='contact_name']")).to_have_value("陈主任")
    checked = page.locator("input[name='categories']:checked")
    assert sorted(checked.evaluate_all("boxes => boxes.map(b => b.value)")) == ["daily", "medical"]
    screenshot(page, "31-register-errors")

    # The same mistakes, seen on a desktop.
    desktop = desktop_page
    desktop.fill("[name='name']", "北海测试冷链有限公司")
    desktop.fill("[name='code']", bad_code)
    desktop.check("input[name='categories'][value='daily']")
    with desktop.expect_navigation():
        desktop.locator("form.form button").click()
    expect(field_error(desktop, "code")).to_have_count(1)
    screenshot(desktop, "31-register-errors")

    page.fill("[name='code']", good_code)
    page.fill("[name='contact_phone']", "13907790123")
    with page.expect_navigation():
        page.locator("form.form button").click()
    expect(page).to_have_url(re.compile(r"/enterprise$"))
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("h1")).to_have_text("北海测试冷链有限公司")
    expect(page.locator(".status-hero .badge.state-pending")).to_be_visible()
    expect(page.locator(".facts code")).to_have_text(good_code)
    screenshot(page, "32-registered-pending")

    page.goto("/enterprise/register")
    expect(page).to_have_url(re.compile(r"/enterprise$"))


def test_english_switch_applies_and_is_remembered(phone_page):
    page = phone_page
    page.goto("/login")
    page.locator("a.lang[hreflang='en']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("a.lang[hreflang='zh']")).to_be_visible()
    screenshot(page, "40-login-english")

    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    log_in(page, "clerk2")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".status-hero.colour-yellow")).to_be_visible()
    screenshot(page, "41-clerk-english")

    page.locator("a.lang[hreflang='zh']").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
