"""Issue 7 in a real browser: an officer at a transfer station records a handover on a phone
and prints the three-copy handover sheet; a clerk sees a notification banner.

Runs its own live server, with a station officer added to the demo city.
"""
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

import demo
from checkpoints.staffing import create_account, read_staff_account
from core.db import db, utcnow
from core.validators import resident_id_check_char
from passes.models import Pass
from passtokens.tokens import qr_text
from tests.browser.conftest import close_database, demo_city_app, log_in, screenshot, serving

pytestmark = pytest.mark.browser
CST = timezone(timedelta(hours=8))
STATION_OFFICER = "station"


@pytest.fixture(scope="module")
def station_city(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The demo city served on a fresh SQLite file: its URL and the QR texts of two valid
    vehicle passes (a handover closes its arriving pass: each viewport hands over one)."""
    app = demo_city_app(tmp_path_factory.mktemp("transfers-live"))
    with app.app_context():
        create_account(read_staff_account({"username": STATION_OFFICER, "role": "officer",
                                     "password": demo.PASSWORD, "checkpoints": ["BH-HP-TRANS"]}),
                       "fixture")
        db.session.commit()
        now = utcnow()
        arriving = [qr_text(pass_) for pass_ in db.session.scalars(select(Pass).where(
            Pass.kind == "vehicle", Pass.revoked_at.is_(None), Pass.valid_from <= now,
            Pass.valid_until > now).order_by(Pass.id).limit(2))]
        db.session.remove()
    with serving(app) as url:
        yield url, arriving
    close_database(app)


@pytest.fixture(scope="module")
def live_server(station_city) -> str:
    """Replaces the shared server for this module's pages."""
    return station_city[0]


def fill_handover(page: Page, arriving: str, plate: str) -> None:
    id17 = "45052119880808123"
    sampled = datetime.now(CST).replace(second=0, microsecond=0) - timedelta(hours=5)
    page.fill("[name='arriving']", arriving)
    page.fill("[name='relay.plate']", plate)
    page.fill("[name='relay.driver.name']", "李四海")
    page.fill("[name='relay.driver.id_number']", id17 + resident_id_check_char(id17))
    page.fill("[name='relay.driver.phone']", "13907795678")
    page.fill("[name='relay.driver.test.sampled_at']", sampled.strftime("%Y-%m-%dT%H:%M"))
    page.fill("[name='seals']", "FZ-20220721-01\nFZ-20220721-02")


def test_station_officer_records_a_handover_and_prints_the_sheet(open_page, station_city):
    _, arriving = station_city
    # A relay vehicle per handover: one vehicle, one live pass.
    for viewport, scanned, plate in zip(("phone", "desktop"), arriving, ("桂E54321", "桂E54322"),
                                        strict=True):
        page = open_page(viewport)
        log_in(page, STATION_OFFICER)
        page.goto("/checkpoint/handovers/new")
        expect(page.locator("form.form")).to_be_visible()
        fill_handover(page, scanned, plate)
        screenshot(page, "70-handover-form")
        with page.expect_navigation():
            page.click("form.form button.primary")
        assert "/checkpoint/handovers/" in page.url and "/new" not in page.url
        expect(page.locator(".seal-list li")).to_have_count(2)
        screenshot(page, "71-handover-detail")
        page.goto(page.url + "/print")
        expect(page.locator("article.copy")).to_have_count(3)
        expect(page.locator("article.copy-relay svg")).to_have_count(1)
        screenshot(page, "72-handover-sheet")
        page.emulate_media(media="print")
        screenshot(page, "73-handover-sheet-print")


def test_handover_of_an_unknown_number_is_refused_in_the_form(phone_page):
    page = phone_page
    log_in(page, STATION_OFFICER)
    page.goto("/checkpoint/handovers/new")
    fill_handover(page, "450500999999", "桂E54323")
    page.click("form.form button.primary")
    expect(page.locator("#e-arriving")).to_be_visible()
    screenshot(page, "74-handover-refused")


def test_clerk_sees_a_banner_after_a_colour_change(desktop_page):
    page = desktop_page
    log_in(page, "clerk2")  # the demo's yellow enterprise: told of its colour change
    expect(page.locator(".notice-banner")).to_be_visible()
    page.click(".notice-banner a")
    expect(page.locator("li.notice.unread").first).to_be_visible()
    screenshot(page, "75-notifications")
