"""Administrative divisions: the shipped data set, extra files and lookups."""
import csv
import re

import pytest

from core.divisions import SHIPPED_CSV, Divisions, default_divisions, load_divisions

BEIHAI_COUNTIES = [
    ("450502", "海城区"),
    ("450503", "银海区"),
    ("450512", "铁山港区"),
    ("450521", "合浦县"),
]


@pytest.fixture
def divisions():
    return default_divisions()


@pytest.fixture
def write_csv(tmp_path):
    def write(text, name="extra.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_shipped_file_is_utf8_with_the_expected_header():
    with SHIPPED_CSV.open(encoding="utf-8", newline="") as lines:
        assert next(csv.reader(lines)) == ["code", "name", "level"]


def test_beihai_and_its_counties_are_present(divisions):
    assert divisions.name("450500") == "北海市"
    assert divisions.counties("4505") == BEIHAI_COUNTIES


def test_counties_accepts_a_prefecture_code(divisions):
    assert divisions.counties("450500") == BEIHAI_COUNTIES


def test_guangxi_has_its_14_prefectures_and_111_counties(divisions):
    guangxi = [code for code in divisions if code.startswith("45")]
    prefectures = [code for code in guangxi if divisions.level(code) == "prefecture"]
    assert sorted(prefectures) == [f"45{n:02}00" for n in range(1, 15)]
    assert len(divisions.counties("450000")) == 111


def test_every_guangxi_county_sits_under_a_known_prefecture(divisions):
    for code, _ in divisions.counties("45"):
        assert divisions.level(code[:4] + "00") == "prefecture"


def test_every_province_level_division_is_named(divisions):
    provinces = [code for code in divisions if divisions.level(code) == "province"]
    assert len(provinces) == 34
    assert divisions.name("110000") == "北京市"
    assert divisions.name("820000") == "澳门特别行政区"


def test_counties_are_sorted_by_code(divisions):
    codes = [code for code, _ in divisions.counties()]
    assert codes == sorted(codes)


def test_full_name_joins_province_prefecture_and_county(divisions):
    assert divisions.full_name("450502") == "广西壮族自治区北海市海城区"
    assert divisions.full_name("450500") == "广西壮族自治区北海市"
    assert divisions.full_name("450000") == "广西壮族自治区"


def test_unknown_code_has_no_name(divisions):
    assert divisions.name("450599") is None
    assert divisions.full_name("450599") is None
    assert "450599" not in divisions


def test_is_county_only_for_county_level_codes(divisions):
    assert divisions.is_county("450521")
    assert not divisions.is_county("450500")
    assert not divisions.is_county("450000")
    assert not divisions.is_county("999999")


def test_divisions_behave_as_a_read_only_mapping(divisions):
    assert "450502" in divisions
    assert divisions["450502"] == "海城区"
    with pytest.raises(TypeError):
        divisions["450502"] = "x"


def test_divisions_do_not_change_when_their_source_does():
    rows = {"450000": ("广西壮族自治区", "province")}
    divisions = Divisions(rows)
    rows["450100"] = ("南宁市", "prefecture")
    assert "450100" not in divisions


def test_default_divisions_are_loaded_once():
    assert default_divisions() is default_divisions()


def test_extra_file_adds_divisions(write_csv):
    extra = write_csv("code,name,level\n110100,市辖区,prefecture\n110101,东城区,county\n")
    divisions = load_divisions(extra)
    assert divisions.full_name("110101") == "北京市市辖区东城区"
    assert divisions.name("450502") == "海城区"


def test_later_files_override_earlier_ones(write_csv):
    first = write_csv("code,name,level\n450502,旧名,county\n", "first.csv")
    second = write_csv("code,name,level\n450502,新名,county\n", "second.csv")
    assert load_divisions(first).name("450502") == "旧名"
    assert load_divisions(first, second).name("450502") == "新名"


def test_extra_file_may_start_with_a_byte_order_mark_and_contain_blank_lines(write_csv):
    extra = write_csv("\ufeffcode,name,level\n\n110101,东城区,county\n")
    assert load_divisions(extra).is_county("110101")


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("11010,东城区,county", "6 digits"),
        ("11010A,东城区,county", "6 digits"),
        ("110101,,county", "name is empty"),
        ("110101,东城区,district", "level"),
        ("110101,东城区", "fields"),
        ("110101,东城区,county,extra", "fields"),
    ],
)
def test_malformed_row_is_reported_with_file_and_line(write_csv, row, problem):
    extra = write_csv(f"code,name,level\n110100,市辖区,prefecture\n{row}\n")
    with pytest.raises(ValueError, match=problem) as error:
        load_divisions(extra)
    assert f"{extra}:3:" in str(error.value)


def test_file_without_the_header_is_rejected(write_csv):
    extra = write_csv("110101,东城区,county\n")
    with pytest.raises(ValueError, match=re.escape(f"{extra}:1: header")):
        load_divisions(extra)
