"""The scanning page's own endpoints: the page, its bearer token, clock, worker and zxing-wasm."""
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from checkpoints import zxing
from tests.conftest import PASSWORD


@pytest.fixture
def officer(make_user):
    return make_user("officer")


@pytest.fixture
def zxing_url():
    return f"/vendor/zxing/{zxing.VERSION}/"


def test_scan_page_carries_everything_its_scripts_need(client, login, officer, zxing_url):
    response = login(officer).get("/checkpoint/scan")
    assert response.status_code == 200
    page = response.text
    assert 'id="verdict"' in page and 'id="manual-code"' in page
    assert f'data-wasm="{zxing_url}zxing_reader.wasm"' in page
    assert 'type="module" src="/static/js/scan/scan.js"' in page
    assert "<script>" not in page and " onclick=" not in page  # nothing inline, for the CSP


def test_scan_page_is_for_officers_only(client, login, make_user):
    assert client.get("/checkpoint/scan").status_code == 302
    assert login(make_user("admin")).get("/checkpoint/scan").status_code == 403


def test_api_token_from_the_page_session_works_on_the_api(client, login, officer):
    signed_in = login(officer)
    issued = signed_in.post("/checkpoint/api-token")
    assert issued.status_code == 200
    assert issued.json["token_type"] == "Bearer" and 0 < issued.json["expires_in"] <= 900
    assert "no-store" in issued.headers["Cache-Control"]
    headers = {"Authorization": f"Bearer {issued.json['access_token']}"}
    assert client.get("/api/v1/checkpoints", headers=headers).status_code == 200


def test_api_token_is_refused_to_other_roles(client, login, make_user):
    assert login(make_user("admin")).post("/checkpoint/api-token").status_code == 403


def test_api_token_needs_the_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    officer = make_user("officer")
    client = app.test_client()
    client.post("/login", data={"username": officer.username, "password": PASSWORD})
    # The login form itself needs a token now: sign in through the session instead.
    with client.session_transaction() as session:
        session["_user_id"] = f"{officer.id}:0"  # a new account: generation 0
        session["_fresh"] = True
    refused = client.post("/checkpoint/api-token", headers={"Accept": "application/json"})
    assert refused.status_code == 400
    csrf = client.get("/checkpoint/session").json["csrf_token"]
    accepted = client.post("/checkpoint/api-token", headers={"X-CSRFToken": csrf})
    assert accepted.status_code == 200


def test_session_gives_the_server_time(client, login, officer):
    body = login(officer).get("/checkpoint/session").json
    server_time = datetime.fromisoformat(body["now"])
    assert abs(server_time - datetime.now(UTC)) < timedelta(seconds=5)
    assert body["csrf_token"] and body["username"] == officer.username


def test_service_worker_is_served_from_the_checkpoint_path(client):
    with client.get("/checkpoint/sw.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert "max-age=0" in response.headers["Cache-Control"]  # updates reach phones at once
        assert "addEventListener('fetch'" in response.text


@pytest.mark.parametrize("name", sorted(zxing.FILES))
def test_zxing_files_are_served_as_pinned(client, zxing_url, name):
    response = client.get(zxing_url + name)
    assert response.status_code == 200
    assert response.mimetype == zxing.FILES[name].mimetype
    assert hashlib.sha256(response.data).hexdigest() == zxing.FILES[name].sha256
    assert "immutable" in response.headers["Cache-Control"]


def test_zxing_wasm_revalidates_by_its_hash(client, zxing_url):
    url = zxing_url + zxing.WASM
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("path", ["/vendor/zxing/3.0.0/zxing_reader.wasm",
                                  "/vendor/zxing/{v}/package.json",
                                  "/vendor/zxing/{v}/../../../app.py"])
def test_nothing_else_is_served_from_node_modules(client, path):
    assert client.get(path.format(v=zxing.VERSION)).status_code == 404


def test_a_mismatching_zxing_file_is_refused(tmp_path):
    name = zxing.WASM
    target = tmp_path / zxing.PACKAGE / zxing.FILES[name].path
    target.parent.mkdir(parents=True)
    target.write_bytes(b"\0asm not the pinned build")
    with pytest.raises(zxing.VendorFileMismatch):
        zxing.read(tmp_path, name)
    with pytest.raises(zxing.VendorFileMissing):
        zxing.read(tmp_path, "share.js")


def test_the_route_answers_503_rather_than_serve_a_mismatch(client, monkeypatch, zxing_url):
    def mismatch(root, name):
        raise zxing.VendorFileMismatch("tampered")

    monkeypatch.setattr(zxing, "read", mismatch)
    response = client.get(zxing_url + zxing.WASM, headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "scanner_unavailable"


def test_officer_checkpoints_link_to_the_scanner_there(client, make_user, checkpoints, login):
    login(make_user("officer", checkpoints=["CP-HAICHENG", "CP-HEPU"]))
    page = client.get("/checkpoint").text
    for code in ("CP-HAICHENG", "CP-HEPU"):
        assert f'href="/checkpoint/scan?checkpoint={code}"' in page
    assert 'href="/checkpoint/scan"' in client.get("/checkpoint/scan").text  # in the menu
