"""A form the server cannot take says why in the user's language and leads back to it filled in.

static/js/keep-form.js puts the typed values back (tests/browser/test_passes_pages.py);
these tests check what the server says and where it leads.
"""
import re

import pytest


@pytest.fixture
def app_config(app_config):
    return app_config | {"WTF_CSRF_ENABLED": True}


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def sign_in(client, user, password):
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "username": user.username,
                                           "password": password})
    assert response.status_code == 302


def test_an_expired_form_is_refused_in_chinese_with_a_way_back_to_it(client, make_user,
                                                                     make_enterprise):
    from tests.conftest import PASSWORD

    sign_in(client, make_user("enterprise", enterprise=make_enterprise().code), PASSWORD)
    response = client.post("/passes/new", data={"csrf_token": "expired", "plate": "桂E12345"},
                           headers={"Referer": "http://passes.test/passes/new?kind=vehicle"})
    assert response.status_code == 400
    page = response.text
    assert "此表单打开时间过长" in page and "CSRF" not in page
    assert 'href="/passes/new?kind=vehicle&amp;restore=1"' in page


def test_an_expired_form_from_another_site_gets_no_way_back(client, make_user):
    from tests.conftest import PASSWORD

    sign_in(client, make_user("admin"), PASSWORD)
    response = client.post("/admin/checkpoints", data={"csrf_token": "expired"},
                           headers={"Referer": "https://evil.example/admin/checkpoints"})
    assert response.status_code == 400
    assert "restore=1" not in response.text


def test_a_form_sent_after_the_session_ended_returns_to_it_after_signing_in(client):
    # Signed out in another tab: the form's token belongs to the ended session.
    response = client.post("/passes/new", data={"csrf_token": "of-the-old-session"},
                           headers={"Referer": "http://passes.test/passes/new"})
    assert response.status_code == 400
    back = re.search(r'href="([^"]+)">返回表单', response.text)[1]
    assert back == "/passes/new?restore=1"
    assert client.get(back).headers["Location"] == "/login?next=/passes/new?restore%3D1"


@pytest.mark.parametrize(("language", "text"), [
    ("zh", "该页面不存在"),
    ("en", "There is no such page"),
])
def test_a_missing_page_speaks_the_users_language(client, language, text):
    response = client.get(f"/no-such-page?lang={language}")
    assert response.status_code == 404
    assert text in response.text
    assert "The requested URL was not found" not in response.text
