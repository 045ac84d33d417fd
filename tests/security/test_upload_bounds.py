"""Issue 14 #1 and #14: a bulk upload is read within bounds (rows, columns, cells, unpacked
bytes, cell length, time) and a hostile workbook is refused fast with a 422 naming the limit."""
import io
import time
import tracemalloc
import zipfile

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bulk.files import read_table
from bulk.limits import FileRefused
from bulk.models import BulkBatch
from tests.conftest import count_rows
from tests.integration.bulk_data import HEADERS, csv_file, fleet, xlsx_file
from tests.integration.pass_data import make_clerk

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture
def clerk(make_user, make_enterprise, token_for, login):
    clerk = make_clerk(make_user, make_enterprise, token_for)
    login(clerk.user)
    return clerk


def refused(client, content: bytes, name: str = "fleet.xlsx", lang: str = "zh") -> dict:
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename=name)})
    started = time.monotonic()
    response = client.post(f"/passes/bulk/upload?lang={lang}", data=body,
                           headers={"Accept": "application/json"},
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert time.monotonic() - started < 5, "a hostile file must be refused fast"
    assert response.status_code == 422, response.text
    error = response.json["error"]
    assert error["fields"]["file"] == error["message"]
    return error


def rewritten(replace: dict[str, bytes]) -> bytes:
    """The template-shaped workbook of two rows with some of its parts replaced."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_file(fleet(2))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, replace.get(item.filename, source.read(item)))
        for name in replace.keys() - set(source.namelist()):
            target.writestr(name, replace[name])
    return out.getvalue()


def sheet(rows: str, dimension: str = "A1:M3") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
            f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>').encode()


def header_row() -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
                    for i, h in enumerate(HEADERS))
    return f'<row r="1">{cells}</row>'


def test_a_far_sparse_row_under_a_huge_dimension_is_refused_naming_the_row_limit(client, clerk):
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    content = rewritten({SHEET: sheet(header_row() + far, "A1:XFD1048576")})
    assert len(content) < 10_000
    message = refused(client, content)["message"]
    assert "10,000" in message and "1,048,576" in message
    assert count_rows(client.application, BulkBatch) == 0


def test_a_huge_declared_dimension_alone_does_not_pad_rows(app):
    content = rewritten({SHEET: sheet(header_row(), "A1:XFD1048576")})
    started = time.monotonic()
    with app.test_request_context(), pytest.raises(FileRefused, match="没有可导入的数据行"):
        read_table("fleet.xlsx", content)
    assert time.monotonic() - started < 2


def test_one_huge_shared_string_is_refused_by_its_unpacked_size_in_bounded_memory(client, clerk):
    strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" '
               f'uniqueCount="1"><si><t>{"A" * 200_000_000}</t></si></sst>').encode()
    content = rewritten({"xl/sharedStrings.xml": strings})
    del strings
    assert len(content) < 1024 * 1024
    tracemalloc.start()
    try:
        message = refused(client, content)["message"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "16 MB" in message
    assert peak < 50 * 1024 * 1024


def test_parts_that_unpack_past_32_mb_together_are_refused(client, clerk):
    padding = {f"docProps/pad{n}.xml": b" " * (15 * 2 ** 20) for n in range(3)}
    assert "32 MB" in refused(client, rewritten(padding))["message"]


def test_a_style_sheet_of_a_million_styles_is_refused_before_openpyxl_builds_them(client, clerk):
    source = zipfile.ZipFile(io.BytesIO(xlsx_file(fleet(2))))
    styles = source.read("xl/styles.xml").decode()
    xf = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    bloated = styles.replace("<cellXfs", "<cellXfs>" + xf * 200_000 + "</cellXfs><cellXfs", 1)
    message = refused(client, rewritten({"xl/styles.xml": bloated.encode()}))["message"]
    assert "50,000" in message


def test_a_long_cell_within_the_size_limit_is_refused_naming_the_cell_limit(client, clerk):
    strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" '
               f'uniqueCount="1"><si><t>{"A" * 100_000}</t></si></sst>').encode()
    assert "1,000" in refused(client, rewritten({"xl/sharedStrings.xml": strings}))["message"]


def test_a_long_inline_string_cell_is_refused_naming_the_cell_limit(client, clerk):
    long_cell = f'<row r="2"><c r="A2" t="inlineStr"><is><t>{"x" * 2000}</t></is></c></row>'
    assert "1,000" in refused(client, rewritten({SHEET: sheet(header_row() + long_cell)}))[
        "message"]


def test_too_many_columns_are_refused_naming_the_column_limit(client, clerk):
    wide = '<row r="2"><c r="BZ2" t="inlineStr"><is><t>x</t></is></c></row>'
    assert "50" in refused(client, rewritten({SHEET: sheet(header_row() + wide)}))["message"]


def test_too_many_cells_are_refused_naming_the_cell_count_limit(client, clerk):
    rows = "".join(f'<row r="{r}">' + '<c><v>1</v></c>' * 40 + "</row>" for r in range(2, 5100))
    assert "200,000" in refused(client, rewritten({SHEET: sheet(header_row() + rows)}))["message"]


def test_limits_are_named_in_english_on_request(client, clerk):
    far = '<row r="20000"><c r="A20000"><v>1</v></c></row>'
    message = refused(client, rewritten({SHEET: sheet(header_row() + far)}), lang="en")["message"]
    assert message.startswith("Row 20,000 is beyond the first 10,000 rows")


def test_a_workbook_with_a_dtd_is_refused_not_expanded(client, clerk):
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "&lol;" * 10}">'
                        for i in range(9))
              + f']><sst xmlns="{MAIN}"><si><t>&lol8;</t></si></sst>').encode()
    assert "DTD" in refused(client, rewritten({"xl/sharedStrings.xml": laughs}))["message"]
    external = (f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>').encode()
    assert "DTD" in refused(client, rewritten({SHEET: external}))["message"]


def test_a_zip_that_lies_about_its_sizes_is_refused(client, clerk):
    content = bytearray(rewritten({}))
    # Shrink every declared size in the central directory: the real text is longer.
    central = content.rfind(b"PK\x05\x06")
    start = int.from_bytes(content[central + 16:central + 20], "little")
    position = start
    while content[position:position + 4] == b"PK\x01\x02":
        content[position + 24:position + 28] = (1).to_bytes(4, "little")
        name, extra, comment = (int.from_bytes(content[position + o:position + o + 2], "little")
                                for o in (28, 30, 32))
        position += 46 + name + extra + comment
    refused(client, bytes(content))


def test_csv_bounds_name_their_limits(client, clerk):
    too_wide = ",".join(HEADERS + ["x"] * 60).encode()
    assert "50" in refused(client, too_wide, "fleet.csv")["message"]
    long_cell = csv_file(fleet(1)) + ("x" * 2000).encode() + b"\r\n"
    assert "1,000" in refused(client, long_cell, "fleet.csv")["message"]
    far = csv_file(fleet(1)) + b"\r\n" * 10_001 + b"x\r\n"
    assert "10,000" in refused(client, far, "fleet.csv")["message"]


def test_a_legitimate_workbook_still_reads(app):
    with app.test_request_context():
        assert len(read_table("fleet.xlsx", xlsx_file(fleet(50))).rows) == 50
