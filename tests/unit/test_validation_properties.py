"""Properties of core.validation.Fields and the identifier checks on any input whatsoever."""
import contextlib
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.divisions import default_divisions
from core.validation import Fields, storable, unstorable_paths
from core.validators import (
    id_last4,
    mask_name,
    mobile_is_valid,
    normalize_plate,
    plate_is_trailer,
    plate_is_valid,
    resident_id_is_valid,
    uscc_check_char,
    uscc_is_valid,
)
from passtokens import qr

properties = settings(max_examples=200, derandomize=True, database=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)
# A body is mostly an object, with the fields the readers look for among random ones.
field_names = st.sampled_from(["value", "when", "codes", "sub", ""]) | st.text(max_size=8)
bodies = json_values | st.dictionaries(field_names, json_values, max_size=6)
offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
aware_datetimes = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                               timezones=offsets)


def read_every_way(fields: Fields) -> list:
    """Each reader once, the way services call them."""
    return [
        fields.text("value"),
        fields.text("value", required=False, max_length=5, check=str.isdigit),
        fields.choice("value", ["green", "yellow", "red"]),
        fields.choices("codes", ["daily", "medical"]),
        fields.timestamp("when"),
        fields.nested("sub").text("value"),
        fields.nested("sub", required=False).timestamp("when", required=False),
    ]


@properties
@given(bodies)
def test_fields_record_errors_for_any_json_instead_of_raising(body):
    fields = Fields(body)
    read_every_way(fields)
    fields.reject_extra("value", "codes")
    assert all(isinstance(path, str) and str(message) for path, message in fields.errors.items())


@properties
@given(bodies)
def test_fields_return_values_of_the_promised_shape_or_none(body):
    fields = Fields(body)
    text, digits, colour, codes, when, nested_text, _ = read_every_way(fields)
    assert text is None or (isinstance(text, str) and text == text.strip() and 0 < len(text) <= 200)
    assert digits is None or (digits.isdigit() and len(digits) <= 5)
    assert colour in (None, "green", "yellow", "red")
    assert codes is None or (codes and set(codes) <= {"daily", "medical"}
                             and len(codes) == len(set(codes)))
    assert when is None or when.tzinfo is not None
    assert nested_text is None or isinstance(nested_text, str)


@properties
@given(bodies)
def test_a_missing_required_field_is_always_an_error(body):
    fields = Fields(body)
    if fields.text("value") is None:
        assert "value" in fields.errors or "body" in fields.errors


@properties
@given(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6), bodies)
def test_nested_errors_are_reported_under_the_parent_path(name, inner):
    fields = Fields({name: inner})
    fields.nested(name).text("value")
    assert all(path == name or path.startswith(f"{name}.") for path in fields.errors)


@properties
@given(aware_datetimes)
def test_timestamps_round_trip_through_iso_8601(moment):
    fields = Fields({"when": moment.isoformat()})
    assert fields.timestamp("when") == moment
    assert fields.errors == {}


@properties
@given(aware_datetimes)
def test_timestamps_are_read_as_the_same_instant_in_utc(moment):
    read = Fields({"when": moment.isoformat()}).timestamp("when")
    assert read == moment and read.utcoffset() == timedelta(0)


@properties
@given(st.datetimes(min_value=datetime(1, 1, 1)))
def test_timestamps_without_offset_are_refused(moment):
    fields = Fields({"when": moment.isoformat()})
    assert fields.timestamp("when") is None
    assert "when" in fields.errors


def test_timestamps_at_the_edges_of_time_round_trip():
    for moment in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)):
        assert Fields({"when": moment.isoformat()}).timestamp("when") == moment


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-00:01"])
def test_timestamps_with_no_utc_equivalent_are_refused(text):
    """Found by fuzzing POST /api/v1/scans: storing such a time overflowed (500)."""
    fields = Fields({"when": text})
    assert fields.timestamp("when") is None
    assert "when" in fields.errors


# Any code point at all, lone surrogates and NUL included: what a JSON body can decode to.
any_text = st.text(st.characters(exclude_categories=()), max_size=12)


@properties
@given(any_text)
def test_text_read_by_fields_is_always_storable(text):
    value = Fields({"value": text}).text("value")
    assert value is None or storable(value)


def texts_in(value):
    """Every key and string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from texts_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts_in(item)


@properties
@given(st.recursive(any_text | st.integers(), lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(any_text, inner, max_size=3), max_leaves=8))
def test_unstorable_paths_finds_every_nul_or_lone_surrogate(value):
    bad = any(re.search("[\x00\ud800-\udfff]", text) for text in texts_in(value))
    assert bool(list(unstorable_paths(value))) == bad


# The identifier checks answer True or False for anything a JSON body can hold.


@properties
@given(json_values)
def test_identifier_checks_answer_a_boolean_for_any_json_value(value):
    for check in (uscc_is_valid, resident_id_is_valid, plate_is_valid, mobile_is_valid):
        assert check(value) in (True, False)


@properties
@given(st.text())
def test_normalized_plate_validity_is_stable(text):
    once = normalize_plate(text)
    assert plate_is_valid(normalize_plate(once)) == plate_is_valid(once)


@pytest.fixture(scope="module", autouse=True)
def _counties_read():
    """Read the county table before Hypothesis times the first example (it takes a second)."""
    default_divisions()


@properties
@given(st.text())
def test_identifier_checks_answer_a_boolean_for_any_text(text):
    for check in (uscc_is_valid, resident_id_is_valid, plate_is_valid, mobile_is_valid,
                  plate_is_trailer, default_divisions().is_county):
        assert check(text) in (True, False)


# What people type into a plate field: provinces, letters (full-width too), digits, separators.
plate_like_text = st.text(st.sampled_from("桂粤京挂学EDFABIO0125ＥＤ１２ｅd -.·•\u3000"),
                          max_size=12)


@properties
@given(plate_like_text)
def test_normalize_plate_is_idempotent(text):
    once = normalize_plate(text)
    assert normalize_plate(once) == once


@properties
@given(st.text())
def test_uscc_check_char_refuses_only_with_value_error(text):
    with contextlib.suppress(ValueError):
        assert len(uscc_check_char(text)) == 1


@properties
@given(st.text())
def test_masked_names_show_at_most_two_characters_of_the_name(name):
    masked = mask_name(name)
    assert len(masked) <= 3
    assert masked.replace("*", "") == masked or masked[1] == "*"


@properties
@given(st.text())
def test_id_last4_is_at_most_four_characters(number):
    assert len(id_last4(number)) <= 4


@properties
@given(st.text())
def test_any_text_is_a_jws_or_bad_qr_text(text):
    try:
        jws = qr.from_qr_text(text)
    except qr.BadQrText:
        return
    assert qr.to_qr_text(jws) == text
