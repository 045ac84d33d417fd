"""Spreadsheets in and out: reading an uploaded CSV or .xlsx into rows, writing the template.

Whole-file refusals (not a spreadsheet, missing headers, too many rows, formulas, empty,
past a bound of bulk/limits.py) are raised here, before any row is checked.
"""
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from bulk.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SHEET_ROWS,
    Deadline,
    FileRefused,
    cell_too_long,
    check_xlsx,
    row_beyond,
    too_many_columns,
    too_many_rows,
)
from core.spreadsheet import csv_writer
from core.validation import storable

MAX_ROWS_TEXT = f"{MAX_ROWS:,}"  # 5,000
# (key, header): the template's columns in order; a header's bracketed hint is optional.
COLUMNS = (
    ("kind", "通行证类型(车辆/人员)"),
    ("plate", "车牌号"),
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("phone", "手机号"),
    ("health_code", "健康码(绿/黄/红)"),
    ("test_result", "核酸结果(阴性/阳性)"),
    ("sampled_at", "采样时间"),
    ("cargo", "物资类别"),
    ("origin", "起点(县级代码或名称)"),
    ("destination", "终点(县级代码或名称)"),
    ("valid_from", "有效期起"),
    ("valid_until", "有效期至"),
)
# Columns a file may leave out.
OPTIONAL_COLUMNS = (("via", "途经(县级代码,逗号分隔)"),)
TEXT_COLUMNS = ("plate", "id_number", "phone", "origin", "destination")
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
# A leading = or @, or + or - followed by more than a signed number: what Excel would run.
FORMULA = re.compile(r"^(?:[=@]|[+-](?![\d\s.]*$))")


def column_name(key: str) -> str:
    """The header without its hint, as the report names a column: 健康码(绿/黄/红) -> 健康码."""
    return dict(COLUMNS + OPTIONAL_COLUMNS)[key].split("(")[0]


def _normal(header: str) -> str:
    header = re.sub(r"\s+", "", str(header or "")).replace("（", "(").replace("）", ")")
    return header.split("(")[0].lower()


HEADER_KEYS = ({_normal(header): key for key, header in COLUMNS + OPTIONAL_COLUMNS}
               | {key: key for key, _ in COLUMNS + OPTIONAL_COLUMNS})


# A cell: text, or a date or time as the spreadsheet stored it; a row maps column keys to them.
Cell = str | datetime | date | None
Row = dict[str, Cell]


@dataclass(frozen=True)
class Table:
    """Data rows as {key: value}, numbered as the spreadsheet numbers them (headers are row 1)."""

    rows: list[tuple[int, Row]]


def read_table(filename: str, content: bytes) -> Table:
    """Parse an upload, refusing the whole file when it cannot be read as the template."""
    if not storable(filename):
        raise FileRefused(_l("The file's name holds a character that cannot be stored (NUL "
                             "or an unpaired surrogate): rename the file."))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if not content.strip():
        raise FileRefused(_l("The file is empty."))
    if content.startswith(OLE_MAGIC) or extension == "xls":
        raise FileRefused(_l("Old Excel files (.xls) cannot be read: save it as .xlsx or CSV."))
    deadline = Deadline()
    if extension == "xlsx" and content.startswith(ZIP_MAGIC):
        lines = _xlsx_lines(content, deadline)
    elif extension in ("csv", "txt") and b"\x00" not in content:
        lines = _csv_lines(content, deadline)
    else:
        raise FileRefused(_l("Not a CSV or Excel (.xlsx) file: download the template and "
                             "fill it in."))
    return _table(lines)


def _csv_lines(content: bytes, deadline: Deadline):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(_l("The file's text is neither UTF-8 nor GBK: save it as CSV (UTF-8)."))
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, 1):
            _check_bounds(number, len(cells), deadline)
            for column, value in enumerate(cells):
                if len(value) > MAX_CELL_CHARS:
                    raise cell_too_long()
                if FORMULA.match(value.strip()):
                    _formula_refused(number, column)
            yield number, cells
    except csv.Error as error:  # a field past csv's own size limit, a stray quote...
        message = _l("This CSV file cannot be read: save it again as CSV (UTF-8).")
        raise FileRefused(message) from error


def _check_bounds(number: int, width: int, deadline: Deadline) -> None:
    deadline.check()
    if number > MAX_SHEET_ROWS:
        raise row_beyond(number)
    if width > MAX_COLUMNS:
        raise too_many_columns()


def _xlsx_lines(content: bytes, deadline: Deadline):
    check_xlsx(content, deadline)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken or foreign zip
        raise FileRefused(_l("This is not a readable Excel (.xlsx) file.")) from error
    try:
        sheet = workbook.worksheets[0]
        # The declared dimension may say A1:XFD1048576: pad rows only to the cells present.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_row=MAX_SHEET_ROWS, max_col=MAX_COLUMNS)
        for number, cells in enumerate(rows, 1):
            _check_bounds(number, len(cells), deadline)
            for column, cell in enumerate(cells):
                if cell.data_type == "f":
                    _formula_refused(number, column)
                if isinstance(cell.value, str) and len(cell.value) > MAX_CELL_CHARS:
                    raise cell_too_long()  # an inline string; shared ones were bounded before
            yield number, [cell.value for cell in cells]
    except FileRefused:
        raise
    except Exception as error:  # a cell openpyxl cannot convert, XML it cannot parse
        raise FileRefused(_l("This is not a readable Excel (.xlsx) file.")) from error
    finally:
        workbook.close()


def _formula_refused(row: int, column: int):
    cell = f"{chr(ord('A') + column) if column < 26 else column + 1}{row}"
    raise FileRefused(_l("The file contains a formula (cell %(cell)s). Formulas are not "
                         "imported: paste the values only and upload again.", cell=cell))


def _table(lines) -> Table:
    lines = iter(lines)
    header_number, header = next(((n, cells) for n, cells in lines if _filled(cells)), (0, None))
    if header is None:
        raise FileRefused(_l("The file is empty."))
    positions = {HEADER_KEYS[_normal(name)]: index for index, name in enumerate(header)
                 if _normal(name) in HEADER_KEYS}
    missing = [column_name(key) for key, _ in COLUMNS if key not in positions]
    if missing:
        raise FileRefused(_l("Missing columns: %(names)s. Use the template's headers.",
                             names="、".join(missing)))
    rows: list[tuple[int, Row]] = []
    for number, cells in lines:
        if not _filled(cells):
            continue
        if len(rows) == MAX_ROWS:
            raise too_many_rows()
        rows.append((number, {key: _cell(cells[i]) if i < len(cells) else None
                              for key, i in positions.items()}))
    if not rows:
        raise FileRefused(_l("The file has headers but no rows to import."))
    return Table(rows=rows)


def _filled(cells: Sequence[object]) -> bool:
    return any(_cell(value) is not None for value in cells)


def _cell(value: object) -> Cell:
    """Text trimmed, numbers as digits (Excel stores 450502 as a number), dates kept."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value
    text = str(value).strip() if value is not None else ""
    return text or None


def template_csv(rows: list[list[str]]) -> bytes:
    """The template as CSV in UTF-8 with a BOM, which Excel needs to show Chinese."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in COLUMNS])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(rows: list[list[str]], notes: list[tuple[str, str]]) -> bytes:
    """The template as .xlsx: code columns stored as text so Excel keeps ID numbers whole."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook opens on one empty worksheet
    sheet.title = "通行证申请"
    sheet.append([header for _, header in COLUMNS])
    for row in rows:
        sheet.append(row)
    for index, (key, header) in enumerate(COLUMNS):
        letter = chr(ord("A") + index)
        longest = max([len(str(row[index])) + 4 for row in rows] + [len(header) * 2 + 2, 12])
        sheet.column_dimensions[letter].width = longest
        head = sheet[f"{letter}1"]
        head.font, head.fill = Font(bold=True), PatternFill("solid", fgColor="DCE7F5")
        if key in TEXT_COLUMNS:  # for the rows the clerk adds too, not only the example
            sheet.column_dimensions[letter].number_format = "@"
            for row_number in range(2, len(rows) + 2):
                sheet[f"{letter}{row_number}"].number_format = "@"
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("填写说明")
    for note in notes:
        help_sheet.append(list(note))
    help_sheet.column_dimensions["A"].width, help_sheet.column_dimensions["B"].width = 18, 70
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
