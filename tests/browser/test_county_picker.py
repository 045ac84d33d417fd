"""Issue 13 in a real browser: a clerk of the demo city (Beihai) applies on a phone for a pass
from Zhanjiang by typing the county's name in the picker, and gets the pass issued."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_passes_pages import fill_application

pytestmark = pytest.mark.browser


def pick(page: Page, name: str, typed: str, option: str) -> None:
    """Type into the county input `name` and tap (or click) the option whose text holds
    `option`."""
    field = page.locator(f"[name='{name}']")
    field.fill("")
    field.press_sequentially(typed, delay=30)
    listbox = page.locator(f"#f-{name}-options")
    expect(listbox).to_be_visible()
    expect(field).to_have_attribute("aria-expanded", "true")
    choice = listbox.get_by_role("option", name=re.compile(option))
    if page.viewport_size["width"] < 600:  # the phone context has touch, the desktop none
        choice.tap()
    else:
        choice.click()
    expect(listbox).to_be_hidden()


def test_clerk_picks_a_zhanjiang_county_by_name_and_gets_the_pass(phone_page):
    page = phone_page
    log_in(page, "clerk")
    page.goto("/passes/new")
    fill_application(page, "桂E57301")

    origin = page.locator("[name='origin']")
    expect(origin).to_have_attribute("role", "combobox")
    pick(page, "origin", "湛江", "广东省湛江市赤坎区")
    expect(origin).to_have_value("440802")
    expect(page.locator("#h-origin")).to_have_text("广东省湛江市赤坎区")

    # By keyboard too: the first option for 廉江 is 廉江市 itself.
    destination = page.locator("[name='destination']")
    destination.fill("")
    destination.press_sequentially("廉江", delay=30)
    expect(page.get_by_role("option", name=re.compile("广东省湛江市廉江市"))).to_be_visible()
    destination.press("ArrowDown")
    expect(destination).to_have_attribute("aria-activedescendant", "f-destination-options-0")
    destination.press("Enter")  # picks, does not submit
    expect(destination).to_have_value("440881")
    expect(page).to_have_url(re.compile(r"/passes/new$"))
    screenshot(page, "77-county-picker-picked")

    with page.expect_navigation():
        page.click("form.form button.primary")
    expect(page).to_have_url(re.compile(r"/passes/4505\d{8}$"))
    expect(page.locator("body")).to_contain_text("湛江市赤坎区")
    expect(page.locator("body")).to_contain_text("湛江市廉江市")
    screenshot(page, "78-pass-from-zhanjiang")


def test_picker_finds_chikan_by_its_own_name(phone_page):
    page = phone_page
    log_in(page, "clerk")
    page.goto("/passes/new")
    origin = page.locator("[name='origin']")
    origin.scroll_into_view_if_needed()
    origin.press_sequentially("湛江", delay=30)
    # 湛江市 has 9 counties.
    expect(page.locator("#f-origin-options [role=option]")).to_have_count(9)
    screenshot(page, "76-county-picker-open")
    pick(page, "origin", "赤坎", "广东省湛江市赤坎区")
    expect(origin).to_have_value("440802")


def test_admin_places_a_checkpoint_in_lianjiang_with_the_picker_in_english(desktop_page):
    page = desktop_page
    log_in(page, "admin")
    page.goto("/admin/checkpoints?lang=en")
    page.fill("[name='code']", "ZJ-LJ-01")
    page.fill("[name='name']", "Lianjiang gate")
    pick(page, "area", "440881", "广东省湛江市廉江市")
    expect(page.locator("[name='area']")).to_have_value("440881")
    with page.expect_navigation():
        page.get_by_role("button", name="Add checkpoint").click()
    expect(page.locator("body")).to_contain_text("ZJ-LJ-01")
    expect(page.locator("body")).to_contain_text("廉江市")
    screenshot(page, "79-checkpoint-in-lianjiang")


def test_a_county_picked_while_a_search_is_pending_stays_picked(phone_page):
    """Picking from the list while the next search waits (for the pause in typing, or for
    its answer) closes the list for good: the late answer does not open it over the form."""
    page = phone_page
    log_in(page, "clerk")
    page.goto("/passes/new")
    origin = page.locator("[name='origin']")
    origin.press_sequentially("湛江", delay=30)
    listbox = page.locator("#f-origin-options")
    expect(listbox.get_by_role("option")).to_have_count(9)
    held = []
    page.route("**/api/v1/divisions?*", lambda route: held.append(route))  # held till released
    origin.press_sequentially("赤")
    listbox.get_by_role("option", name=re.compile("广东省湛江市赤坎区")).tap()
    page.wait_for_timeout(400)  # past the typing pause: a search not cancelled goes out now
    for route in held:
        route.continue_()
    page.wait_for_timeout(400)
    expect(listbox).to_be_hidden()
    expect(origin).to_have_value("440802")
    expect(origin).to_have_attribute("aria-expanded", "false")
