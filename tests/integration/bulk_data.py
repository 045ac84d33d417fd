"""Bulk-application files for the tests: rows as a clerk fills them in, as CSV or .xlsx."""
import csv
import io
from datetime import timedelta

from openpyxl import Workbook

from bulk.files import COLUMNS
from tests.integration.pass_data import resident_id, starts

HEADERS = [header for _, header in COLUMNS]
_WRONG_CHECK = resident_id(999)[:-1] + ("1" if resident_id(999)[-1] != "1" else "2")
# Three bad cells for a 50-row file, by spreadsheet row (headers are row 1): (key, value, column).
BAD = {6: ("id_number", _WRONG_CHECK, "身份证号"),
       21: ("health_code", "黄", "健康码"),
       40: ("destination", "999999", "终点")}


def local(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def vehicle_row(serial: int, **overrides) -> dict:
    """A valid vehicle row, in the template's Chinese words; plate and ID follow the serial."""
    start = starts()
    row = {"kind": "车辆", "plate": f"桂E{serial:05d}", "name": "张三明",
           "id_number": resident_id(serial % 1000), "phone": "13800000000",
           "health_code": "绿", "test_result": "阴性",
           "sampled_at": local(start - timedelta(hours=6)), "cargo": "生活物资",
           "origin": "450502", "destination": "450521", "valid_from": local(start),
           "valid_until": local(start + timedelta(days=7))}
    return row | overrides


def personnel_row(serial: int, **overrides) -> dict:
    return vehicle_row(serial, kind="人员", plate="", cargo="", name="欧阳小明") | overrides


def fleet(count: int = 50, first: int = 1) -> list[dict]:
    return [vehicle_row(serial) for serial in range(first, first + count)]


def with_bad_rows(rows: list[dict]) -> list[dict]:
    """A copy of a 50-row file with the three BAD cells in it."""
    rows = [dict(row) for row in rows]
    for line, (key, value, _) in BAD.items():
        rows[line - 2][key] = value
    return rows


def as_lines(rows: list[dict], headers=HEADERS) -> list[list[str]]:
    keys = [key for key, header in COLUMNS if header in headers]
    return [list(headers)] + [[row.get(key, "") for key in keys] for row in rows]


def csv_file(rows: list[dict], encoding: str = "utf-8-sig", headers=HEADERS) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(as_lines(rows, headers))
    return out.getvalue().encode(encoding)


def xlsx_file(rows: list[dict], formula_at: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in as_lines(rows):
        sheet.append(line)
    if formula_at:
        sheet[formula_at] = "=1+1"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_report(text: str) -> list[tuple[int, str]]:
    """(row, column) of every error in a downloaded report."""
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    return [(int(row), column) for row, column, _ in lines[1:]]
