"""Issue 7 in a real browser: the admin watches the dashboard move while scans come in."""
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import APIRequestContext, Page, expect

import demo
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

# Scans come in at these two of the officer's checkpoints; the transfer station stays silent.
STAFFED = ("BH-G75-EXIT", "BH-TSG-GATE")


def _bearer(api: APIRequestContext, username: str) -> dict:
    response = api.post("/api/v1/auth/token",
                        data={"username": username, "password": demo.PASSWORD})
    assert response.ok, response.text()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _verify(api: APIRequestContext, officer: dict, qr: str, checkpoint: str) -> str:
    response = api.post("/api/v1/verify", headers=officer,
                        data={"qr": qr, "checkpoint": checkpoint})
    assert response.ok, response.text()
    return response.json()["verdict"]


@pytest.fixture
def api(desktop_page: Page) -> APIRequestContext:
    return desktop_page.context.request


@pytest.fixture
def scans_today(api):
    """A day of checks: online scans now, and offline ones uploaded for the past hours."""
    officer, admin = _bearer(api, "officer"), _bearer(api, "admin")
    passes = api.get("/api/v1/passes?per_page=100", headers=admin).json()["items"]
    codes = [p["qr_text"] for p in passes]
    for i, qr in enumerate(codes):
        _verify(api, officer, qr, STAFFED[i % 2])
    now = datetime.now(UTC)
    offline = [{"id": str(uuid.uuid4()), "qr": codes[(hour + n) % len(codes)],
                "checkpoint": STAFFED[(hour + n) % 2], "verdict": "pass", "reasons": [],
                "scanned_at": (now - timedelta(hours=hour, minutes=7 * n)).isoformat()}
               for hour in range(1, 20) for n in range(1 + (hour * 7) % 4)]
    offline[3] |= {"verdict": "check", "reasons": ["enterprise_yellow"]}
    offline[8] |= {"verdict": "check", "reasons": ["test_expired"]}
    response = api.post("/api/v1/scans", headers=officer, data={"scans": offline})
    assert response.ok, response.text()
    return {"officer": officer, "qr": codes[0]}


def test_dashboard_updates_on_its_own_as_scans_come_in(desktop_page, api, scans_today):
    page = desktop_page
    log_in(page, "admin")
    expect(page).to_have_url(re.compile(r"/admin/dashboard$"))
    expect(page.locator("nav.nav a[aria-current='page']")).to_have_attribute(
        "href", "/admin/dashboard")
    total = page.locator("[data-stat='scans.total'] b")
    before = int(total.inner_text())
    assert before > 0
    expect(page.locator("tr.silent[data-checkpoint='BH-HP-TRANS']")).to_be_visible()
    expect(page.locator("svg.chart rect").first).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")

    _verify(api, scans_today["officer"], scans_today["qr"], STAFFED[0])
    expect(total).to_have_text(str(before + 1), timeout=20_000)
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in, not reloaded
    screenshot(page, "80-dashboard")

    download = page.locator("a.csv[href$='/checkpoints.csv']").first
    response = api.get(download.get_attribute("href"))
    assert response.body().startswith("\ufeff".encode())
    assert "兰海高速北海出口" in response.body().decode("utf-8-sig")


def test_dashboard_fits_a_phone(phone_page, api, scans_today):
    page = phone_page
    log_in(page, "admin")
    expect(page.locator("[data-stat='passes.valid'] b")).to_be_visible()
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, "80-dashboard")
