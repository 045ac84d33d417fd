"""Issue 14 #18: answers that may carry ID or phone numbers are never kept by a cache; only
static assets, the public keys and the API description may be."""
import pytest

from tests.integration.pass_data import make_clerk, vehicle


@pytest.fixture
def clerk(make_user, make_enterprise, token_for):
    return make_clerk(make_user, make_enterprise, token_for)


@pytest.fixture
def issued(client, clerk):
    response = client.post("/api/v1/passes", headers=clerk.headers, json=vehicle())
    assert response.status_code == 201, response.text
    return response.json


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_api_answers_with_personal_data_are_no_store(client, clerk, issued):
    number = issued["number"]
    for path in (f"/api/v1/passes/{number}", "/api/v1/people", "/api/v1/passes",
                 f"/api/v1/passes/{number}/qr.png"):
        response = client.get(path, headers=clerk.headers)
        assert response.status_code == 200, path
        assert no_store(response), path
    assert no_store(client.post("/api/v1/passes", headers=clerk.headers, json=vehicle()))


def test_signed_in_pages_are_no_store(client, clerk, issued, login):
    login(clerk.user)
    for path in ("/people", "/passes", f"/passes/{issued['number']}", "/enterprise",
                 "/notifications", "/passes/bulk"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path


def test_holder_pages_are_no_store(client, issued):
    holder = issued["holder_url"].split("passes.test", 1)[1]
    for path in (holder, f"{holder}/print", f"{holder}/qr.png", f"{holder}/status.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path


def test_static_assets_and_public_documents_stay_cacheable(client):
    for path in ("/static/css/app.css", "/.well-known/jwks.json", "/api/v1/openapi.json"):
        response = client.get(path)
        response.close()  # a static file is streamed from an open file
        assert response.status_code == 200, path
        assert not no_store(response), path
