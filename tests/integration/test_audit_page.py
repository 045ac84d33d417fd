"""The audit log page speaks the user's language: actions and details in words, local times."""
import ast
from pathlib import Path

import pytest

import demo
from audit.labels import ACTIONS, DETAILS

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {"tests", "bench", "migrations", ".venv", "node_modules"}


def shipped_calls():
    for path in ROOT.rglob("*.py"):
        if NOT_SHIPPED & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                yield node


def recorded_actions() -> set[str]:
    """Every action code the service passes to audit's record() or names as `action=`."""
    actions = set()
    for node in shipped_calls():
        candidates = []
        if isinstance(node.func, ast.Name) and node.func.id == "record" and len(node.args) > 1:
            candidates.append(node.args[1])
        candidates += [kw.value for kw in node.keywords if kw.arg == "action"]
        for value in candidates:
            parts = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
            actions.update(part.value for part in parts if isinstance(part, ast.Constant)
                           and isinstance(part.value, str) and "." in part.value)
    return actions


def recorded_detail_keys() -> set[str]:
    """The keyword names of every record() call (and the keys of a ** dict literal)."""
    keys = set()
    for node in shipped_calls():
        if not (isinstance(node.func, ast.Name) and node.func.id == "record"):
            continue
        for keyword in node.keywords:
            if keyword.arg:
                keys.add(keyword.arg)
            elif isinstance(keyword.value, ast.Dict):
                keys.update(key.value for key in keyword.value.keys
                            if isinstance(key, ast.Constant))
    return keys


def test_every_recorded_action_has_a_name():
    actions = recorded_actions()
    assert {"pass.issue", "enterprise.colour", "enterprise.approve"} <= actions
    assert actions - ACTIONS.keys() == set()


def test_every_recorded_detail_has_a_name():
    keys = recorded_detail_keys()
    assert {"reason", "from", "to"} <= keys
    assert keys - DETAILS.keys() == set()


@pytest.mark.parametrize(("language", "action", "colour"), [
    ("zh", "调整企业颜色", "红色"),
    ("en", "Enterprise colour changed", "Red"),
])
def test_audit_page_shows_actions_and_details_in_words(client, make_user, login, make_enterprise,
                                                     language, action, colour):
    make_enterprise(colour="red")
    login(make_user("admin"))
    page = client.get(f"/admin/audit?lang={language}").text
    assert f'<span title="enterprise.colour">{action}</span>' in page
    assert colour in page
    assert "<b>to</b>" not in page and "<b>reason</b>" not in page


def test_audit_page_filters_by_a_named_action(client, make_user, login, make_enterprise):
    make_enterprise(colour="red")
    login(make_user("admin"))
    page = client.get("/admin/audit?action=enterprise.colour").text
    assert '<option value="enterprise.colour" selected>调整企业颜色</option>' in page
    assert 'title="enterprise.register"' not in page


def test_audit_details_name_codes_in_words(app, client):
    """Issue 15 #3: no "vehicle", "negative" or "enterprise:9145…" in the Chinese log."""
    with app.app_context():
        demo.seed("http://localhost")
    client.post("/login", data={"username": "admin", "password": demo.PASSWORD})
    pages = client.get("/admin/audit").text + client.get("/admin/audit?page=2").text
    for code in ("vehicle", "personnel", "negative", "health_code", "enterprise:", "daily"):
        assert f"</b> {code}" not in pages and f" {code}<" not in pages, code
    for words in ("车辆通行证", "核酸检测", "阴性", "企业 91450500MA5KA1001P", "生活物资",
                  "北海市合浦县 450521"):
        assert words in pages, words
