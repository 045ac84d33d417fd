"""The pass web forms' translation to the API's JSON shapes and back."""
import pytest
from flask import Flask

from passes import forms


@pytest.fixture(autouse=True)
def app_context():
    app = Flask(__name__)
    app.config.update(BABEL_DEFAULT_TIMEZONE="Asia/Shanghai", MAX_VALIDITY_DAYS=15)
    with app.app_context():
        yield


def test_datetime_local_input_is_read_as_beijing_time():
    assert forms.local_to_iso("2022-07-20T08:00") == "2022-07-20T08:00:00+08:00"


def test_value_with_an_offset_or_unreadable_is_passed_on_unchanged():
    assert forms.local_to_iso("2022-07-20T08:00:00+00:00") == "2022-07-20T08:00:00+00:00"
    assert forms.local_to_iso("tomorrow") == "tomorrow"
    assert forms.local_to_iso("") == ""


def test_vehicle_form_becomes_the_contract_body():
    form = {"kind": "vehicle", "plate": "桂E12345", "cargo": "daily", "person.name": "张三明",
            "person.id_number": "x", "person.phone": "13800000000",
            "person.health_code": "green", "person.test.result": "negative",
            "person.test.sampled_at": "2022-07-20T00:00", "origin": "450502",
            "destination": "450521", "valid_from": "2022-07-20T08:00",
            "valid_until": "2022-07-27T08:00"}
    data = forms.application_from_form(form)
    assert data["driver"]["test"] == {"result": "negative",
                                      "sampled_at": "2022-07-20T00:00:00+08:00"}
    assert data["plate"] == "桂E12345" and "person" not in data


def test_personnel_form_drops_the_hidden_vehicle_inputs():
    data = forms.application_from_form({"kind": "personnel", "plate": "桂E12345",
                                        "cargo": "daily", "person.name": "李四"})
    assert data["person"]["name"] == "李四"
    assert not {"plate", "cargo", "driver"} & data.keys()


def test_errors_of_either_holder_point_at_the_forms_person_inputs():
    errors = {"driver.test.sampled_at": "a", "person.name": "b", "driver": "c", "plate": "d"}
    assert forms.form_errors(errors) == {"person.test.sampled_at": "a", "person.name": "b",
                                         "person": "c", "plate": "d"}


def test_a_test_refused_whole_is_shown_under_its_result():
    errors = {"driver.test": "a", "crew.1.test": "b", "person.test.sampled_at": "c"}
    assert forms.form_errors(errors) == {"person.test.result": "a", "crew.1.test.result": "b",
                                         "person.test.sampled_at": "c"}


def test_route_counties_typed_as_names_become_their_codes():
    data = {"origin": "湛江市赤坎区", "destination": " 廉江市 "}
    assert forms.county_codes(data) == {}
    assert data == {"origin": "440802", "destination": "440881"}


def test_codes_and_blanks_are_left_for_the_service_to_judge():
    data = {"origin": "440802", "destination": None}
    assert forms.county_codes(data) == {}
    assert data == {"origin": "440802", "destination": None}


def test_an_ambiguous_or_unknown_name_is_an_error_of_its_field():
    data = {"origin": "朝阳区", "destination": "没有这个县"}
    assert forms.county_codes(data).keys() == {"origin", "destination"}
    assert data == {"origin": "朝阳区", "destination": "没有这个县"}
