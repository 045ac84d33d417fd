"""Every page each demo account can reach speaks one language: no English interface text on
the Chinese pages and no Chinese interface text on the English ones (issue 15).

The walk follows the links of the demo city as each role sees it, the way a user clicks
through; what counts as interface text is what the message catalogues hold.
"""
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from babel.messages.pofile import read_po

import demo

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
CJK = re.compile(r"[\u4e00-\u9fff]")
ACCOUNTS = ("admin", "clerk", "newclerk", "officer")
MAX_PAGES = 120
# Links that end the session, switch the language, or lead to files rather than pages.
SKIPPED = re.compile(r"/logout|[?&]lang=|/api/|/static/|/vendor/|\.(csv|xlsx|png|pdf|json)\b"
                     r"|/export|/download|/licence\b|/qr|/sheet")


def _catalogue_texts() -> tuple[set[str], set[str]]:
    """Fragments of the English sources and of their Chinese translations that no page
    in the other language should show."""
    english, chinese = set(), set()
    for path in ROOT.glob("*/translations/zh/LC_MESSAGES/messages.po"):
        with path.open("rb") as file:
            for message in read_po(file):
                source, translated = (text[0] if isinstance(text, tuple) else text
                                      for text in (message.id, message.string))
                if not source or not translated or source == translated:
                    continue
                english.update(part.strip() for part in PLACEHOLDER.split(source)
                               if len(part.split()) >= 3)
                chinese.update(part.strip() for part in PLACEHOLDER.split(translated)
                               if len(CJK.findall(part)) >= 4)
    return english, chinese


ENGLISH, CHINESE = _catalogue_texts()
# What users should never be told to type or read: commands and raw codes.
COMMAND_SPEAK = ("flask --app", "enterprise:", "None")


def _demo_texts(value) -> set[str]:
    """The Chinese the demo city typed (names, addresses, reasons): data, not interface."""
    if isinstance(value, str):
        return {value} if CJK.search(value) else set()
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set):
        return set().union(*map(_demo_texts, value)) if value else set()
    return set()


DEMO_TEXTS = sorted(_demo_texts([value for name, value in vars(demo).items()
                                 if name.isupper()]), key=len, reverse=True)


class _Page(HTMLParser):
    """A page's visible text (with the texts its scripts carry as JSON) and its links.

    Text inside an element marked with a language other than the page's (a text message
    that is Chinese whatever the clerk reads) is left out, as screen readers treat it.
    """

    def __init__(self):
        super().__init__()
        self.text, self.links, self._hidden = [], [], 0
        self._language, self._foreign = None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self._language = attrs.get("lang")
        elif attrs.get("lang") and attrs["lang"] != self._language:
            self._foreign.append(tag)
        if tag == "style" or (tag == "script" and attrs.get("type") != "application/json"):
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("title", "placeholder", "aria-label", "alt", "data-hint",
                     "data-no-match", "data-confirm"):
            if attrs.get(name):
                self.text.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self._hidden:
            self._hidden -= 1
        if self._foreign and self._foreign[-1] == tag:
            self._foreign.pop()

    def handle_data(self, data):
        if not self._hidden and not self._foreign:
            self.text.append(data)


def _walk(client, start: str):
    """(path, text) of every HTML page reachable by links from start, at most MAX_PAGES."""
    seen, queue = set(), [start]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow_redirects=True)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        path = response.request.path + (f"?{response.request.query_string.decode()}"
                                         if response.request.query_string else "")
        seen.add(path)
        page = _Page()
        page.feed(response.get_data(as_text=True))
        text = " ".join(page.text).replace("\\n", " ")
        for data in DEMO_TEXTS:
            text = text.replace(data, " ")
        yield path, text
        for href in page.links:
            link = urlsplit(urljoin(path, href))
            if link.netloc or link.scheme not in ("", "http") or SKIPPED.search(href):
                continue
            target = link.path + (f"?{link.query}" if link.query else "")
            if target not in seen:
                queue.append(target)


@pytest.fixture
def demo_city(app):
    with app.app_context():
        demo.seed("http://localhost")
    return app


@pytest.mark.parametrize("username", ACCOUNTS)
def test_chinese_pages_show_no_english_interface_text(demo_city, username):
    client = demo_city.test_client()
    client.post("/login", data={"username": username, "password": demo.PASSWORD})
    found = {(path, text) for path, page in _walk(client, "/")
             for text in (*ENGLISH, *COMMAND_SPEAK) if text in page}
    assert sorted(found) == []


@pytest.mark.parametrize("username", ACCOUNTS)
def test_english_pages_show_no_chinese_interface_text(demo_city, username):
    client = demo_city.test_client()
    client.get("/login?lang=en")  # remembered in a cookie
    client.post("/login", data={"username": username, "password": demo.PASSWORD})
    found = {(path, text) for path, page in _walk(client, "/")
             for text in CHINESE if text in page}
    assert sorted(found) == []


def test_the_check_sees_interface_text_but_not_text_marked_as_another_language():
    page = _Page()
    page.feed('<html lang="en"><body><p>Pass 1: 保供人员通行证</p>'
              '<textarea lang="zh-CN">保供人员通行证 北京时间</textarea></body></html>')
    text = " ".join(page.text)
    assert "保供人员通行证" in CHINESE and "北京时间" in CHINESE
    assert "保供人员通行证" in text and "北京时间" not in text
