"""Issue 3 in a real browser: the demo clerk applies on a phone, gets the pass, opens the
holder page and its printable sheet; a revoked pass shows grey.

As in the white-list tests, wording is being translated, so these check URLs, structure,
values and classes rather than text, except for the seeded data.
"""
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from core.validators import resident_id_check_char
from tests.browser.conftest import VIEWPORTS, log_in, screenshot

pytestmark = pytest.mark.browser
CST = timezone(timedelta(hours=8))


def local(moment: datetime) -> str:
    return moment.astimezone(CST).strftime("%Y-%m-%dT%H:%M")


def fill_application(page: Page, plate: str) -> None:
    start = datetime.now(CST).replace(second=0, microsecond=0) + timedelta(minutes=5)
    id17 = "45050219900101789"
    page.fill("[name='plate']", plate)
    page.select_option("[name='cargo']", "daily")
    page.fill("[name='person.name']", "黄志强")
    page.fill("[name='person.id_number']", id17 + resident_id_check_char(id17))
    page.fill("[name='person.phone']", "13907791234")
    page.fill("[name='person.test.sampled_at']", local(start - timedelta(hours=6)))
    page.fill("[name='origin']", "450502")
    page.fill("[name='destination']", "450521")
    page.fill("[name='valid_from']", local(start))
    page.fill("[name='valid_until']", local(start + timedelta(days=5)))


def test_clerk_applies_on_a_phone_and_opens_the_holder_page(phone_page):
    page = phone_page
    log_in(page, "clerk")
    page.goto("/passes")
    screenshot(page, "60-pass-list")
    page.goto("/passes/new")
    fill_application(page, "桂E1234挂")
    screenshot(page, "61-pass-form")
    page.click("form.form button.primary")
    expect(page.locator(".field.has-error:has([name='plate']) .error")).to_be_visible()
    expect(page.locator("[name='person.name']")).to_have_value("黄志强")
    screenshot(page, "62-pass-form-refused")
    page.fill("[name='plate']", "桂E68866")
    with page.expect_navigation():
        page.click("form.form button.primary")
    expect(page).to_have_url(re.compile(r"/passes/4505\d{8}$"))
    expect(page.locator(".pass-qr img")).to_be_visible()
    screenshot(page, "63-pass-detail")
    holder_url = page.locator("input.copy-link").input_value()

    page.goto(holder_url)
    expect(page.locator(".holder-plate")).to_have_text("桂E68866")
    expect(page.locator(".holder-qr svg")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-status", re.compile("valid"))
    box = page.locator(".holder-qr svg").bounding_box()
    assert box["width"] >= 340  # as wide as a 390-pixel phone allows
    screenshot(page, "64-holder-page")

    page.goto(holder_url + "/print")
    width_mm = float(page.locator(".sheet-qr svg").get_attribute("width").removesuffix("mm"))
    assert width_mm >= 40
    page.emulate_media(media="print")
    expect(page.locator(".sheet-tools")).to_be_hidden()
    screenshot(page, "65-holder-print")


def test_clerk_adds_a_crew_member_on_a_phone_and_the_pass_page_lists_them(phone_page):
    page = phone_page
    log_in(page, "clerk")
    page.goto("/passes/new")
    fill_application(page, "桂E68867")
    page.click("details.crew summary")
    id17 = "45050219920202123"
    id_number = id17 + resident_id_check_char(id17)
    page.fill("[name='crew.0.name']", "李四海")
    page.fill("[name='crew.0.id_number']", id_number)
    page.fill("[name='crew.0.phone']", "13907795678")
    sampled = page.input_value("[name='person.test.sampled_at']")
    page.fill("[name='crew.0.test.sampled_at']", sampled)
    screenshot(page, "66-pass-form-crew")
    with page.expect_navigation():
        page.click("form.form button.primary")
    expect(page).to_have_url(re.compile(r"/passes/4505\d{8}$"))
    crew = page.locator("dd.crew")
    expect(crew).to_contain_text("李四海")
    expect(crew).to_contain_text(id_number[-4:])
    screenshot(page, "67-pass-detail-crew")


def test_revoking_asks_first_naming_the_pass_and_cancelling_keeps_the_reason(desktop_page):
    page = desktop_page
    log_in(page, "clerk")
    page.goto("/passes/new")
    fill_application(page, "桂E68868")
    with page.expect_navigation():
        page.click("form.form button.primary")
    number = page.url.rsplit("/", 1)[-1]
    asked = []

    def cancel(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", cancel)
    revoke = page.locator("form[action$='/revoke']")
    with page.expect_navigation():  # no reason: refused by the service, nothing asked
        revoke.locator("button").click()
    expect(page.locator("#e-revoke-reason")).to_be_visible()
    assert asked == []
    page.fill("#f-revoke-reason", "车辆故障")
    revoke.locator("button").click()  # dismissed: nothing is sent
    assert asked == [f"作废通行证 {number}（桂E68868）？作废后，卡口再次扫码时将不予认可。"
                     "此操作不可撤回。"]
    expect(page.locator("#f-revoke-reason")).to_have_value("车辆故障")
    page.remove_listener("dialog", cancel)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        revoke.locator("button").click()
    expect(page.locator("form[action$='/revoke']")).to_have_count(0)


def test_revoked_pass_shows_grey_on_the_holder_page(desktop_page):
    page = desktop_page
    log_in(page, "clerk")
    page.goto("/passes?status=revoked")
    with page.expect_navigation():
        page.locator("td.title a").first.click()
    holder_url = page.locator("input.copy-link").input_value()
    screenshot(page, "66-pass-revoked-detail")
    page.goto(holder_url)
    expect(page.locator("body")).to_have_attribute("data-status", "revoked")
    expect(page.locator(".holder-void")).to_be_visible()
    screenshot(page, "67-holder-revoked")


def test_clerk_updates_a_drivers_test(desktop_page):
    page = desktop_page
    log_in(page, "clerk")
    page.goto("/people")
    row = page.locator("tr", has_text="张三明").first
    row.locator("summary").click()
    row.locator("[name='test.sampled_at']").fill(local(datetime.now(CST) - timedelta(hours=1)))
    with page.expect_navigation():
        row.locator("button.primary").click()
    expect(page.locator(".flash-success")).to_be_visible()
    screenshot(page, "68-people")


def test_admin_sees_every_pass(desktop_page):
    page = desktop_page
    log_in(page, "admin")
    page.goto("/admin/passes")
    expect(page.locator("td.title a").first).to_be_visible()
    assert page.locator("td.title a").count() >= 5  # the seeded ones, and any made since
    screenshot(page, "69-admin-passes")


def test_the_holder_page_gives_its_check_time_in_beijing_time_on_any_phone(
        phone_page, browser, live_server):
    log_in(phone_page, "clerk")
    phone_page.goto("/passes?status=valid")
    with phone_page.expect_navigation():
        phone_page.locator("td.title a").first.click()
    holder_url = phone_page.locator("input.copy-link").input_value()
    abroad = browser.new_context(base_url=live_server, locale="en-US", timezone_id="UTC",
                                 **VIEWPORTS["phone"])
    try:
        page = abroad.new_page()
        page.goto(holder_url)
        beijing = datetime.now(timezone(timedelta(hours=8)))
        expect(page.locator("#checked")).to_contain_text(beijing.strftime("%Y-%m-%d"))
        shown = re.search(r"\d{4}-\d\d-\d\d (\d\d):\d\d", page.inner_text("#checked"))
        assert shown and int(shown[1]) in {beijing.hour, (beijing.hour + 1) % 24}
    finally:
        abroad.close()


def test_holder_page_opens_offline_once_seen(phone_page):
    page = phone_page
    log_in(page, "clerk")
    page.goto("/passes?status=valid")
    with page.expect_navigation():
        page.locator("td.title a").first.click()
    holder_url = page.locator("input.copy-link").input_value()
    page.goto(holder_url)
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function("""async () => {
        const cache = await caches.open("holder-v1");
        return (await cache.keys()).length >= 5;  // page, status, stylesheet, icon, script
    }""")
    page.context.set_offline(True)
    page.reload()
    expect(page.locator(".holder-qr svg")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-status", "valid")
    expect(page.locator("#checked")).not_to_be_empty()
    screenshot(page, "70-holder-offline")


def test_a_form_refused_for_an_expired_token_comes_back_filled_in(phone_page):
    page = phone_page
    log_in(page, "clerk")
    page.goto("/passes/new")
    fill_application(page, "桂E70707")
    typed_start = page.input_value("[name='valid_from']")
    page.evaluate("document.querySelector('form.form [name=csrf_token]').value = 'expired'")
    with page.expect_navigation():
        page.click("form.form button.primary")
    expect(page.locator(".error-page")).to_contain_text("此表单打开时间过长")
    screenshot(page, "64-pass-form-expired")
    with page.expect_navigation():
        page.get_by_role("link", name="返回表单").click()
    expect(page.locator("#restored-note")).to_be_visible()
    expect(page.locator("[name='plate']")).to_have_value("桂E70707")
    expect(page.locator("[name='person.name']")).to_have_value("黄志强")
    expect(page.locator("[name='origin']")).to_have_value("450502")
    expect(page.locator("[name='valid_from']")).to_have_value(typed_start)
    with page.expect_navigation():
        page.click("form.form button.primary")
    expect(page).to_have_url(re.compile(r"/passes/4505\d{8}$"))


def test_a_revoked_pass_holder_page_fits_a_412_px_phone(browser, desktop_page):
    """Issue 15 #7: the revoked holder page scrolled sideways (445 px on a 412 px screen)."""
    log_in(desktop_page, "admin")
    desktop_page.goto("/admin/passes?status=revoked")
    with desktop_page.expect_navigation():
        desktop_page.locator("td.title a").first.click()
    holder_url = desktop_page.locator("input.copy-link").input_value()
    context = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        phone = context.new_page()
        phone.goto(holder_url)
        expect(phone.locator("body")).to_have_attribute("data-status", "revoked")
        width = phone.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], width
    finally:
        context.close()
