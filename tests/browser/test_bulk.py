"""Issue 7 in a real browser: the demo clerk uploads a 50-row file with 3 bad rows, reads the
report, uploads the fixed file and confirms; on a phone and on a desktop."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, screenshot
from tests.integration.bulk_data import csv_file, fleet, with_bad_rows, xlsx_file

pytestmark = pytest.mark.browser


def choose_and_upload(page: Page, name: str, content: bytes, mime: str = "text/csv") -> None:
    form = page.locator("form.bulk-upload").last
    form.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}])
    expect(form.locator(".dropzone-file")).to_have_text(name)
    with page.expect_navigation(url=re.compile(r"/passes/bulk/\d+$")):
        form.locator("button").click()


def slow_upload(page: Page, bytes_per_second: int) -> None:
    """Throttle the browser's uploads, so the progress bar is seen moving."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 50, "downloadThroughput": -1,
        "uploadThroughput": bytes_per_second})


def upload_fix_and_confirm(page: Page, size: str, first: int, fixed_as_xlsx: bool) -> None:
    log_in(page, "clerk")
    page.goto("/passes/bulk")
    expect(page.locator("a[href$='template.xlsx']")).to_be_visible()
    screenshot(page, "70-bulk-start")

    slow_upload(page, 4_000)
    content = csv_file(with_bad_rows(fleet(50, first)))
    form = page.locator("form.bulk-upload")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": f"车队-{size}.csv", "mimeType": "text/csv", "buffer": content}])
    with page.expect_navigation(url=re.compile(r"/passes/bulk/\d+$"), timeout=20_000):
        form.locator("button").click()
        expect(form.locator(".bulk-progress progress")).to_be_visible()
        expect(form.locator("button")).to_be_disabled()
        screenshot(page, "71-bulk-uploading")
    slow_upload(page, -1)
    rows = page.locator(".bulk-report tbody tr")
    expect(rows).to_have_count(3)
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.row)") == ["6", "21", "40"]
    assert page.locator(".bulk-report .tag").all_inner_texts() == ["身份证号", "健康码", "终点"]
    expect(page.locator(".bulk-stats .stat").nth(2).locator("b")).to_have_text("3")
    with page.expect_download() as download:
        page.click("a[href$='report.csv']")
    assert download.value.suggested_filename.endswith("report.csv")
    screenshot(page, "72-bulk-report")

    fixed = fleet(50, first)
    if fixed_as_xlsx:
        choose_and_upload(page, f"车队-{size}-改.xlsx", xlsx_file(fixed),
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        choose_and_upload(page, f"车队-{size}-改.csv", csv_file(fixed))
    expect(page.locator(".bulk-report")).to_have_count(0)
    expect(page.locator(".bulk-stats .stat").nth(1).locator("b")).to_have_text("50")
    screenshot(page, "73-bulk-ready")
    with page.expect_navigation():
        page.click("form.bulk-confirm button")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".pass-numbers li")).to_have_count(50)
    expect(page.locator("form.bulk-confirm")).to_have_count(0)
    screenshot(page, "74-bulk-confirmed")
    page.goto("/passes/bulk")
    screenshot(page, "75-bulk-history")


def test_clerk_fixes_three_bad_rows_and_confirms_on_a_desktop(desktop_page):
    upload_fix_and_confirm(desktop_page, "desktop", first=201, fixed_as_xlsx=False)


def test_clerk_fixes_three_bad_rows_and_confirms_on_a_phone(phone_page):
    upload_fix_and_confirm(phone_page, "phone", first=301, fixed_as_xlsx=True)
