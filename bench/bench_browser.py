"""Scanning in the browser (issue 6): camera frame to verdict online, and the offline check.

Run from the repository root:  .venv/bin/python bench/bench_browser.py [--scans 40]

A demo city on SQLite in a temporary folder, served on loopback; two passes issued through
the API, their QR PNGs played by Chromium's fake camera (an MJPEG, the QR filling the frame's
height as in tests/browser), one after the other so that the page never waits out its
same-code quiet time. A signed-in officer keeps scanning with the real page: zxing-wasm
decodes the frame, the page POSTs /api/v1/verify, renders the verdict; then the server is cut
and the browser set offline, and the same page decides with WebCrypto and the signed bundle.

The page marks each stage with performance.mark (static/js/scan): lp:frame (frame grabbed),
lp:decoded, lp:verify (decoded text in hand), lp:answered (server's JSON parsed) or
lp:check / lp:checked (offline signature and rules), lp:verdict (data-verdict set and the
verdict filled in). The bench adds bench:painted, the end of the next rendered frame.
"""
import argparse
import io
import logging
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import browser_trace
from harness import PASSWORD, application
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

# harness has put the repository root on sys.path.
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    close_database,
    demo_city_app,
    log_in,
    serving,
)

CHECKPOINT = "BH-G75-EXIT"
FRAMES_PER_PASS = 15  # about half a second of video each at the fake camera's 30 fps
CAMERA_FLAGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]

# Marks the end of the first frame rendered after the verdict appears: requestAnimationFrame
# runs just before that frame's style, layout and paint, a task queued from it just after.
PAINT_PROBE = """
new MutationObserver((changes) => {
  if (changes.some((change) => change.target.dataset.verdict)) {
    requestAnimationFrame(() => setTimeout(() => performance.mark('bench:painted'), 0));
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-verdict'] });
"""
READ_MARKS = """() => Object.fromEntries(performance.getEntriesByType('mark')
    .filter((mark) => mark.name.startsWith('lp:') || mark.name.startsWith('bench:'))
    .map((mark) => [mark.name, mark.startTime]))"""
# Only the last mark of each name is read: frames decoded while the page ignored a repeated
# code leave earlier lp:frame / lp:decoded marks.

ONLINE_STAGES = [
    ("decode (frame grabbed -> text)", "lp:frame", "lp:decoded"),
    ("hand-over (text -> verify starts)", "lp:decoded", "lp:verify"),
    ("network round trip (POST /api/v1/verify)", "lp:verify", "lp:answered"),
    ("render (JSON -> verdict in the DOM)", "lp:answered", "lp:verdict"),
    ("**frame -> data-verdict** (target 300 ms)", "lp:frame", "lp:verdict"),
    ("next frame painted", "lp:verdict", "bench:painted"),
    ("frame -> painted", "lp:frame", "bench:painted"),
]
OFFLINE_STAGES = [
    ("decode (frame grabbed -> text)", "lp:frame", "lp:decoded"),
    ("**signature + rules** (checkOffline, target 50 ms)", "lp:check", "lp:checked"),
    ("**text -> data-verdict** (incl. queueing the scan)", "lp:verify", "lp:verdict"),
    ("  of which queueing (IndexedDB) and render", "lp:checked", "lp:verdict"),
    ("frame -> data-verdict", "lp:frame", "lp:verdict"),
    ("frame -> painted", "lp:frame", "bench:painted"),
]


def issue_passes(app, count: int) -> list[bytes]:
    """Issue `count` vehicle passes of the demo clerk (a green enterprise); their QR PNGs."""
    client = app.test_client()
    token = client.post("/api/v1/auth/token",
                        json={"username": "clerk", "password": PASSWORD}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    pngs = []
    for n in range(count):
        issued = client.post("/api/v1/passes", json=application(n), headers=headers)
        if issued.status_code != 201:
            raise RuntimeError(f"could not issue a pass: {issued.status_code} {issued.text}")
        png = client.get(f"/api/v1/passes/{issued.json['number']}/qr.png", headers=headers)
        pngs.append(png.data)
    return pngs


def write_camera_feed(pngs: list[bytes], path: Path, size: tuple[int, int]) -> None:
    """An MJPEG for Chromium's fake camera showing each QR in turn, as tests/browser does:
    the QR fills the frame's height less 40 px, centred on white."""
    width, height = size
    side = height - 40
    frames = []
    for png in pngs:
        frame = Image.new("RGB", size, "white")
        qr = Image.open(io.BytesIO(png)).convert("L").resize((side, side),
                                                             Image.Resampling.NEAREST)
        frame.paste(qr, ((width - side) // 2, (height - side) // 2))
        jpeg = io.BytesIO()
        frame.save(jpeg, format="JPEG", quality=92)
        frames.append(jpeg.getvalue() * FRAMES_PER_PASS)
    path.write_bytes(b"".join(frames))


def scan(page: Page, offline: bool) -> dict[str, float]:
    """Wait for the camera's next verdict, read its marks, and go back to scanning.

    "Scan next" clears the page's marks, so the marks waited for are the next scan's.
    """
    page.wait_for_function("() => performance.getEntriesByName('bench:painted').length > 0")
    marks = page.evaluate(READ_MARKS)
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "pass")
    # Guard against measuring a shortcut: each scan came from the camera, and took the path
    # it was meant to (the server online, WebCrypto and the bundle offline).
    expected, absent = ("lp:checked", "lp:answered") if offline else ("lp:answered", "lp:checked")
    if "lp:frame" not in marks or expected not in marks or absent in marks:
        raise RuntimeError(f"unexpected path for an {'off' if offline else 'on'}line scan: "
                           f"{sorted(marks)}")
    if offline:
        expect(page.locator("#verdict-offline")).to_be_visible()
    page.click("#scan-next")
    return marks


def scans(page: Page, count: int, warmup: int, offline: bool,
          trace: Path | None = None) -> list[dict[str, float]]:
    """Marks of `count` scans after `warmup`; with `trace`, a Chromium trace of them too."""
    for _ in range(warmup):
        scan(page, offline)
    if trace:
        page.context.browser.start_tracing(page=page, path=str(trace),
                                           categories=browser_trace.CATEGORIES)
    marks = [scan(page, offline) for _ in range(count)]
    if trace:
        page.context.browser.stop_tracing()
    return marks


class VerifyTimer:
    """WSGI middleware keeping the server's own time for each POST /api/v1/verify: from the
    request reaching Flask to its response body being ready (verify and durable commit)."""

    def __init__(self, app):
        self.app, self.times = app, []

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        body = self.app(environ, start_response)
        if environ["PATH_INFO"] == "/api/v1/verify" and environ["REQUEST_METHOD"] == "POST":
            self.times.append((time.perf_counter() - started) * 1000)
        return body


def summary(runs: list[dict[str, float]], stages) -> list[str]:
    rows = ["| stage | median | p95 | max |", "| --- | --- | --- | --- |"]
    for label, start, end in stages:
        rows.append(row(label, [run[end] - run[start] for run in runs]))
    return rows


def row(label: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[math.ceil(0.95 * len(times)) - 1]
    return (f"| {label} | {statistics.median(times):.1f} ms | {p95:.1f} ms"
            f" | {times[-1]:.1f} ms |")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def open_scanner(browser, url: str, failures: list[str]) -> Page:
    """A signed-in officer on the scanning page, phone-sized; 5xx answers and script
    errors go to `failures`."""
    context = browser.new_context(base_url=url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  permissions=["camera"], **VIEWPORTS["phone"])
    context.set_default_timeout(30_000)
    context.add_init_script(PAINT_PROBE)
    page = context.new_page()
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}")
            if r.status >= 500 else None)
    page.on("pageerror", lambda error: failures.append(f"script: {error}"))
    log_in(page, "officer")
    page.evaluate("code => localStorage.setItem('lp.checkpoint', code)", CHECKPOINT)
    page.goto("/checkpoint/scan")
    expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
    return page


def wait_until_offline_ready(page: Page) -> None:
    """The worker controls the page and keeps the page, zxing-wasm, the JWKS and the bundle."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("""async () => {
        const data = await caches.open('lp-scan-data-v1');
        const shell = await caches.open('lp-scan-shell-v1');
        return Boolean(await data.match('/api/v1/offline-bundle'))
            && Boolean(await data.match('/.well-known/jwks.json'))
            && Boolean(await shell.match('/checkpoint/scan'))
            && (await shell.keys()).some((request) => request.url.endsWith('.wasm'));
    }""")


def describe_page(page: Page) -> str:
    page.wait_for_function("() => document.getElementById('camera-video').videoWidth > 0")
    facts = page.evaluate("""() => {
        const video = document.getElementById('camera-video');
        const fps = video.srcObject.getVideoTracks()[0].getSettings().frameRate;
        return [video.videoWidth, video.videoHeight, fps, 'BarcodeDetector' in globalThis,
                navigator.userAgent];
    }""")
    width, height, fps, native, agent = facts
    reader = "native BarcodeDetector" if native else "zxing-wasm (no BarcodeDetector)"
    return f"camera {width}x{height} at {fps:g} fps, decoded by {reader}; {agent}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=40, help="measured scans per mode")
    parser.add_argument("--warmup", type=int, default=3, help="scans left out first")
    parser.add_argument("--frame", default="1280x720",
                        help="camera frame WIDTHxHEIGHT (the page asks for 1280x720)")
    parser.add_argument("--trace", type=Path, metavar="FOLDER",
                        help="keep Chromium traces of the measured scans here and show where "
                             "the slowest scans' time went")
    args = parser.parse_args()
    size = tuple(int(side) for side in args.frame.split("x"))
    traces = {}
    if args.trace:
        args.trace.mkdir(parents=True, exist_ok=True)
        traces = {mode: args.trace / f"scan-{mode}.json" for mode in ("online", "offline")}

    with tempfile.TemporaryDirectory(prefix="lp-bench-browser-") as folder, \
            sync_playwright() as driver:
        app = demo_city_app(Path(folder))
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line a request
        camera = Path(folder) / "camera.mjpeg"
        write_camera_feed(issue_passes(app, 2), camera, size)
        app.wsgi_app = timer = VerifyTimer(app.wsgi_app)
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
            *CAMERA_FLAGS, f"--use-file-for-fake-video-capture={camera}"])
        failures = []
        try:
            with serving(app) as url:
                page = open_scanner(browser, url, failures)
                print(f"# {describe_page(page)}")
                print(f"# before: {uptime()}")
                online = scans(page, args.scans, args.warmup, False, traces.get("online"))
                wait_until_offline_ready(page)
            # The server is gone; the worker's own fetches ignore set_offline.
            page.context.set_offline(True)
            page.reload()
            expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")
            expect(page.locator("#network")).to_have_attribute("data-state", "offline")
            offline = scans(page, args.scans, args.warmup, True, traces.get("offline"))
            print(f"# after: {uptime()}")
        finally:
            browser.close()
            close_database(app)
            if failures:
                print("errors while scanning:", *failures, sep="\n  ", file=sys.stderr)
    if failures:
        raise SystemExit(1)

    print(f"\n## Online, loopback: {len(online)} scans after {args.warmup} warm-up\n")
    print("\n".join(summary(online, ONLINE_STAGES)))
    print(row("  server's own time in it (Flask: verify + durable commit)",
              timer.times[-len(online):]))
    print(f"\n## Offline (server stopped, browser offline): {len(offline)} scans after "
          f"{args.warmup} warm-up\n")
    print("\n".join(summary(offline, OFFLINE_STAGES)))
    for mode, path in traces.items():
        stages = ONLINE_STAGES if mode == "online" else OFFLINE_STAGES
        page_stages = [stage for stage in stages if stage[2].startswith("lp:")]  # in the trace
        print(f"\n## {mode.capitalize()}, slowest scans: wall ms / page main-thread CPU ms"
              f" ({path})\n")
        print("\n".join(browser_trace.scan_split(path, page_stages)))


if __name__ == "__main__":
    main()
