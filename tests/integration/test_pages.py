"""Pages through the test client: forms keep what was typed and name the bad field."""
from sqlalchemy import select

from accounts.models import User
from core.db import db
from tests.conftest import make_uscc


def test_registration_form_keeps_input_and_marks_the_bad_fields(client, make_user, login):
    login(make_user("enterprise"))
    response = client.post("/enterprise/register", data={
        "name": "北海新物流有限公司", "code": "91450500MA5KA10010", "categories": ["daily"],
        "contact_name": "王五", "contact_phone": "", "address": "北海市"})
    assert response.status_code == 422
    page = response.text
    assert 'value="北海新物流有限公司"' in page
    assert 'value="daily" checked' in page
    assert page.count('class="error"') == 2
    assert 'id="f-code"' in page and 'aria-invalid="true"' in page


def test_registration_form_registers_and_shows_the_pending_state(client, make_user, login):
    login(make_user("enterprise"))
    response = client.post("/enterprise/register", data={
        "name": "北海新物流有限公司", "code": make_uscc(), "categories": ["daily", "agri"],
        "contact_name": "王五", "contact_phone": "13900000000", "address": "北海市"},
        follow_redirects=True)
    assert response.status_code == 200
    assert "state-pending" in response.text
    assert "北海新物流有限公司" in response.text


def test_admin_approves_and_recolours_through_the_pages(client, make_user, make_enterprise, login):
    code = make_enterprise(state="pending").code
    login(make_user("admin"))
    client.post(f"/admin/enterprises/{code}/approve", data={"reason": ""})
    refused = client.post(f"/admin/enterprises/{code}/colour",
                          data={"colour": "yellow", "reason": ""})
    assert refused.status_code == 422
    assert 'value="yellow" checked' in refused.text
    client.post(f"/admin/enterprises/{code}/colour", data={"colour": "yellow", "reason": "密接"})
    page = client.get(f"/admin/enterprises/{code}").text
    assert page.count('class="when"') == 2
    assert "密接" in page and "badge colour-yellow" in page


def test_pages_default_to_chinese_and_switch_to_english(client):
    assert '<html lang="zh-CN">' in client.get("/login").text
    english = client.get("/login?lang=en")
    assert '<html lang="en">' in english.text
    assert '<html lang="en">' in client.get("/login").text


def test_admin_creates_an_officer_for_two_checkpoints(app, client, make_user, login):
    login(make_user("admin"))
    for code in ("CP-1", "CP-2"):
        client.post("/admin/checkpoints", data={"code": code, "name": code,
                                                "kind": "park_gate", "area": "450502"})
    response = client.post("/admin/users", data={
        "username": "zhou", "role": "officer", "password": "pass-word-9",
        "checkpoints": ["CP-1", "CP-2"]})
    assert response.status_code == 302
    with app.app_context():
        officer = db.session.scalar(select(User).filter_by(username="zhou"))
        assert sorted(c.code for c in officer.checkpoints) == ["CP-1", "CP-2"]


def test_account_form_does_not_echo_the_password(client, make_user, login):
    login(make_user("admin"))
    response = client.post("/admin/users", data={"username": "", "role": "officer",
                                                 "password": "pass-word-9"})
    assert response.status_code == 422
    assert "pass-word-9" not in response.text


def test_deactivated_account_is_signed_out_of_the_api(client, make_user, login, token_for):
    officer = make_user("officer")
    headers = token_for(officer)
    login(make_user("admin"))
    client.post(f"/admin/users/{officer.username}/active", data={"active": "0"})
    assert client.get("/api/v1/checkpoints", headers=headers).status_code == 401


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "<html" in response.text


def test_pages_name_the_icon_the_app_serves(app, client, make_pass):
    from passes.models import Pass

    number = make_pass().number
    with app.app_context():
        secret = db.session.scalar(select(Pass.holder_secret).where(Pass.number == number))
    for page in (client.get("/login").text, client.get(f"/h/{secret}").text):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
