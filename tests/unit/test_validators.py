"""Validators for USCC, resident ID, plate, phone and name masking."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.validators import (
    RESIDENT_ID_CHECK_CHARS,
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    id_last4,
    mask_name,
    mobile_is_valid,
    normalize_plate,
    plate_is_trailer,
    plate_is_valid,
    resident_id_check_char,
    resident_id_is_valid,
    uscc_check_char,
    uscc_is_valid,
)

TODAY = date(2022, 7, 20)
DIGITS = "0123456789"

# The GB 32100-2015 example, then two codes published on business licences.
PUBLISHED_USCCS = ["91350100M000100Y43", "914403001922038216", "91330100799655058B"]
# GB 11643-1999's example number.
STANDARD_ID = "11010519491231002X"


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def make_id(area: str, born: date, serial: str) -> str:
    first17 = f"{area}{born:%Y%m%d}{serial}"
    return first17 + resident_id_check_char(first17)


def replace_char(text: str, index: int, char: str) -> str:
    return text[:index] + char + text[index + 1 :]


uscc_prefixes = st.builds(
    lambda authority, kind, area, rest: authority + kind + area + rest,
    st.sampled_from(USCC_AUTHORITIES),
    st.sampled_from(USCC_ALPHABET),
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)
resident_ids = st.builds(
    make_id,
    st.text(DIGITS, min_size=6, max_size=6),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.text(DIGITS, min_size=3, max_size=3),
)


# USCC


@pytest.mark.parametrize("code", PUBLISHED_USCCS)
def test_uscc_accepts_published_codes(code):
    assert uscc_is_valid(code)


@given(uscc_prefixes)
def test_uscc_accepts_any_prefix_with_its_check_character(first17):
    assert uscc_is_valid(make_uscc(first17))


@given(uscc_prefixes, st.data())
def test_uscc_rejects_any_single_character_change(first17, data):
    code = make_uscc(first17)
    index = data.draw(st.integers(0, 17))
    char = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[index]]))
    assert not uscc_is_valid(replace_char(code, index, char))


def test_uscc_rejects_wrong_check_character():
    assert not uscc_is_valid("91350100M000100Y44")


@pytest.mark.parametrize("letter", "IOZSV")
def test_uscc_rejects_letters_outside_its_alphabet(letter):
    assert not uscc_is_valid(replace_char(PUBLISHED_USCCS[0], 8, letter))


@pytest.mark.parametrize("authority", USCC_AUTHORITIES)
def test_uscc_accepts_each_registration_authority(authority):
    assert uscc_is_valid(make_uscc(authority + "1450500MA5KXXXX0"))


def test_uscc_rejects_unknown_registration_authority():
    assert not uscc_is_valid(make_uscc("B1350100M000100Y4"))


def test_uscc_rejects_letter_in_area_code():
    assert not uscc_is_valid(make_uscc("9135A100M000100Y4"))


@pytest.mark.parametrize("code", ["", "91350100M000100Y4", "91350100M000100Y433", None, 91350100])
def test_uscc_rejects_wrong_length_or_type(code):
    assert not uscc_is_valid(code)


def test_uscc_rejects_lower_case():
    assert not uscc_is_valid("91350100m000100y43")


@pytest.mark.parametrize("first17", ["9135010", "91350100M000100YI", "91350100m000100Y4"])
def test_uscc_check_char_refuses_a_bad_prefix(first17):
    with pytest.raises(ValueError):
        uscc_check_char(first17)


# Resident ID


def test_resident_id_accepts_the_standard_example():
    assert resident_id_is_valid(STANDARD_ID, today=TODAY)


def test_resident_id_accepts_lower_case_x():
    assert resident_id_is_valid(STANDARD_ID.lower(), today=TODAY)


@given(resident_ids)
def test_resident_id_accepts_any_prefix_with_its_check_character(number):
    assert resident_id_is_valid(number, today=TODAY)


@given(resident_ids, st.data())
def test_resident_id_rejects_any_single_character_change(number, data):
    index = data.draw(st.integers(0, 17))
    chars = DIGITS if index < 17 else RESIDENT_ID_CHECK_CHARS
    char = data.draw(st.sampled_from([c for c in chars if c != number[index]]))
    assert not resident_id_is_valid(replace_char(number, index, char), today=TODAY)


def test_resident_id_rejects_wrong_check_character():
    assert not resident_id_is_valid("110105194912310021", today=TODAY)


@pytest.mark.parametrize("born", ["19490230", "19491301", "19490000", "20210229"])
def test_resident_id_rejects_impossible_birth_date(born):
    first17 = f"110105{born}002"
    assert not resident_id_is_valid(first17 + resident_id_check_char(first17), today=TODAY)


def test_resident_id_accepts_leap_day_birth():
    assert resident_id_is_valid(make_id("450502", date(2000, 2, 29), "123"), today=TODAY)


def test_resident_id_rejects_birth_date_in_the_future():
    assert not resident_id_is_valid(make_id("450502", date(2022, 7, 21), "123"), today=TODAY)


def test_resident_id_accepts_birth_today():
    assert resident_id_is_valid(make_id("450502", TODAY, "123"), today=TODAY)


def test_resident_id_rejects_birth_before_1900():
    # The standard's own second example: a correct check digit, born 1880.
    assert not resident_id_is_valid("440524188001010014", today=TODAY)


@pytest.mark.parametrize(
    "number", ["", "11010519491231002", "11010519491231002XX", "1101051949123100X2", None]
)
def test_resident_id_rejects_wrong_shape(number):
    assert not resident_id_is_valid(number, today=TODAY)


def test_resident_id_rejects_non_ascii_digits():
    assert not resident_id_is_valid("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", today=TODAY)


def test_resident_id_check_char_refuses_a_bad_prefix():
    with pytest.raises(ValueError):
        resident_id_check_char("1101051949123100X")


# Plates


@pytest.mark.parametrize(
    "plate",
    ["桂E12345", "桂EA2B45", "京AZZZZZ", "粤B8888H", "桂ED12345", "桂EFA1234", "桂E12345D",
     "琼F54321F"],
)
def test_plate_accepts_ordinary_and_new_energy_shapes(plate):
    assert plate_is_valid(plate)


@pytest.mark.parametrize(
    "plate",
    [
        "桂E1234",  # too short
        "桂E123456",  # six digits, no energy letter
        "桂I12345",  # authority letter I
        "桂O12345",  # authority letter O
        "桂E1234O",  # serial letter O
        "桂EI2345",  # serial letter I
        "桂12345",  # no authority letter
        "港E12345",  # not a province
        "桂ED1234A",  # small new-energy ends in digits
        "桂EA12345",  # small new-energy starts with D or F
        "桂E1234AD",  # large new-energy starts with five digits
        "桂E1234挂",  # trailer
        "桂E1234学",  # driving-school car
        "桂e12345",  # not normalised
        "",
        None,
    ],
)
def test_plate_rejects_other_shapes(plate):
    assert not plate_is_valid(plate)


@pytest.mark.parametrize(
    "text", ["桂E12345", " 桂e 12345 ", "桂E·12345", "桂E-12345", "桂Ｅ１２３４５", "桂E・12345"]
)
def test_normalize_plate_removes_separators_and_folds_case_and_width(text):
    assert normalize_plate(text) == "桂E12345"


@pytest.mark.parametrize("plate", ["桂E12345挂", "桂E1234挂", "桂E·1234挂 "])
def test_plate_is_trailer_detects_trailer_plates(plate):
    assert plate_is_trailer(plate)


def test_plate_is_trailer_is_false_for_a_tractor():
    assert not plate_is_trailer("桂E12345")


# Mobile


@pytest.mark.parametrize("phone", ["13800000000", "19912345678", "16612345678"])
def test_mobile_accepts_mainland_numbers(phone):
    assert mobile_is_valid(phone)


@pytest.mark.parametrize(
    "phone",
    [
        "12800000000",
        "1380000000",
        "138000000000",
        "23800000000",
        "13800000000\n",
        "+8613800000000",
        "١٣٨٠٠٠٠٠٠٠٠",  # Arabic-Indic digits
        "",
        None,
    ],
)
def test_mobile_rejects_other_numbers(phone):
    assert not mobile_is_valid(phone)


# Masking


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三明", "张*明"),
        ("张三", "张*"),
        ("欧阳小明", "欧*明"),
        ("张", "张"),
        ("", ""),
        (" 李四 ", "李*"),
        ("John Smith", "J*h"),
        ("Li", "L*"),
    ],
)
def test_mask_name_keeps_first_and_last_characters_around_one_star(name, masked):
    assert mask_name(name) == masked


def test_id_last4_returns_last_four_characters_upper_cased():
    assert id_last4("11010519491231002x") == "002X"
