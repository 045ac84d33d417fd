"""Issue 4 in a real browser: the officer points the phone at a pass and sees the verdict.

Chromium's fake camera plays an MJPEG made from the QR PNG of a real pass issued through the
API. The server here is this module's own, so that it can be cut off and brought back on the
same address for the offline run.
"""
import io
import re
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

import demo
from accounts.inputs import read_account
from accounts.service import create_user
from checkpoints.models import Scan
from core import crypto
from core.db import db
from core.validators import uscc_check_char
from federation.models import IssuerFeed, TrustedIssuer
from passtokens.qr import to_qr_text
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    demo_city_app,
    log_in,
    screenshot,
)
from tests.integration.pass_data import personnel, resident_id
from whitelist import service as whitelist
from whitelist.inputs import NewColour, read_registration

pytestmark = pytest.mark.browser

FRAME = (640, 480)
OFFLINE_READY_MS = 30_000
RED_FIRM = "北海红树林食品有限公司"
# Not the demo city's plates: one vehicle, one live pass.
PLATES = {"valid": "桂E10101", "revoked": "桂E54321", "yellow": "桂E66666", "red": "桂E88888"}


class Server:
    """The app on 127.0.0.1 at a port that stays the same across stop() and start()."""

    def __init__(self, app):
        self.app, self.port, self.server, self.thread = app, 0, None, None

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Admin:
    username, role, enterprise_id = "scan-test", "admin", None


def _vehicle(plate: str, serial: int) -> dict:
    now = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0)
    sampled = now - timedelta(hours=6)
    return {"kind": "vehicle", "plate": plate, "cargo": "daily",
            "origin": "450502", "destination": "450521",
            "valid_from": (now - timedelta(minutes=10)).isoformat(),
            "valid_until": (now + timedelta(days=5)).isoformat(),
            "driver": {"name": "张三明", "id_number": resident_id(serial), "phone": "13800000000",
                       "health_code": "green",
                       "test": {"result": "negative", "sampled_at": sampled.isoformat()}}}


def _issue(client, clerk: str, plate: str, serial: int) -> dict:
    token = client.post("/api/v1/auth/token",
                        json={"username": clerk, "password": demo.PASSWORD}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    issued = client.post("/api/v1/passes", json=_vehicle(plate, serial), headers=headers)
    assert issued.status_code == 201, issued.text
    png = client.get(f"/api/v1/passes/{issued.json['number']}/qr.png", headers=headers)
    assert png.status_code == 200
    return {"number": issued.json["number"], "qr": issued.json["qr_text"], "png": png.data,
            "headers": headers, "holder_path": urlsplit(issued.json["holder_url"]).path}


def _seed_passes(app) -> dict:
    """A valid pass, a revoked one, one of a yellow and one of a red enterprise."""
    with app.app_context():
        red = whitelist.register_enterprise(
            read_registration({"code": _uscc("91450500MA5KF6006"), "name": RED_FIRM,
                               "categories": ["daily"], "contact_name": "陈经理",
                               "contact_phone": "13907790001", "address": "广西北海市银海区"}),
            _Admin())
        whitelist.approve(red.code, _Admin())
        create_user(read_account({"username": "redclerk", "role": "enterprise",
                                  "enterprise": red.code, "password": demo.PASSWORD}),
                    _Admin.username)
        red_code = red.code
    client = app.test_client()
    passes = {
        "valid": _issue(client, "clerk", PLATES["valid"], 101),
        "revoked": _issue(client, "clerk", PLATES["revoked"], 102),
        "yellow": _issue(client, "clerk2", PLATES["yellow"], 103),
        "red": _issue(client, "redclerk", PLATES["red"], 104),
    }
    revoked = passes["revoked"]
    response = client.post(f"/api/v1/passes/{revoked['number']}/revoke",
                           json={"reason": "车辆更换"}, headers=revoked["headers"])
    assert response.status_code == 200, response.text
    with app.app_context():
        # Red after issuing: a red enterprise may not apply, but its passes still get scanned.
        whitelist.set_colour(red_code, NewColour("red", "厂区发现阳性病例"), _Admin())
    return passes


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scan")
    app = demo_city_app(folder)
    passes = _seed_passes(app)
    server = Server(app)
    server.start()
    yield SimpleNamespace(app=app, server=server, passes=passes, folder=folder)
    server.stop()
    with app.app_context():
        db.engine.dispose()


def write_camera_feed(png: bytes | None, path: Path) -> None:
    """An MJPEG for Chromium's fake camera: JPEG frames, one after another, nothing between.

    The QR fills most of the frame's height, centred on white, as a phone held over it sees
    it; with no PNG the camera sees a blank page.
    """
    frame = Image.new("RGB", FRAME, "white")
    if png is not None:
        qr = Image.open(io.BytesIO(png)).convert("L")
        side = FRAME[1] - 40
        qr = qr.resize((side, side), Image.Resampling.NEAREST)
        frame.paste(qr, ((FRAME[0] - side) // 2, (FRAME[1] - side) // 2))
    jpeg = io.BytesIO()
    frame.save(jpeg, format="JPEG", quality=92)
    staged = path.with_suffix(".tmp")
    staged.write_bytes(jpeg.getvalue() * 10)
    staged.replace(path)  # Chromium maps the file when a stream opens: never a half-written one


@pytest.fixture(scope="module")
def camera_file(city) -> Path:
    path = city.folder / "camera.mjpeg"
    write_camera_feed(city.passes["valid"]["png"], path)
    return path


@pytest.fixture(scope="module")
def camera_browser(browser, camera_file):
    """Chromium with a fake camera that plays camera_file and grants camera access.

    Launched through the session browser's Playwright: one thread can run only one.
    """
    camera = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera_file}"])
    yield camera
    camera.close()


@pytest.fixture(autouse=True)
def unseen_passes(city):
    """Each test starts with passes no checkpoint has scanned: the module's tests scan the
    same passes at several checkpoints within minutes, which is a possible copy."""
    with city.app.app_context():
        db.session.execute(sa.delete(Scan))
        db.session.commit()


@pytest.fixture
def officer_page(camera_browser, city, camera_file):
    """A signed-in officer on a phone-sized page; call it with the pass the camera shows.

    The test fails if the server answered with a 5xx or the page broke its CSP.
    """
    contexts, failures = [], []

    def open_(shown: str | None = "valid", checkpoint: str = "BH-G75-EXIT") -> Page:
        write_camera_feed(city.passes[shown]["png"] if shown else None, camera_file)
        context = camera_browser.new_context(
            base_url=city.server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
            permissions=["camera"], **VIEWPORTS["phone"])
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("response", lambda r: failures.append(f"{r.status} {r.url}")
                if r.status >= 500 else None)
        page.on("console", lambda m: failures.append(m.text)
                if "Content Security Policy" in m.text else None)
        log_in(page, "officer")
        page.evaluate("code => localStorage.setItem('lp.checkpoint', code)", checkpoint)
        page.goto("/checkpoint/scan")
        expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not failures


def type_code(page: Page, text: str) -> None:
    """Verify a code as a hand scanner or the keyboard enters it."""
    page.fill("#manual-code", text)
    page.press("#manual-code", "Enter")


def _live_personnel_pass(city, serial: int):
    """A supply-staff pass of the clerk's that started ten minutes ago: the API's answer."""
    started = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0) \
        - timedelta(minutes=10)
    issued = city.app.test_client().post(
        "/api/v1/passes", json=personnel(serial, valid_from=started.isoformat()),
        headers=city.passes["valid"]["headers"])
    assert issued.status_code == 201, issued.text
    return issued


def verdict(page: Page):
    return page.locator("#verdict")


def reason_codes(page: Page) -> list[str]:
    items = page.locator("#verdict-reasons li:not(.verdict-note)")
    return items.evaluate_all("items => items.map(item => item.dataset.code)")


@pytest.mark.parametrize(("shown", "expected", "reasons"), [
    ("valid", "pass", []),
    ("revoked", "deny", ["revoked"]),
    ("red", "deny", ["enterprise_red"]),
    ("yellow", "check", ["enterprise_yellow"]),
])
def test_camera_scan_shows_the_verdict_full_screen(officer_page, shown, expected, reasons):
    page = officer_page(shown)
    expect(verdict(page)).to_have_attribute("data-verdict", expected)
    assert reason_codes(page) == reasons
    expect(page.locator("#verdict-word")).not_to_be_empty()
    expect(page.locator(f".icon-{expected}")).to_be_visible()
    box = verdict(page).bounding_box()
    assert box["width"] == 390 and box["height"] == 844  # it fills the screen
    expect(page.locator("[data-fact='plate']")).to_have_text(PLATES[shown])
    expect(page.locator("[data-fact='holder']")).to_contain_text("张*明")
    screenshot(page, f"40-scan-{expected}-{shown}")


def test_officer_starts_at_the_scanner_and_picks_a_checkpoint_in_one_tap(camera_browser, city,
                                                                          camera_file):
    write_camera_feed(city.passes["valid"]["png"], camera_file)
    context = camera_browser.new_context(base_url=city.server.url, locale="zh-CN",
                                         timezone_id="Asia/Shanghai", permissions=["camera"],
                                         **VIEWPORTS["phone"])
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, "officer")
        assert page.url.endswith("/checkpoint/scan")
        expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
        page.goto("/checkpoint")
        page.get_by_role("link", name=re.compile("合浦重点物资中转站")).click()
        page.wait_for_url("**/checkpoint/scan?checkpoint=BH-HP-TRANS")
        expect(page.locator("#checkpoint")).to_have_value("BH-HP-TRANS")
        expect(verdict(page)).to_have_attribute("data-verdict", "pass")  # the camera runs there
    finally:
        context.close()


def test_scan_next_returns_to_the_camera(officer_page):
    page = officer_page("valid")
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")
    page.click("#scan-next")
    expect(verdict(page)).to_be_hidden()
    expect(page.locator("#camera-video")).to_be_visible()


def test_typed_code_is_verified_and_a_wrong_plate_is_not_honoured(officer_page, city):
    page = officer_page(None)
    type_code(page, city.passes["valid"]["qr"])
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")
    page.fill("#plate-seen", "桂E99999")
    page.press("#plate-seen", "Enter")
    expect(page.locator("#verdict-reasons li[data-code='plate_mismatch']")).to_be_visible()
    expect(verdict(page)).to_have_attribute("data-verdict", "deny")
    screenshot(page, "41-scan-deny-plate")
    page.click("#plate-confirm")
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")
    expect(page.locator("#verdict-reasons li[data-code='plate-confirmed']")).to_be_visible()


def test_a_hand_scanner_typing_anywhere_on_the_page_is_verified(officer_page, city):
    page = officer_page(None)
    page.locator("body").click(position={"x": 5, "y": 700})  # focus on nothing in particular
    page.keyboard.type(city.passes["yellow"]["qr"])
    page.keyboard.press("Enter")
    expect(verdict(page)).to_have_attribute("data-verdict", "check")


def test_a_code_typed_before_a_checkpoint_is_chosen_is_kept(officer_page, city):
    page = officer_page(None, checkpoint="")
    expect(page.locator("#checkpoint")).to_have_value("")
    type_code(page, city.passes["valid"]["qr"])
    expect(page.locator("#camera-state")).to_have_text("请先选择所在卡口，已输入的内容会保留。")
    expect(page.locator("#manual-code")).to_have_value(city.passes["valid"]["qr"])
    page.select_option("#checkpoint", "BH-G75-EXIT")
    page.press("#manual-code", "Enter")
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")


def test_a_scan_after_the_session_ended_says_so_on_the_verdict(officer_page, city):
    page = officer_page(None)
    other_tab = page.context.new_page()
    other_tab.goto("/checkpoint")
    with other_tab.expect_navigation():
        other_tab.locator("form[action$='/logout'] button").click()
    type_code(page, city.passes["valid"]["qr"])
    expect(page.locator("#verdict-offline")).to_have_text(
        "登录已失效：已按本机离线数据判定，请重新登录。")


def test_the_shift_log_on_a_phone_shows_no_empty_plate_row(officer_page, city):
    page = officer_page(None)
    type_code(page, city.passes["valid"]["qr"])
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")
    page.goto("/checkpoint/scans")
    first = page.locator("table.scans tbody tr").first
    expect(first.locator("td[data-label='时间']")).to_be_visible()
    expect(first.locator("td[data-label='实际车牌']")).to_be_hidden()
    screenshot(page, "43-scan-log-phone")


def test_random_text_is_not_honoured(officer_page):
    page = officer_page(None)
    type_code(page, "https://example.com/some-other-code")
    expect(verdict(page)).to_have_attribute("data-verdict", "deny")
    assert reason_codes(page) == ["malformed"]
    expect(page.locator("#verdict-facts")).to_be_hidden()


def test_server_time_is_shown_and_a_wrong_phone_clock_is_flagged(officer_page):
    page = officer_page(None)
    expect(page.locator("#server-time")).to_have_text(re.compile(r"\d\d:\d\d:\d\d"))
    expect(page.locator("#clock-warning")).to_be_hidden()
    page.clock.install(time=datetime.now(UTC) + timedelta(minutes=3))
    page.reload()
    expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
    expect(page.locator("#clock-warning")).to_be_visible()
    screenshot(page, "42-scan-clock-warning")


def _offline_ready(page: Page) -> None:
    """Wait until the worker is active, so that it serves the next load (every caller
    reloads), and the JWKS and bundle are kept."""
    # A function, not an expression: Playwright polls an expression with eval, which the
    # page's CSP refuses whenever the first check is false. The worker's install fetches
    # the decoder's wasm, which took longer than the default 10 s once on a loaded machine.
    # Not `navigator.serviceWorker.controller`: clients.claim() reaching the page already
    # open is not what going offline needs, and on a loaded machine it once never came.
    page.wait_for_function("""async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        return registration?.active?.state === 'activated';
    }""", timeout=OFFLINE_READY_MS)
    page.wait_for_function("""async () => {
        const cache = await caches.open('lp-scan-data-v1');
        const shell = await caches.open('lp-scan-shell-v1');
        return Boolean(await cache.match('/api/v1/offline-bundle'))
            && Boolean(await cache.match('/.well-known/jwks.json'))
            && Boolean(await shell.match('/checkpoint/scan'))
            && (await shell.keys()).some(r => r.url.endsWith('.wasm'));
    }""", timeout=OFFLINE_READY_MS)


def _offline_scans(city) -> list[Scan]:
    with city.app.app_context():
        return db.session.scalars(sa.select(Scan).where(Scan.offline.is_(True))).all()


def test_offline_scans_are_verified_on_the_phone_and_uploaded_when_back(officer_page, city,
                                                                         camera_file):
    page = officer_page("valid")
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")
    _offline_ready(page)
    before = len(_offline_scans(city))

    city.server.stop()  # the worker's own fetches ignore set_offline: cut the server too
    page.context.set_offline(True)
    try:
        page.reload()  # the page, its scripts and zxing-wasm now come from the worker
        expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
        expect(page.locator("#network")).to_have_attribute("data-state", "offline")
        expect(verdict(page)).to_have_attribute("data-verdict", "pass")
        expect(page.locator("#verdict-offline")).to_be_visible()
        screenshot(page, "43-scan-offline-pass")

        write_camera_feed(None, camera_file)  # read when the camera opens: at the reload
        page.reload()
        expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
        type_code(page, city.passes["revoked"]["qr"])
        expect(verdict(page)).to_have_attribute("data-verdict", "deny")
        assert reason_codes(page) == ["revoked"]
        screenshot(page, "44-scan-offline-deny")
        page.click("#scan-next")
        expect(page.locator("#queue-note")).to_contain_text("2")
        expect(page.locator("#offline-note")).to_be_visible()
        screenshot(page, "45-scan-offline-waiting")
    finally:
        city.server.start()
        page.context.set_offline(False)

    expect(page.locator("#queue-note")).to_be_hidden(timeout=30_000)
    stored = _offline_scans(city)[before:]
    assert sorted(scan.verdict for scan in stored) == ["deny", "pass"]
    assert {scan.pass_number for scan in stored} == {
        city.passes["valid"]["number"], city.passes["revoked"]["number"]}


RECORD_DEVICE_CALLS = """
window.deviceCalls = [];
Object.defineProperty(Navigator.prototype, 'wakeLock', {configurable: true, get: () => ({
  request: async (type) => {
    window.deviceCalls.push(['wakeLock', type]);
    return {addEventListener() {}, release: async () => {}};
  },
})});
Navigator.prototype.vibrate = function (pattern) {
  window.deviceCalls.push(['vibrate', pattern]);
  return true;
};
"""


def test_the_screen_stays_on_while_scanning_and_the_phone_vibrates_the_verdict(officer_page):
    page = officer_page("red")
    page.add_init_script(RECORD_DEVICE_CALLS)  # for the reload: the device APIs, recorded
    page.reload()
    expect(verdict(page)).to_have_attribute("data-verdict", "deny")
    calls = page.evaluate("window.deviceCalls")
    assert ["wakeLock", "screen"] in calls
    assert ["vibrate", [600]] in calls  # the long buzz of a denial


def _luminance(css_colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(n) for n in re.findall(r"\d+", css_colour)[:3])
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, other: str) -> float:
    """WCAG 2 contrast ratio of two computed CSS colours."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("shown", ["pass", "check", "deny"])
def test_every_verdict_has_7_to_1_contrast_for_sunlight(officer_page, shown):
    page = officer_page(None)
    background, text = page.evaluate("""verdict => {
        const screen = document.getElementById('verdict');
        screen.dataset.verdict = verdict;
        return [getComputedStyle(screen).backgroundColor,
                getComputedStyle(document.getElementById('verdict-word')).color];
    }""", shown)
    assert contrast(background, text) >= 7, (background, text)


def test_officer_sees_possible_copy_with_the_earlier_scans_place_and_time(officer_page, city):
    """Issue 12: a pass scanned at another checkpoint minutes ago is caught at the gate."""
    client = city.app.test_client()
    copied = _issue(client, "clerk", "桂E77777", 105)
    token = client.post("/api/v1/auth/token", json={"username": "officer",
                                                    "password": demo.PASSWORD}).json
    first = client.post("/api/v1/verify", json={"qr": copied["qr"], "checkpoint": "BH-TSG-GATE"},
                        headers={"Authorization": f"Bearer {token['access_token']}"})
    assert first.json["verdict"] == "check"  # 450512 is off this pass's route: off_route
    page = officer_page(None)  # at BH-G75-EXIT
    type_code(page, copied["qr"])
    expect(verdict(page)).to_have_attribute("data-verdict", "check")
    assert reason_codes(page) == ["possible_copy"]
    earlier = page.locator("#verdict-reasons li[data-code='earlier-scan']")
    expect(earlier).to_contain_text("铁山港工业园区卡口")
    expect(earlier).to_contain_text(re.compile(r"\d\d:\d\d"))
    screenshot(page, "46-scan-possible-copy")


def test_holder_page_of_a_red_enterprise_says_checkpoints_will_refuse(browser, city):
    """Issue 12: the driver sees what every checkpoint will answer, not just the window."""
    context = browser.new_context(base_url=city.server.url, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", **VIEWPORTS["phone"])
    try:
        page = context.new_page()
        page.goto(city.passes["red"]["holder_path"])
        note = page.locator("#checkpoint-verdict")
        expect(note).to_be_visible()
        expect(note).to_contain_text("卡口将不予认可本通行证")
        expect(note).to_contain_text("红色")
        expect(page.locator("body")).to_have_attribute("data-verdict", "deny")
        screenshot(page, "47-holder-red-refused")
        valid = context.new_page()
        valid.goto(city.passes["valid"]["holder_path"])
        expect(valid.locator("body")).to_have_attribute("data-verdict", "pass")
        expect(valid.locator("#checkpoint-verdict")).to_be_hidden()
    finally:
        context.close()


def test_a_supply_staff_pass_is_labelled_as_one_not_as_a_vehicle(officer_page, city):
    """Issue 15 #6: no "plate: supply-staff pass (no vehicle)" and no "driver"."""
    issued = _live_personnel_pass(city, 107)
    page = officer_page(None)
    type_code(page, issued.json["qr_text"])
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")
    facts = page.locator("#verdict-facts")
    expect(facts).to_contain_text("通行证类型")
    expect(facts).to_contain_text("保供人员")
    expect(facts).not_to_contain_text("车牌号")
    expect(facts).not_to_contain_text("驾驶员")
    expect(page.locator("[data-fact='plate']")).to_have_text("保供人员通行证")
    expect(page.locator("#plate-tools")).to_be_hidden()
    screenshot(page, "48-scan-supply-staff")


@pytest.fixture
def qinzhou(city):
    """Qinzhou on the trust list in force with a fresh feed, and the QR of one of its passes."""
    key = crypto.generate_private_key()
    enterprise = "91450700MA5KA1001P"
    now = datetime.now(UTC).replace(microsecond=0)
    feed = {"issuer": "450700", "generated_at": now.isoformat(), "max_age_s": 900,
            "colours": {enterprise: "green"}, "states": {enterprise: "approved"},
            "revoked": [], "revoked_kids": [], "holds": []}
    with city.app.app_context():
        db.session.add(TrustedIssuer(
            area="450700", name="钦州市", feed_url="http://127.0.0.1:9/api/v1/status-feed",
            jwks={"keys": [crypto.public_jwk(key.public_key(), "q7k")]}))
        db.session.add(IssuerFeed(area="450700", generated_at=now, max_age_s=900, payload=feed))
        db.session.commit()
    stamp = int(now.timestamp())
    claims = {"jti": "450700000042", "nbf": stamp - 3600, "exp": stamp + 86400, "k": 1,
              "e": enterprise, "p": "桂N12345", "n": "李*华", "i": "5678", "t": stamp - 3600,
              "c": 2, "o": 450702, "d": 450502}
    yield to_qr_text(crypto.sign(claims, key, "q7k", deflate=True))
    with city.app.app_context():
        db.session.execute(sa.delete(IssuerFeed))
        db.session.execute(sa.delete(TrustedIssuer))
        db.session.commit()


def test_a_pass_of_another_city_names_its_issuing_city_online_and_offline(officer_page, city,
                                                                         qinzhou):
    page = officer_page(None)
    type_code(page, qinzhou)
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")
    expect(page.locator("[data-fact='enterprise']")).to_contain_text("钦州市签发")
    screenshot(page, "47-scan-foreign-pass")
    _offline_ready(page)
    city.server.stop()
    page.context.set_offline(True)
    try:
        page.reload()
        expect(page.locator("#network")).to_have_attribute("data-state", "offline")
        type_code(page, qinzhou)
        expect(verdict(page)).to_have_attribute("data-verdict", "pass")
        expect(page.locator("#verdict-offline")).to_be_visible()
        expect(page.locator("[data-fact='enterprise']")).to_contain_text("钦州市签发")
    finally:
        city.server.start()
        page.context.set_offline(False)


def test_offline_verdict_on_a_supply_staff_pass_speaks_of_the_holder(officer_page, city):
    """A personnel pass decided on the phone gets the server's personnel words."""
    issued = _live_personnel_pass(city, 108)
    page = officer_page(None, checkpoint="BH-TSG-GATE")  # 450512: not home 450503 or work 450502
    _offline_ready(page)
    city.server.stop()
    page.context.set_offline(True)
    try:
        page.reload()
        expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
        expect(page.locator("#network")).to_have_attribute("data-state", "offline")
        type_code(page, issued.json["qr_text"])
        expect(verdict(page)).to_have_attribute("data-verdict", "check")
        expect(page.locator("#verdict-offline")).to_be_visible()
        assert reason_codes(page) == ["off_route"]
        reason = page.locator("#verdict-reasons li[data-code='off_route']")
        expect(reason).to_have_text("本卡口不在持证人住地与工作地之间：请询问去向。")
    finally:
        city.server.start()
        page.context.set_offline(False)


def test_verdict_shows_the_crew_online_and_offline(officer_page, city, camera_file):
    """Issue 15 #9: the co-drivers and escorts, masked, on a row a pass without crew hides."""
    client = city.app.test_client()
    started = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0) \
        - timedelta(minutes=10)
    crew = _vehicle("桂E20202", 141)["driver"] | {"name": "李四海", "id_number": resident_id(142)}
    application = _vehicle("桂E20202", 141) | {"valid_from": started.isoformat(), "crew": [crew]}
    issued = client.post("/api/v1/passes", json=application,
                         headers=city.passes["valid"]["headers"])
    assert issued.status_code == 201, issued.text
    page = officer_page("valid")
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")
    expect(page.locator("#fact-crew")).to_be_hidden()
    page.click("#scan-next")
    type_code(page, issued.json["qr_text"])
    expect(verdict(page)).to_have_attribute("data-verdict", "pass")
    expect(page.locator("#fact-crew")).to_be_visible()
    expect(page.locator("#fact-crew")).to_contain_text("随车人员")
    expect(page.locator("[data-fact='crew']")).to_have_text(f"李*海 **{resident_id(142)[-4:]}")
    screenshot(page, "49-scan-crew")
    _offline_ready(page)

    city.server.stop()
    page.context.set_offline(True)
    try:
        write_camera_feed(None, camera_file)
        page.reload()
        expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
        type_code(page, issued.json["qr_text"])
        expect(page.locator("#verdict-offline")).to_be_visible()
        expect(page.locator("[data-fact='crew']")).to_have_text(f"李*海 **{resident_id(142)[-4:]}")
    finally:
        city.server.start()
        page.context.set_offline(False)
    expect(page.locator("#queue-note")).to_be_hidden(timeout=30_000)
