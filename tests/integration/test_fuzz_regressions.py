"""Inputs the fuzzers found answering 500, each now refused the documented way."""
import time
import uuid

import pytest

from checkpoints.models import Checkpoint, Scan
from core import crypto
from core.db import db
from core.openapi import document
from passtokens import keys
from passtokens.qr import to_qr_text
from tests.conftest import count_rows

TOO_BIG = "9" * 20  # past SQLite's 64-bit integers


@pytest.fixture
def clerk_headers(make_user, make_enterprise, token_for):
    return token_for(make_user("enterprise", enterprise=make_enterprise().code))


@pytest.mark.parametrize("method", ["get", "put"])
def test_person_id_past_any_row_id_is_not_found(client, clerk_headers, method):
    url = f"/api/v1/people/{TOO_BIG}" + ("/health" if method == "put" else "")
    response = getattr(client, method)(url, json={}, headers=clerk_headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(("role", "url"), [("enterprise", "/api/v1/passes"),
                                           ("enterprise", "/api/v1/people"),
                                           ("admin", "/api/v1/enterprises")])
def test_page_number_past_any_offset_is_an_empty_page(client, make_user, make_enterprise,
                                                      token_for, role, url):
    fields = {"enterprise": make_enterprise().code} if role == "enterprise" else {}
    headers = token_for(make_user(role, **fields))
    response = client.get(f"{url}?page={TOO_BIG}", headers=headers)
    assert response.status_code == 200
    assert response.json["items"] == []


def test_offline_scan_time_with_no_utc_equivalent_is_refused(app, client, officer_headers):
    scan = {"id": str(uuid.uuid4()), "qr": "LP:/12", "checkpoint": "CP-HEPU", "verdict": "deny",
            "reasons": ["malformed"], "scanned_at": "0001-01-01T00:00:00+08:00"}
    response = client.post("/api/v1/scans", json={"scans": [scan]}, headers=officer_headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["scans.0.scanned_at"]
    assert count_rows(app, Scan) == 0


def test_signed_pass_with_a_test_time_beyond_the_calendar_is_malformed(app, client,
                                                                       officer_headers):
    now = int(time.time())
    claims = {"jti": "450500000001", "nbf": now - 60, "exp": now + 3600, "k": 1,
              "e": "91450500MA0000001X", "n": "张*明", "i": "002X", "t": 10**20,
              "o": 450502, "d": 450521, "p": "桂E12345", "c": 2}
    with app.app_context():
        key = keys.signing_key()
        token = crypto.sign(claims, keys.private_key(key), key.kid, deflate=True)
        db.session.commit()
    response = client.post("/api/v1/verify", json={"qr": to_qr_text(token),
                                                   "checkpoint": "CP-HAICHENG"},
                           headers=officer_headers)
    assert response.status_code == 200
    assert response.json["verdict"] == "deny"
    assert [reason["code"] for reason in response.json["reasons"]] == ["malformed"]


def test_every_operation_taking_a_body_or_parameters_documents_bad_request():
    """400: malformed JSON, or NUL in the address."""
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and ("requestBody" in operation
                                                or operation.get("parameters")):
                assert "400" in operation["responses"], f"{method} {path}"


@pytest.mark.parametrize("reason", [{"text": "ok"}, ["ok"], 5, "x" * 501])
def test_approval_reason_that_is_not_short_text_is_refused(app, client, make_user, token_for,
                                                           make_enterprise, reason):
    headers = token_for(make_user("admin"))
    code = make_enterprise(state="pending").code
    response = client.post(f"/api/v1/enterprises/{code}/approve", json={"reason": reason},
                           headers=headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["reason"]
    assert client.get(f"/api/v1/enterprises/{code}", headers=headers).json["state"] == "pending"


@pytest.mark.parametrize("text", ["\\u0000", "\\ud800"])  # NUL (PostgreSQL), lone surrogate
def test_json_text_no_database_can_store_is_refused_by_field(app, client, make_user, token_for,
                                                             text):
    headers = token_for(make_user("admin"))
    body = '{"code": "CP-X1", "name": "卡口' + text + '", "kind": "park_gate", "area": "450502"}'
    response = client.post("/api/v1/checkpoints", data=body, content_type="application/json",
                           headers=headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["name"]
    assert count_rows(app, Checkpoint) == 0


@pytest.mark.parametrize("text", ["\\u0000", "\\ud800"])
def test_unstorable_username_is_refused_before_any_lookup(client, text):
    response = client.post("/api/v1/auth/token", content_type="application/json",
                           data='{"username": "a' + text + '", "password": "x"}')
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["username"]


def test_nul_username_on_the_login_form_is_a_failed_login(client):
    response = client.post("/login", data={"username": "a\x00", "password": "secret-pass-1"})
    assert response.status_code == 401


@pytest.mark.parametrize("url", ["/api/v1/enterprises?q=a%00b", "/api/v1/enterprises/a%00b",
                                 "/admin/enterprises?state=%00"])
def test_nul_in_the_address_is_a_bad_request(client, make_user, token_for, url):
    response = client.get(url, headers=token_for(make_user("admin")) | {
        "Accept": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
