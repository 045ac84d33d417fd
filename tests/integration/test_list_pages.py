"""Every paged list: a page past the last says so and links to the last page, instead of
words that say the list is empty."""
import pytest

from tests.integration.pass_data import vehicle
from tests.integration.test_notifications import recolour, set_webhook
from tests.integration.test_transfers import handover_body

NO_SUCH_PAGE = "没有第 999 页：最后一页是第 1 页。"

ADMIN_LISTS = [
    ("/admin/enterprises", "No enterprise matches"),
    ("/admin/audit", "No entries match"),
    ("/admin/checkpoints", "No checkpoints yet"),
    ("/admin/users", None),  # never empty: the admin looking at it is on it
    ("/admin/scans", "No scan matches"),
    ("/admin/passes", "No passes have been issued"),
]
CLERK_LISTS = [("/passes", "You have no passes"), ("/people", "Drivers and staff are recorded")]


@pytest.fixture
def scanned(client, clerk, officer_headers):
    """A pass issued through the API and scanned once, so that every list has one entry."""
    number = client.post("/api/v1/passes", json=vehicle(), headers=clerk.headers).json["number"]
    qr = client.get(f"/api/v1/passes/{number}", headers=clerk.headers).json["qr_text"]
    response = client.post("/api/v1/verify", json={"qr": qr, "checkpoint": "CP-HAICHENG"},
                           headers=officer_headers)
    assert response.status_code == 200, response.text
    return number


def assert_past_the_last(client, path: str, empty_words: str | None) -> None:
    page = client.get(f"{path}?page=999").text
    assert NO_SUCH_PAGE in page
    assert f'href="{path}?page=1"' in page
    if empty_words:
        assert empty_words not in client.get(f"{path}?page=999&lang=en").text


@pytest.mark.parametrize(("path", "empty_words"), ADMIN_LISTS)
def test_admin_lists(client, login, make_user, scanned, path, empty_words):
    login(make_user("admin"))
    assert_past_the_last(client, path, empty_words)


@pytest.mark.parametrize(("path", "empty_words"), CLERK_LISTS)
def test_clerk_lists(client, login, clerk, scanned, path, empty_words):
    login(clerk.user)
    assert_past_the_last(client, path, empty_words)


def test_admin_handovers(client, login, make_user, officer_headers, make_pass):
    body = handover_body(make_pass().qr_text)
    response = client.post("/api/v1/handovers", json=body, headers=officer_headers)
    assert response.status_code == 201, response.text
    login(make_user("admin"))
    assert_past_the_last(client, "/admin/handovers", "No handovers yet")


def test_admin_webhook_deliveries(webhook_settings, app, client, login, make_user,
                                  make_enterprise):
    firm = make_enterprise()
    login(make_user("enterprise", enterprise=firm.code))
    assert set_webhook(client, "https://erp.example.com/hook").status_code == 302
    recolour(app, firm.code)
    client.post("/logout")
    login(make_user("admin"))
    assert_past_the_last(client, "/admin/webhooks", "No deliveries")


def test_accounts_filtered_to_a_role_nobody_has_say_so(client, login, make_user):
    login(make_user("admin"))
    page = client.get("/admin/users?role=officer").text
    assert "尚无该角色的账号。" in page and "没有第" not in page


def test_officer_scan_log(client, login, officer, scanned):
    login(officer)
    assert_past_the_last(client, "/checkpoint/scans", "No scans in the last")


def test_the_last_page_itself_lists_its_entries(client, login, clerk, scanned):
    login(clerk.user)
    page = client.get("/passes?page=1").text
    assert scanned in page and NO_SUCH_PAGE not in page
