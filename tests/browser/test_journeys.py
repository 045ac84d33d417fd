"""Issue 15, journeys 5 and 8 in Chromium: the clerk copies, shares and texts a holder link;
the authority edits a checkpoint and changes an officer's checkpoints. Phone and desktop, zh."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, screenshot
from tests.conftest import make_uscc

pytestmark = pytest.mark.browser
SIZES = ["phone", "desktop"]


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        "the page scrolls sideways"


def open_a_valid_pass(page: Page) -> str:
    page.goto("/passes?status=valid")
    with page.expect_navigation():
        page.locator("td.title a").first.click()
    expect(page).to_have_url(re.compile(r"/passes/\d{12}$"))
    return page.url


@pytest.mark.parametrize("size", SIZES)
def test_clerk_copies_shares_and_texts_the_holder_link(open_page, size):
    page = open_page(size)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, "clerk")
    open_a_valid_pass(page)
    link = page.locator("#holder-link").input_value()
    assert re.match(r"^http://127\.0\.0\.1:\d+/h/[\w-]{43}$", link)

    page.get_by_role("button", name="复制链接").click()
    expect(page.locator("[data-copied-for='holder-link']")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    # Share shows only where the browser can share (phones), never as a dead button.
    can_share = page.evaluate("typeof navigator.share === 'function'")
    share = page.locator("[data-share='holder-link']")
    expect(share).to_be_visible() if can_share else expect(share).to_be_hidden()

    text = page.locator("#sms-text").input_value()
    assert link in text and "北海市新冠肺炎疫情防控指挥部" in text and "北京时间" in text
    page.get_by_role("button", name="复制短信内容").click()
    expect(page.locator("[data-copied-for='sms-text']")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == text
    no_sideways_scroll(page)
    screenshot(page, "150-pass-share")

    with page.expect_navigation():
        page.get_by_role("button", name="短信发送").click()
    sent_to = re.compile(r"短信已发送至 1\d\d\*{4}\d{4}")
    expect(page.locator(".flash-success")).to_contain_text(sent_to)
    expect(page.locator(".sms-log li").first).to_contain_text("已发送（演示：仅记录，未真正发出）")
    no_sideways_scroll(page)
    screenshot(page, "151-pass-sms-sent")


def test_copy_falls_back_to_selecting_the_link_without_the_clipboard_api(desktop_page):
    page = desktop_page
    log_in(page, "clerk")
    page.add_init_script("delete Navigator.prototype.clipboard")
    open_a_valid_pass(page)
    page.get_by_role("button", name="复制链接").click()
    selected = page.evaluate("(() => { const f = document.getElementById('holder-link');"
                             " return f.value.substring(f.selectionStart, f.selectionEnd); })()")
    assert selected == page.locator("#holder-link").input_value()


@pytest.mark.parametrize("size", SIZES)
def test_admin_edits_a_checkpoint(open_page, size):
    page = open_page(size)
    log_in(page, "admin")
    page.goto("/admin/checkpoints")
    no_sideways_scroll(page)
    screenshot(page, "152-checkpoint-list")
    row = page.locator("tr", has_text="BH-TSG-GATE")
    with page.expect_navigation():
        row.get_by_role("link", name="编辑").click()
    expect(page).to_have_url(re.compile(r"/admin/checkpoints/BH-TSG-GATE/edit$"))
    page.fill("[name='name']", "")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.locator(".field.has-error:has([name='name']) .error")).to_be_visible()
    page.fill("[name='name']", f"铁山港工业园区南卡口（{size}）")
    no_sideways_scroll(page)
    screenshot(page, "153-checkpoint-edit")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/admin/checkpoints$"))
    expect(page.locator("tr", has_text="BH-TSG-GATE")).to_contain_text(
        f"铁山港工业园区南卡口（{size}）")


@pytest.mark.parametrize("size", SIZES)
def test_admin_changes_an_officers_checkpoints(open_page, size):
    page = open_page(size)
    log_in(page, "admin")
    username = f"officer-{size}"
    page.goto("/admin/users")
    page.fill("[name='username']", username)
    page.select_option("#f-role", "officer")
    page.fill("[name='password']", "officer-pass-2022")
    page.check("input[name='checkpoints'][value='BH-G75-EXIT']")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("创建")).click()
    row = page.locator("tr", has_text=username)
    with page.expect_navigation():
        row.get_by_role("link", name="调整卡口").click()
    expect(page).to_have_url(re.compile(rf"/admin/officers/{username}/checkpoints$"))
    expect(page.locator("input[value='BH-G75-EXIT']")).to_be_checked()
    page.uncheck("input[value='BH-G75-EXIT']")
    page.check("input[value='BH-HP-TRANS']")
    no_sideways_scroll(page)
    screenshot(page, "154-officer-checkpoints")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/admin/users"))
    expect(page.locator("tr", has_text=username)).to_contain_text("合浦重点物资中转站")
    expect(page.locator("tr", has_text=username)).not_to_contain_text("兰海高速北海出口")
    no_sideways_scroll(page)
    screenshot(page, "155-accounts-after-reassign")


@pytest.mark.parametrize("size", SIZES)
def test_holder_page_and_printed_sheet_name_the_issuing_authority(open_page, size):
    page = open_page(size)
    log_in(page, "clerk")
    open_a_valid_pass(page)
    page.goto(page.locator("#holder-link").input_value())
    expect(page.locator(".holder-facts")).to_contain_text("北海市新冠肺炎疫情防控指挥部")
    no_sideways_scroll(page)
    screenshot(page, "156-holder-authority")
    page.goto(page.url + "/print")
    expect(page.locator(".sheet-authority")).to_contain_text("北海市新冠肺炎疫情防控指挥部")
    screenshot(page, "157-sheet-authority")


# A 2×2 PNG: the preview on the authority's page must decode.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73"
    "0000001649444154789c633c2127c7c0c0c0c4c0c0c0c0c000000d0401087d71ca66"
    "0000000049454e44ae426082")


def test_a_new_enterprise_uploads_its_licence_and_the_authority_opens_it(open_page, tmp_path):
    admin = open_page("desktop")
    log_in(admin, "admin")
    admin.goto("/admin/users")
    admin.fill("[name='username']", "licence-clerk")
    admin.select_option("#f-role", "enterprise")
    admin.fill("[name='password']", "licence-pass-2022")
    with admin.expect_navigation():
        admin.get_by_role("button", name=re.compile("创建")).click()

    page = open_page("phone")
    log_in(page, "licence-clerk", "licence-pass-2022")
    page.goto("/enterprise/register")
    code = make_uscc()
    page.fill("[name='name']", "北海执照测试物流有限公司")
    page.fill("[name='code']", code)
    page.check("input[name='categories'][value='daily']")
    page.fill("[name='contact_name']", "李经理")
    page.fill("[name='contact_phone']", "13907795678")
    page.fill("[name='address']", "广西北海市海城区北部湾中路2号")
    bad = tmp_path / "执照.pdf"
    bad.write_bytes(b"GIF89a not a licence")
    page.set_input_files("[name='licence']", str(bad))
    with page.expect_navigation():
        page.locator("form.form button.primary").click()
    expect(page.locator("#e-licence")).to_contain_text("只接受 PDF、JPEG 或 PNG 文件")
    expect(page.locator("[name='name']")).to_have_value("北海执照测试物流有限公司")
    no_sideways_scroll(page)
    screenshot(page, "158-register-licence-refused")
    good = tmp_path / "营业执照.png"
    good.write_bytes(PNG)
    page.set_input_files("[name='licence']", str(good))
    with page.expect_navigation():
        page.locator("form.form button.primary").click()
    expect(page).to_have_url(re.compile(r"/enterprise$"))
    expect(page.locator(".facts .licence")).to_contain_text("营业执照.png")
    no_sideways_scroll(page)
    screenshot(page, "159-enterprise-licence")

    admin.goto(f"/admin/enterprises/{code}")
    preview = admin.locator("img.licence-preview")
    expect(preview).to_be_visible()
    assert admin.evaluate("document.querySelector('img.licence-preview').naturalWidth") == 2
    screenshot(admin, "160-admin-enterprise-licence")
