"""A live server on the demo city and a real Chromium, for end-to-end tests of the pages.

The server is built once per session on its own SQLite file, seeded with the demo data and
served with CSRF on, as in production. Tests here never use the `app` fixture, so they are
not parametrized over databases.
"""
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

import demo
from app import create_app
from core.db import db
from whitelist.service import ensure_reference_data

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Chromium logs every 4xx page as an error; tests expect some (422 forms, 401 sign-in).
EXPECTED_STATUS_LOG = "Failed to load resource: the server responded with a status of 4"
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


def demo_city_app(folder: Path):
    """An app on a fresh SQLite file in `folder`, set up as `flask init-db` and
    `flask seed-demo` would, with CSRF on as in production."""
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
        "INSTANCE_PATH": str(folder / "instance"),
        "SECRET_KEY": "browser-test-secret",
        "KEY_ENCRYPTION_SECRET": "browser-test-key-secret",
        "SESSION_COOKIE_SECURE": False,  # plain http on 127.0.0.1
    })
    with app.app_context():
        upgrade()
        ensure_reference_data()
        demo.seed("http://127.0.0.1")
        db.session.remove()
    return app


def closing_every_response(app):
    """The app, its every response closed even when the browser hangs up.

    werkzeug's development server drains the socket before it closes the response, and the
    drain raises on a dropped connection, so a static file's handle was left to the garbage
    collector, whose ResourceWarning then failed whichever test was running. A generator's
    `finally` runs when it is discarded, closing the response there.
    """
    def closing(environ, start_response):
        chunks = app(environ, start_response)
        try:
            yield from chunks
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
    return closing


@contextmanager
def serving(app, port: int = 0) -> Iterator[str]:
    """Serve the app on 127.0.0.1 in a thread; yields the base URL."""
    server = make_server("127.0.0.1", port, closing_every_response(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def close_database(app) -> None:
    """Close pooled SQLite connections before they warn."""
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """The base URL of the app, serving the demo city from a fresh SQLite file."""
    app = demo_city_app(tmp_path_factory.mktemp("live"))
    with serving(app) as url:
        yield url
    close_database(app)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The one Playwright driver of the session: a second sync_playwright() in the same
    thread fails, so modules needing a browser with other flags launch it from this one."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def open_page(browser, live_server) -> Iterator[Callable[[str], Page]]:
    """Open a page in a fresh context sized as "phone" or "desktop".

    Each page fails its test if the server answers a request with a 5xx or the browser
    logs an error (a Content-Security-Policy violation, a failed script).
    """
    contexts, failures = [], []

    def open_(viewport: str = "desktop") -> Page:
        context = browser.new_context(base_url=live_server, locale="zh-CN",
                                      timezone_id="Asia/Shanghai", **VIEWPORTS[viewport])
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("response", lambda r: failures.append(f"{r.status} {r.url}")
                if r.status >= 500 else None)
        page.on("console", lambda m: failures.append(f"console: {m.text}")
                if m.type == "error" and not m.text.startswith(EXPECTED_STATUS_LOG) else None)
        page.on("pageerror", lambda error: failures.append(f"script: {error}"))
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not failures, f"errors while the test ran: {failures}"


@pytest.fixture
def phone_page(open_page) -> Page:
    return open_page("phone")


@pytest.fixture
def desktop_page(open_page) -> Page:
    return open_page("desktop")


def log_in(page: Page, username: str, password: str = demo.PASSWORD) -> None:
    """Sign in through the login form as a demo account and wait for the home page."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form.form button")
    assert "/login" not in page.url, f"{username} could not sign in"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as test-artifacts/screenshots/<name>-<phone|desktop>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = "phone" if page.viewport_size["width"] < 600 else "desktop"
    path = ARTIFACTS / f"{name}-{size}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
