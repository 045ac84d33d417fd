"""The holder's pages: the QR and facts, the grey invalid state, print, offline worker."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from core.db import db, utcnow
from passes.models import Pass
from tests.integration.pass_data import personnel, vehicle


@pytest.fixture
def issued(client, clerk) -> dict:
    response = client.post("/api/v1/passes", json=vehicle(), headers=clerk.headers)
    assert response.status_code == 201, response.text
    return response.json


def path_of(url: str) -> str:
    return url.removeprefix("http://passes.test")


def test_holder_page_shows_the_qr_and_the_facts_to_compare(client, issued):
    response = client.get(path_of(issued["holder_url"]) + "?lang=en")
    assert response.status_code == 200
    page = response.text
    assert "<svg" in page and 'data-status="not_yet_valid"' in page
    for fact in ("桂E12345", "张*明", issued["number"], "海城区", "合浦县", "Daily necessities"):
        assert fact in page
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert "no-cache" in response.headers["Cache-Control"]


def test_holder_page_is_grey_with_the_reason_once_revoked(client, clerk, issued):
    client.post(f"/api/v1/passes/{issued['number']}/revoke", json={"reason": "司机更换"},
                headers=clerk.headers)
    page = client.get(path_of(issued["holder_url"])).text
    assert 'data-status="revoked"' in page and "司机更换" in page
    status = client.get(path_of(issued["holder_url"]) + "/status.json").json
    assert status["status"] == "revoked" and "司机更换" in status["message"]


def test_holder_page_shows_an_expired_pass_as_expired(app, client, issued):
    with app.app_context():
        db.session.execute(update(Pass).values(valid_from=utcnow() - timedelta(days=3),
                                               valid_until=utcnow() - timedelta(days=1)))
        db.session.commit()
    assert 'data-status="expired"' in client.get(path_of(issued["holder_url"])).text


def test_status_is_never_cached(client, issued):
    response = client.get(path_of(issued["holder_url"]) + "/status.json")
    assert response.json["number"] == issued["number"]
    assert "no-store" in response.headers["Cache-Control"]


def test_holder_png_is_public_behind_the_secret(client, issued):
    response = client.get(path_of(issued["holder_url"]) + "/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"


def test_print_page_holds_a_qr_of_at_least_40_mm(client, clerk):
    data = client.post("/api/v1/passes", json=personnel(), headers=clerk.headers).json
    page = client.get(path_of(data["holder_url"]) + "/print").text
    width = float(re.search(r'<svg[^>]* width="([\d.]+)mm"', page).group(1))
    assert width >= 40
    assert data["number"] in page and "欧*明" in page


def test_unknown_secret_is_not_found(client):
    assert client.get("/h/" + "x" * 43).status_code == 404
    assert client.get("/h/" + "x" * 43 + "/status.json").status_code == 404


def test_service_worker_is_served_from_the_holder_scope(client):
    response = client.get("/h/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/h/"
    assert "caches" in response.text
    response.close()  # send_file streams from an open file
