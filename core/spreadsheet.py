"""CSV that is safe to open in a spreadsheet: text it would run as a formula is defused.

Every CSV the app writes goes through csv_writer, so a name such as =HYPERLINK(...) typed
by an enterprise reaches the admin's Excel as text, not as a formula (OWASP, CSV injection).
"""
import csv
from collections.abc import Iterable
from typing import Any, TextIO

# What Excel, LibreOffice and Google Sheets start a formula with, tab and CR included.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """Text starting like a formula gets a leading single quote; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _DefusingWriter:
    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([defuse(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO, **options: Any) -> _DefusingWriter:
    """csv.writer(out, **options) whose every cell is defused."""
    return _DefusingWriter(out, **options)
