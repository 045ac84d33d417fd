"""Bounds on reading an uploaded spreadsheet, checked before openpyxl builds anything.

An .xlsx is a zip of XML: a few kilobytes can declare a gigabyte of text, a sheet a million
rows wide, or XML entities that expand without end. Every bound here is checked while
streaming, so a hostile file is refused in bounded time and memory, naming the limit.
"""
import io
import time
import zipfile
from xml.parsers import expat

from flask_babel import lazy_gettext as _l

from core.errors import DomainError

MAX_ROWS = 5000  # data rows in a file
MAX_SHEET_ROWS = 2 * MAX_ROWS  # the last row number any cell may sit in, blank rows included
MAX_COLUMNS = 50  # the template has 13
MAX_CELLS = 200_000  # cells written in the workbook, over every sheet
MAX_CELL_CHARS = 1000  # characters in one cell (the longest template value is ~20)
MAX_PART_BYTES = 16 * 1024 * 1024  # one part of the zip, unpacked
MAX_UNZIPPED_BYTES = 32 * 1024 * 1024  # every part together, unpacked
MAX_PARTS = 200
# XML elements: in the cells and shared strings (values, rich-text runs), and everywhere else
# (styles, merged ranges, formatting rules...), which openpyxl turns into objects one by one.
MAX_CELL_ELEMENTS = 4 * MAX_CELLS
MAX_OTHER_ELEMENTS = 50_000
MAX_SECONDS = 20  # reading one file, well inside gunicorn's timeout

SPREADSHEET_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                          "http://purl.oclc.org/ooxml/spreadsheetml/main")
CHUNK = 64 * 1024


def _n(number: int) -> str:
    return f"{number:,}"


class FileRefused(DomainError):
    status = 422
    code = "file_refused"
    message = _l("This file cannot be imported.")


class Deadline:
    """The moment reading one file must be done by."""

    def __init__(self, seconds: float = MAX_SECONDS):
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise FileRefused(_l("Reading this file took longer than %(limit)s seconds: "
                                 "upload a smaller file.", limit=MAX_SECONDS))


def too_many_rows() -> FileRefused:
    return FileRefused(_l("At most %(limit)s rows per file: split it and upload the parts "
                          "one by one.", limit=_n(MAX_ROWS)))


def row_beyond(row: int) -> FileRefused:
    return FileRefused(_l("Row %(row)s is beyond the first %(limit)s rows a file may use: "
                          "delete the rows below your data.", row=_n(row),
                          limit=_n(MAX_SHEET_ROWS)))


def too_many_columns() -> FileRefused:
    return FileRefused(_l("At most %(limit)s columns per file: delete the columns after "
                          "the template's.", limit=MAX_COLUMNS))


def cell_too_long() -> FileRefused:
    return FileRefused(_l("A cell holds more than %(limit)s characters.",
                          limit=_n(MAX_CELL_CHARS)))


def check_xlsx(content: bytes, deadline: Deadline) -> None:
    """Refuse a workbook whose zip or XML would take unbounded time or memory to read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as error:
        raise FileRefused(_l("This is not a readable Excel (.xlsx) file.")) from error
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise FileRefused(_l("The workbook has more than %(limit)s parts.", limit=MAX_PARTS))
        # Declared sizes are binding: zipfile stops at them and checks the CRC.
        if any(part.file_size > MAX_PART_BYTES for part in parts):
            raise FileRefused(_l("A part of the workbook unpacks to more than %(limit)s MB: "
                                 "upload a smaller file.", limit=MAX_PART_BYTES // 2 ** 20))
        if sum(part.file_size for part in parts) > MAX_UNZIPPED_BYTES:
            raise FileRefused(_l("The workbook unpacks to more than %(limit)s MB: upload a "
                                 "smaller file.", limit=MAX_UNZIPPED_BYTES // 2 ** 20))
        counts = _Counts()  # over every part
        for part in parts:
            _scan_part(archive, part, counts, deadline)


class _Counts:
    cells = cell_elements = other_elements = 0


def _scan_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, counts: _Counts,
               deadline: Deadline) -> None:
    """Stream one part through expat: no DTD, and the sheet bounds in spreadsheet XML."""
    scan = _PartScan(counts, deadline)
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(CHUNK):
                deadline.check()
                scan.parser.Parse(chunk, False)
            scan.parser.Parse(b"", True)
    except expat.ExpatError:
        # Not XML (a thumbnail, say) or broken: openpyxl refuses what it needs and cannot read.
        pass
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as error:
        raise FileRefused(_l("This is not a readable Excel (.xlsx) file.")) from error


class _PartScan:
    def __init__(self, counts: _Counts, deadline: Deadline):
        self.counts, self.deadline = counts, deadline
        self.row = self.column = 0
        self.in_sheet_data = self.in_strings = False
        self.text_chars = 0  # characters of the shared string being read
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True  # one call per text run, not per line or entity
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        # Only start tags, and text in the shared strings: a handler per event costs time.
        parser.StartElementHandler = self._start
        self.parser = parser

    def _doctype(self, *_):
        raise FileRefused(_l("The workbook holds an XML document type declaration (DTD), "
                             "which Excel never writes: save it again from Excel."))

    def _start(self, name: str, attributes: dict) -> None:
        self._count_element()
        namespace, _, local = name.rpartition(" ")
        if namespace not in SPREADSHEET_NAMESPACES:
            return
        if local == "sst":  # the shared strings, read whole by openpyxl: bound each one
            self.in_strings = True
            self.parser.CharacterDataHandler = self._text
        elif local == "sheetData":
            self.in_sheet_data, self.row = True, 0
            self.parser.EndElementHandler = self._end
        elif local == "row" and self.in_sheet_data:
            self.deadline.check()
            self.row = _number(attributes.get("r"), self.row + 1)
            self.column = 0
            if self.row > MAX_SHEET_ROWS:
                raise row_beyond(self.row)
        elif local == "c" and self.in_sheet_data:
            self.column = _column(attributes.get("r"), self.column + 1)
            if self.column > MAX_COLUMNS:
                raise too_many_columns()
            self.counts.cells += 1
            if self.counts.cells > MAX_CELLS:
                raise FileRefused(_l("At most %(limit)s cells per file.", limit=_n(MAX_CELLS)))
        elif local == "si":
            self.text_chars = 0

    def _end(self, name: str) -> None:
        if name.endswith(" sheetData"):
            self.in_sheet_data = False
            self.parser.EndElementHandler = None

    def _count_element(self) -> None:
        counts = self.counts
        if self.in_sheet_data or self.in_strings:
            counts.cell_elements += 1
            if counts.cell_elements > MAX_CELL_ELEMENTS:
                raise FileRefused(_l("The workbook's cells hold more than %(limit)s XML "
                                     "elements.", limit=_n(MAX_CELL_ELEMENTS)))
        else:
            counts.other_elements += 1
            if counts.other_elements > MAX_OTHER_ELEMENTS:
                raise FileRefused(_l("The workbook holds more than %(limit)s XML elements "
                                     "besides its cells (formatting, merged cells...): paste "
                                     "the values into the template.",
                                     limit=_n(MAX_OTHER_ELEMENTS)))

    def _text(self, data: str) -> None:
        self.text_chars += len(data)
        if self.text_chars > MAX_CELL_CHARS:
            raise cell_too_long()


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and len(text) <= 8 else default


def _column(reference: str | None, default: int) -> int:
    """The column of a reference such as XFD7 (16384); MAX_COLUMNS + 1 for any past it."""
    letters = (reference or "").rstrip("0123456789")
    if not letters:
        return default
    number = 0
    for letter in letters[:4].upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number if len(letters) <= 3 else MAX_COLUMNS + 1
