"""Every visible string has its Chinese translation, with the same placeholders."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("*/translations/zh/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_every_feature_has_a_catalogue():
    assert {path.parts[-5] for path in CATALOGUES} >= {
        "core", "accounts", "audit", "whitelist", "passes", "checkpoints"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-5])
def test_catalogue_is_complete_and_keeps_placeholders(path):
    with path.open("rb") as file:
        catalogue = read_po(file)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        # Plural entries hold tuples; Chinese has one form.
        source, translated = _first(message.id), _first(message.string)
        if not translated or message.fuzzy:
            problems.append(f"untranslated: {source!r}")
        elif sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
            problems.append(f"placeholders differ: {source!r}")
    assert problems == []


def _first(text):
    return text[0] if isinstance(text, tuple) else text


# Which sources feed which catalogue; scripts/i18n.sh extracts the same way.
SOURCES = {"core": ["core", "templates", "app.py", "commands.py", "demo.py"]}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}


def extracted(package: str) -> set[str]:
    ids = set()
    for source in SOURCES.get(package, [package]):
        path = ROOT / source
        if path.is_dir():
            found = extract_from_dir(path, METHODS, keywords=KEYWORDS)
        else:
            with path.open("rb") as file:
                found = [(path.name, *rest) for rest in extract("python", file, KEYWORDS)]
        for _, _, message, *_ in found:
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-5])
def test_catalogue_holds_every_string_of_its_package(path):
    with path.open("rb") as file:
        known = {_first(message.id) for message in read_po(file) if message.id}
    missing = sorted(extracted(path.parts[-5]) - known)
    assert missing == [], "run scripts/i18n.sh and translate: " + ", ".join(missing)
