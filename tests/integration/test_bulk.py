"""Issue 7, bulk applications: a file is checked row by row by the API's rules, reported per
row and column, and becomes passes once, on confirmation, all together or not at all."""
import csv
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bulk import service as bulk_service
from bulk.models import BulkBatch
from bulk.service import RowsNoLongerValid
from core.db import db
from passes.models import Pass
from tests.conftest import count_rows
from tests.integration.bulk_data import (
    BAD,
    HEADERS,
    as_lines,
    csv_file,
    fleet,
    personnel_row,
    read_report,
    vehicle_row,
    with_bad_rows,
    xlsx_file,
)
from tests.integration.pass_data import make_clerk
from whitelist.inputs import NewColour
from whitelist.service import set_colour

JSON = {"Accept": "application/json"}


class Admin:
    username, role, enterprise_id = "fixture", "admin", None


@pytest.fixture
def clerk(make_user, make_enterprise, token_for, login):
    clerk = make_clerk(make_user, make_enterprise, token_for)
    login(clerk.user)
    return clerk


def upload(client, content: bytes, name: str = "fleet.csv"):
    # Encoded here: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(content), filename=name)})
    return client.post("/passes/bulk/upload", headers=JSON, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def uploaded(client, content: bytes, name: str = "fleet.csv") -> str:
    response = upload(client, content, name)
    assert response.status_code == 200, response.text
    return response.json["url"]


def report(client, url: str) -> list[tuple[int, str]]:
    response = client.get(f"{url}/report.csv")
    assert response.status_code == 200
    return read_report(response.text)


def refusal(client, content: bytes, name: str = "fleet.csv") -> str:
    response = upload(client, content, name)
    assert response.status_code == 422, response.text
    return response.json["error"]["message"]


def test_downloaded_templates_come_back_valid_once_filled(client, clerk):
    csv_template = client.get("/passes/bulk/template.csv")
    assert csv_template.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(csv_template.data.decode("utf-8-sig"))))
    assert lines[0] == HEADERS and len(lines) == 2
    filled = as_lines([vehicle_row(7), personnel_row(8)])[1:]
    out = io.StringIO()
    csv.writer(out).writerows(lines + filled)
    url = uploaded(client, out.getvalue().encode("utf-8-sig"))
    assert report(client, url) == []

    workbook = load_workbook(io.BytesIO(client.get("/passes/bulk/template.xlsx").data))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS
    for line in filled:
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    assert upload(client, out.getvalue(), "fleet.xlsx").json["invalid"] == 0


def test_report_names_exactly_the_bad_rows_and_their_columns(client, clerk):
    url = uploaded(client, csv_file(with_bad_rows(fleet(50))))
    assert report(client, url) == [(line, column) for line, (_, _, column) in BAD.items()]
    page = client.get(url).text
    assert "身份证号" in page and "健康码" in page and "终点" in page
    assert count_rows(client.application, Pass) == 0  # nothing issued before confirming


def test_fixed_file_confirms_into_fifty_passes_exactly_once(client, clerk):
    uploaded(client, csv_file(with_bad_rows(fleet(50))))
    fixed = csv_file(fleet(50))
    url = uploaded(client, fixed)
    assert report(client, url) == []
    assert client.post(f"{url}/confirm").status_code == 302
    assert client.post(f"{url}/confirm").status_code == 302
    assert uploaded(client, fixed) == url
    assert client.post(f"{url}/confirm").status_code == 302
    assert count_rows(client.application, Pass) == 50


def test_confirming_47_then_the_fixed_file_issues_the_other_3(client, clerk):
    first = uploaded(client, csv_file(with_bad_rows(fleet(50))))
    client.post(f"{first}/confirm")
    assert count_rows(client.application, Pass) == 47
    second = uploaded(client, csv_file(fleet(50)))
    assert "47" in client.get(second).text  # already issued by the first upload
    client.post(f"{second}/confirm")
    assert count_rows(client.application, Pass) == 50
    with client.application.app_context():
        batch = db.session.get(BulkBatch, int(second.rsplit("/", 1)[1]))
        assert len(batch.pass_numbers) == 3


def test_gbk_csv_is_read(client, clerk):
    assert upload(client, csv_file(fleet(3), encoding="gbk")).json["invalid"] == 0


def test_xlsx_file_is_checked_like_csv(client, clerk):
    url = uploaded(client, xlsx_file(with_bad_rows(fleet(50))), "fleet.xlsx")
    assert report(client, url) == [(line, column) for line, (_, _, column) in BAD.items()]


def test_formulas_refuse_the_whole_file(client, clerk):
    assert "C3" in refusal(client, xlsx_file(fleet(3), formula_at="C3"), "fleet.xlsx")
    assert "B2" in refusal(client, csv_file([vehicle_row(1, plate="=HYPERLINK(\"x\")")]))
    assert count_rows(client.application, BulkBatch) == 0


def test_missing_headers_are_named(client, clerk):
    headers = [h for h in HEADERS if not h.startswith(("手机号", "健康码"))]
    message = refusal(client, csv_file(fleet(2), headers=headers))
    assert "手机号" in message and "健康码" in message


def test_files_that_are_not_spreadsheets_are_refused(client, clerk):
    refusal(client, b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png")
    refusal(client, b"\x00\x01binary", "fleet.csv")
    refusal(client, b"PK\x03\x04 not really", "fleet.xlsx")
    refusal(client, b"", "fleet.csv")
    assert "没有可导入的数据行" in refusal(client, csv_file([]))


def test_more_than_5000_rows_are_refused_naming_the_limit(client, clerk):
    row = vehicle_row(1)
    assert "5,000" in refusal(client, csv_file([row] * 5001))


def test_a_plate_twice_in_a_file_is_an_error_on_both_rows(client, clerk):
    rows = fleet(4)
    rows[3]["plate"] = rows[1]["plate"]
    assert report(client, uploaded(client, csv_file(rows))) == [(3, "车牌号"), (5, "车牌号")]


def test_personnel_rows_follow_the_personnel_rules(client, clerk):
    rows = [personnel_row(1), personnel_row(2, plate="桂E12345")]
    assert report(client, uploaded(client, csv_file(rows))) == [(3, "车牌号")]


def test_another_enterprise_cannot_see_or_confirm_a_batch(app, client, clerk, make_user,
                                                         make_enterprise, token_for, login):
    url = uploaded(client, csv_file(fleet(2)))
    other = make_clerk(make_user, make_enterprise, token_for)
    intruder = app.test_client()
    intruder.post("/login", data={"username": other.user.username, "password": "secret-pass-1"})
    assert intruder.get(url).status_code == 404
    assert intruder.get(f"{url}/report.csv").status_code == 404
    assert intruder.post(f"{url}/confirm").status_code == 404
    assert count_rows(app, Pass) == 0


def test_confirm_issues_nothing_when_a_row_has_lapsed_since_the_upload(app, client, clerk):
    url = uploaded(client, csv_file(fleet(5)))
    batch_id = int(url.rsplit("/", 1)[1])
    with app.app_context():
        later = db.session.get(BulkBatch, batch_id).created_at + timedelta(days=8)
        with pytest.raises(RowsNoLongerValid):
            bulk_service.confirm(batch_id, clerk.actor, now=later)
        assert db.session.get(BulkBatch, batch_id).status == "pending"
    assert count_rows(app, Pass) == 0


def test_a_red_enterprise_cannot_confirm(app, client, clerk):
    url = uploaded(client, csv_file(fleet(2)))
    with app.app_context():
        set_colour(clerk.enterprise.code, NewColour("red", "阳性病例"), Admin())
    response = client.post(f"{url}/confirm", follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.text
    assert count_rows(app, Pass) == 0


def test_a_refused_file_without_javascript_shows_the_upload_page(client, clerk):
    response = client.post("/passes/bulk/upload", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"a,b\n1,2\n"), "fleet.csv")})
    assert response.status_code == 422
    assert "bulk-upload" in response.text and "身份证号" in response.text


def test_a_file_over_the_size_limit_is_refused_naming_the_row_limit(client, clerk):
    response = upload(client, b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert "5,000" in response.json["error"]["message"]


@pytest.mark.commits
def test_two_confirms_at_once_issue_the_passes_once(app, client, clerk):
    url = uploaded(client, csv_file(fleet(10)))
    batch_id = int(url.rsplit("/", 1)[1])

    def confirm(_) -> bool:
        with app.app_context():
            return bulk_service.confirm(batch_id, clerk.actor)[1]

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(confirm, range(2)))
    assert outcomes == [False, True]
    assert count_rows(app, Pass) == 10
