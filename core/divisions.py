"""Administrative divisions (GB/T 2260 codes) loaded from CSV files."""
import csv
import os
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

SHIPPED_CSV = Path(__file__).parent / "data" / "divisions.csv"
HEADER = ["code", "name", "level"]
LEVELS = ("province", "prefecture", "county")

_CODE = re.compile(r"[0-9]{6}")


class Divisions(Mapping[str, str]):
    """An immutable mapping of 6-digit division codes to names, with their levels."""

    def __init__(self, rows: Mapping[str, tuple[str, str]]):
        self._rows = MappingProxyType(dict(rows))

    def __getitem__(self, code: str) -> str:
        return self._rows[code][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<Divisions {len(self)} codes>"

    def name(self, code: str) -> str | None:
        """Return the name of code, or None if it is unknown."""
        return self.get(code)

    def level(self, code: str) -> str | None:
        """Return 'province', 'prefecture' or 'county' for code, or None if it is unknown."""
        row = self._rows.get(code)
        return row[1] if row else None

    def is_county(self, code: str) -> bool:
        """Tell whether code is a known county-level division."""
        return self.level(code) == "county"

    def counties(self, prefix: str = "") -> list[tuple[str, str]]:
        """Return (code, name) of the counties under prefix, sorted by code.

        prefix is a code prefix ('45', '4505') or a province or prefecture code ('450500').
        """
        if _CODE.fullmatch(prefix):
            prefix = prefix.removesuffix("00").removesuffix("00")
        return sorted(
            (code, name)
            for code, (name, level) in self._rows.items()
            if level == "county" and code.startswith(prefix)
        )

    def full_name(self, code: str) -> str | None:
        """Return the name of code after those of its province and prefecture, or None."""
        if code not in self:
            return None
        chain = dict.fromkeys((code[:2] + "0000", code[:4] + "00", code))
        return "".join(self[part] for part in chain if part in self)


def load_divisions(*paths: str | os.PathLike) -> Divisions:
    """Load the shipped divisions, then each extra CSV file, later rows overriding earlier."""
    rows: dict[str, tuple[str, str]] = {}
    for path in (SHIPPED_CSV, *paths):
        rows.update(_read_csv(Path(path)))
    return Divisions(rows)


@cache
def default_divisions() -> Divisions:
    """Return the shipped divisions, loaded once."""
    return load_divisions()


def _read_csv(path: Path) -> Iterator[tuple[str, tuple[str, str]]]:
    """Yield (code, (name, level)) from a code,name,level CSV file, rejecting bad rows."""
    # utf-8-sig: files saved from spreadsheet programs start with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as lines:
        reader = csv.reader(lines)
        if next(reader, None) != HEADER:
            raise ValueError(f"{path}:1: header must be {','.join(HEADER)}")
        for row in reader:
            if not row:  # a blank line
                continue
            yield _parse_row(row, f"{path}:{reader.line_num}")


def _parse_row(row: list[str], where: str) -> tuple[str, tuple[str, str]]:
    """Return (code, (name, level)) from one CSV row; where names it in errors."""
    if len(row) != len(HEADER):
        raise ValueError(f"{where}: expected {len(HEADER)} fields, got {len(row)}")
    code, name, level = (field.strip() for field in row)
    if not _CODE.fullmatch(code):
        raise ValueError(f"{where}: code must be 6 digits, got {code!r}")
    if not name:
        raise ValueError(f"{where}: name is empty")
    if level not in LEVELS:
        raise ValueError(f"{where}: level must be one of {', '.join(LEVELS)}, got {level!r}")
    return code, (name, level)
