"""Every page each role reaches fits its screen: nothing scrolls sideways on a phone or on a
desktop, in either language (issue 15 #7). Each page's screenshot is kept for review in
test-artifacts/screenshots/walk-<role>-<lang>-<page>-<size>.png."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import log_in, screenshot

# Links that end the session or lead to files; query strings only re-filter a page.
SKIPPED = re.compile(r"/logout|/api/|/static/|/vendor/|\.(csv|xlsx|png|pdf|json)\b"
                     r"|/export|/download|/licence\b|/qr")
# One page of each shape: /passes/450500000001 and /passes/450500000002 look the same.
SHAPE = re.compile(r"\d{6,}|[A-Za-z0-9_-]{20,}|91[0-9A-Z]{16}")

OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter((element) => {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(element).position === 'fixed') return false;
    // Inside a box that scrolls on its own (a wide table's wrapper) is fine.
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(up).overflowX)) return false;
    }
    return box.right > width + 0.5 || box.left < -0.5;
  });
  return {scrolls: document.documentElement.scrollWidth > width,
          wide: wide.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`)};
}"""


def _walk(page: Page, base: str, limit: int = 40):
    """Each page of a distinct shape reachable by links from where the sign-in landed."""
    seen, queue = set(), [urlsplit(page.url).path]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if SHAPE.sub("*", path) in seen:
            continue
        seen.add(SHAPE.sub("*", path))
        response = page.goto(path)
        if response is None or not response.ok or "text/html" not in response.headers.get(
                "content-type", ""):
            continue
        yield path
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urlsplit(href)
            if href.startswith(base) and not SKIPPED.search(link.path):
                queue.append(link.path)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("username", ["admin", "clerk", "officer"])
def test_no_page_scrolls_sideways(open_page, live_server, username, viewport, lang):
    page = open_page(viewport)
    if lang == "en":
        page.goto("/login?lang=en")
    log_in(page, username)
    misfits, walked = {}, 0
    for path in _walk(page, live_server):
        walked += 1
        name = SHAPE.sub("x", path).strip("/").replace("/", "-") or "home"
        screenshot(page, f"walk-{username}-{lang}-{name}")
        fit = page.evaluate(OVERFLOWING)
        if fit["scrolls"] or fit["wide"]:
            misfits[path] = fit
    assert walked >= 4, "the walk found too few pages to mean anything"
    assert misfits == {}
