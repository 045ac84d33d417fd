"""Issue 14 #6: no CSV the app writes carries a cell a spreadsheet would run as a formula."""
import csv
import io
from types import SimpleNamespace

import pytest

from bulk import service as bulk_service
from bulk.files import template_csv
from core.spreadsheet import defuse
from dashboard import tables

HOSTILE = ['=HYPERLINK("http://evil.test","x")', "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_starting_like_a_formula_gets_a_leading_quote(value):
    assert defuse(value) == "'" + value


@pytest.mark.parametrize("value", ["桂E12345", "450502", "a=b", "", 42, -3, None])
def test_other_values_are_left_alone(value):
    assert defuse(value) == value


def test_dashboard_checkpoint_csvs_defuse_a_hostile_checkpoint_name(client, make_user, login,
                                                                   token_for):
    admin = make_user("admin")
    for number, name in enumerate(HOSTILE):
        response = client.post("/api/v1/checkpoints", headers=token_for(admin), json={
            "code": f"CP-EVIL{number}", "name": name, "kind": "park_gate", "area": "450502"})
        assert response.status_code == 201, response.text
    login(admin)
    for table in ("checkpoints", "hourly"):
        written = cells(client.get(f"/admin/dashboard/{table}.csv").data.decode("utf-8-sig"))
        names = [cell for cell in written if cell.lstrip("'") in [n.strip() for n in HOSTILE]
                 or cell.lstrip("'") in HOSTILE]
        assert names, table
        assert all(name.startswith("'") for name in names), names


def test_dashboard_retest_csv_defuses_a_hostile_enterprise_name(app):
    data = {"people": {"retest": [("91450500MA0000001X", HOSTILE[0], 2, 3)]}}
    with app.test_request_context():
        written = cells(tables.to_csv("retest", data))
    assert "'" + HOSTILE[0] in written and HOSTILE[0] not in written


def test_bulk_report_csv_defuses_every_cell(app):
    batch = SimpleNamespace(rows=[{"row": 2, "errors": [("plate", "=1+1 is not a plate")]}])
    with app.test_request_context():
        written = cells(bulk_service.report_csv(batch).decode("utf-8-sig"))
    assert "'=1+1 is not a plate" in written


def test_the_csv_template_defuses_its_cells(app):
    written = cells(template_csv([["=cmd", "@x"]]).decode("utf-8-sig"))
    assert "'=cmd" in written and "'@x" in written
