"""An enterprise's business licence: uploaded at registration (form) or over the API, checked by
its first bytes and size, seen and downloaded by the authority alone."""
import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from audit.models import AuditEntry
from core.db import db
from tests.conftest import count_rows, make_uscc
from whitelist.licence_models import BusinessLicence
from whitelist.models import Enterprise

PDF = b"%PDF-1.7\n" + b"x" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 500
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 500


def form(**fields):
    return {"code": make_uscc(), "name": "北海执照物流有限公司", "categories": ["daily"],
            "contact_name": "张三", "contact_phone": "13812345678",
            "address": "广西北海市海城区北部湾中路1号"} | fields


@pytest.fixture
def newclerk(make_user, login):
    user = make_user("enterprise")
    login(user)
    return user


def register_with(client, content: bytes, filename: str = "执照.pdf", **fields):
    # Encoded here: the test client spools a large body to a file it never closes.
    data = form(**fields) | {"licence": FileStorage(io.BytesIO(content), filename=filename)}
    boundary, body = encode_multipart(data)
    return client.post("/enterprise/register", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_registration_form_keeps_the_licence_for_the_authority(app, client, newclerk,
                                                               make_user):
    code = make_uscc()
    assert register_with(client, PDF, code=code).status_code == 302
    with app.app_context():
        licence = db.session.scalar(select(BusinessLicence))
        assert (licence.filename, licence.media_type, licence.size) == (
            "执照.pdf", "application/pdf", len(PDF))
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "enterprise.licence"))
        assert entry.actor == newclerk.username and entry.subject == code
    assert "执照.pdf" in client.get("/enterprise").text
    admin = app.test_client()
    admin.post("/login", data={"username": make_user("admin").username,
                               "password": "secret-pass-1"})
    page = admin.get(f"/admin/enterprises/{code}").text
    assert f"/admin/enterprises/{code}/licence" in page
    download = admin.get(f"/admin/enterprises/{code}/licence")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in download.headers["Cache-Control"]
    assert "sandbox" in download.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("content", "filename"), [
    (b"<html><script>alert(1)</script></html>", "licence.pdf"),  # a PDF by name only
    (b"GIF89a" + b"\0" * 100, "licence.png"),
    (b"", "licence.pdf"),
])
def test_a_licence_that_is_not_pdf_jpeg_or_png_is_422_and_nothing_is_stored(
        app, client, newclerk, content, filename):
    response = register_with(client, content, filename)
    assert response.status_code == 422 and 'id="e-licence"' in response.text
    assert count_rows(app, Enterprise) == 0 and count_rows(app, BusinessLicence) == 0


def test_a_licence_over_the_size_cap_is_refused(app, client, newclerk):
    app.config["LICENCE_MAX_BYTES"] = 4096
    response = register_with(client, PDF + b"x" * 3000)
    assert response.status_code in (413, 422)
    assert count_rows(app, Enterprise) == 0 and count_rows(app, BusinessLicence) == 0


def test_a_licence_over_one_mebibyte_but_under_the_cap_is_accepted(app, client, newclerk):
    big = b"\xff\xd8\xff\xe0" + b"\0" * (2 * 1024 * 1024)
    assert register_with(client, big, "photo.jpg").status_code == 302
    assert count_rows(app, BusinessLicence) == 1


def test_the_api_takes_the_licence_after_registration_and_lists_it(client, make_user,
                                                                   token_for):
    clerk = make_user("enterprise")
    headers = token_for(clerk)
    code = make_uscc()
    assert client.post("/api/v1/enterprises", json=form(code=code),
                       headers=headers).status_code == 201
    response = client.put(f"/api/v1/enterprises/{code}/licence?filename=scan.png", data=PNG,
                          headers=headers | {"Content-Type": "application/octet-stream"})
    assert response.status_code == 200
    assert response.json["media_type"] == "image/png" and response.json["size"] == len(PNG)
    assert client.get(f"/api/v1/enterprises/{code}",
                      headers=headers).json["licence"]["filename"] == "scan.png"
    bad = client.put(f"/api/v1/enterprises/{code}/licence", data=b"MZ\x90\x00",
                     headers=headers)
    assert bad.status_code == 422 and "licence" in bad.json["error"]["fields"]
    admin_headers = token_for(make_user("admin"))
    download = client.get(f"/api/v1/enterprises/{code}/licence", headers=admin_headers)
    assert download.data == PNG and download.mimetype == "image/png"


def test_only_the_authority_opens_a_licence(app, client, make_user, token_for, login):
    clerk = make_user("enterprise")
    headers = token_for(clerk)
    code = make_uscc()
    client.post("/api/v1/enterprises", json=form(code=code), headers=headers)
    client.put(f"/api/v1/enterprises/{code}/licence", data=JPEG, headers=headers)
    assert client.get(f"/api/v1/enterprises/{code}/licence", headers=headers).status_code == 403
    login(clerk)
    assert client.get(f"/admin/enterprises/{code}/licence").status_code in (302, 403)
    anonymous = app.test_client()
    assert anonymous.get(f"/admin/enterprises/{code}/licence").status_code in (302, 401)
    other = token_for(make_user("enterprise"))
    assert client.put(f"/api/v1/enterprises/{code}/licence", data=PDF,
                      headers=other).status_code == 404
