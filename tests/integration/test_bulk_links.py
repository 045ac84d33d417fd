"""A confirmed bulk batch gives its holder links as one CSV to send to the drivers."""
import csv
import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from core.db import db
from passes.models import Pass
from tests.integration.bulk_data import csv_file, fleet
from tests.integration.pass_data import CST, make_clerk


@pytest.fixture
def clerk(make_user, make_enterprise, token_for, login):
    clerk = make_clerk(make_user, make_enterprise, token_for)
    login(clerk.user)
    return clerk


def uploaded(client, content: bytes) -> str:
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content),
                                                           filename="fleet.csv")})
    response = client.post("/passes/bulk/upload", headers={"Accept": "application/json"},
                           data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200, response.text
    return response.json["url"]


def test_confirmed_batch_exports_one_row_per_pass_with_its_absolute_holder_link(
        app, client, clerk):
    url = uploaded(client, csv_file(fleet(3)))
    client.post(f"{url}/confirm")
    assert "links.csv" in client.get(url).text
    response = client.get(f"{url}/links.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header == ["车牌号", "持证人", "手机号", "通行证编号", "生效时间（北京时间）",
                      "截止时间（北京时间）", "持证人链接"]
    with app.app_context():
        passes = {p.number: p for p in db.session.scalars(select(Pass))}
    assert sorted(row[3] for row in rows) == sorted(passes)
    for plate, name, phone, number, start, end, link in rows:
        pass_ = passes[number]
        assert (plate, name, phone) == (pass_.plate, pass_.holder_name, pass_.person.phone)
        assert "*" in name
        assert link == f"http://passes.test/h/{pass_.holder_secret}"
        assert start == pass_.valid_from.astimezone(CST).strftime("%Y-%m-%d %H:%M")
        assert end > start


def test_an_unconfirmed_batch_has_no_links_to_export(client, clerk):
    url = uploaded(client, csv_file(fleet(2)))
    assert client.get(f"{url}/links.csv").status_code == 409


def test_another_enterprise_cannot_export_a_batchs_links(app, client, clerk, make_user,
                                                         make_enterprise, token_for):
    url = uploaded(client, csv_file(fleet(2)))
    client.post(f"{url}/confirm")
    other = make_clerk(make_user, make_enterprise, token_for)
    intruder = app.test_client()
    intruder.post("/login", data={"username": other.user.username, "password": "secret-pass-1"})
    assert intruder.get(f"{url}/links.csv").status_code == 404
