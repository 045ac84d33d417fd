"""Issue 14 #14: hostile input gets a 4xx, never a 500: deeply nested JSON, a NUL in an
upload's file name, and query arguments named like url_for's own (?endpoint=, ?_scheme=)."""
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bulk.models import BulkBatch
from tests.conftest import count_rows
from tests.integration.bulk_data import csv_file, fleet
from tests.integration.pass_data import make_clerk, vehicle


@pytest.fixture
def app_config(app_config):
    app_config["PAGE_SIZE"] = 1  # two rows make a pager, whose links keep the query
    return app_config


@pytest.fixture
def clerk(make_user, make_enterprise, token_for, login, client):
    clerk = make_clerk(make_user, make_enterprise, token_for)
    for serial, plate in ((11, "桂E10001"), (12, "桂E10002")):
        response = client.post("/api/v1/passes", headers=clerk.headers,
                               json=vehicle(plate=plate, serial=serial))
        assert response.status_code == 201, response.text
    login(clerk.user)
    return clerk


def nested(depth: int) -> str:
    return '{"username": ' + "[" * depth + "]" * depth + ', "password": "x"}'


@pytest.mark.parametrize("depth", [40, 900, 5000, 100_000])
@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/verify", "/api/v1/passes",
                                  "/api/v1/enterprises", "/api/v1/handovers", "/api/v1/scans"])
def test_deeply_nested_json_is_a_400(client, make_user, token_for, path, depth):
    headers = token_for(make_user("admin")) if path != "/api/v1/auth/token" else {}
    response = client.post(path, data=nested(depth), headers=headers,
                           content_type="application/json")
    assert response.status_code in (400, 403), response.text
    assert response.json["error"]["code"] in ("malformed_json", "bad_request", "forbidden")


def test_json_of_ordinary_depth_still_reads(client, make_user, token_for):
    body = {"code": "x", "name": {"a": [{"b": [{"c": [1]}]}]}}
    response = client.post("/api/v1/enterprises", json=body,
                           headers=token_for(make_user("admin")))
    assert response.status_code == 422
    assert {"code", "name"} <= set(response.json["error"]["fields"])


def test_a_nul_in_an_uploaded_file_name_is_a_422_and_stores_nothing(client, clerk):
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(csv_file(fleet(2))), filename="fle\x00et.csv")})
    response = client.post("/passes/bulk/upload", data=body, headers={"Accept": "application/json"},
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422, response.text
    assert "file" in response.json["error"]["fields"]
    assert count_rows(client.application, BulkBatch) == 0


@pytest.mark.parametrize("query", ["endpoint=x", "_scheme=javascript",
                                   "_external=1&_scheme=javascript&_anchor=x&_method=DELETE",
                                   "person_id=7"])
@pytest.mark.parametrize("path", ["/people", "/passes", "/passes?status=valid"])
def test_query_arguments_named_like_url_fors_own_do_not_break_pages(client, clerk, path, query):
    response = client.get(f"{path}{'&' if '?' in path else '?'}{query}")
    assert response.status_code == 200, response.text
    assert "javascript:" not in response.text


def test_the_health_update_form_keeps_filters_but_not_url_fors_names(app, client, clerk):
    page = client.get("/people?endpoint=x&q=%E5%BC%A0&_scheme=javascript").text
    assert 'action="/people/' in page and "q=%E5%BC%A0" in page
    assert "endpoint=" not in page and "_scheme" not in page
    with app.app_context():
        from passes.models import Person

        person_id = Person.query.first().id
    refused = client.post(f"/people/{person_id}/health?endpoint=x&q=a", data={})
    assert refused.status_code == 422
    sampled = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(hours=1))
    response = client.post(f"/people/{person_id}/health?endpoint=x&_external=1&q=a",
                           data={"health_code": "green", "test.result": "negative",
                                 "test.sampled_at": sampled.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == "/people?q=a"
