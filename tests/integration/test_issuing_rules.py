"""Issuing rules on the person: what the registry knows outweighs what an application quotes."""
import re
from datetime import UTC, datetime, time, timedelta

import pytest

from tests.integration.pass_data import (
    CST,
    make_clerk,
    personnel,
    resident_id,
    vehicle,
    with_value,
)

DRIVER = resident_id(123)


@pytest.fixture
def other_clerk(make_user, make_enterprise, token_for):
    return make_clerk(make_user, make_enterprise, token_for)


def apply(client, clerk, data):
    return client.post("/api/v1/passes", json=data, headers=clerk.headers)


def record(client, admin_headers, **fields):
    row = {"id_number": DRIVER, "name": "张三明"} | fields
    response = client.post("/api/v1/health-results", json={"results": [row]},
                           headers=admin_headers)
    assert response.status_code == 200, response.text


def ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0).isoformat()


def test_positive_driver_cannot_get_a_new_pass_from_another_enterprise_quoting_an_older_test(
        client, clerk, other_clerk, admin_headers):
    assert apply(client, clerk, vehicle()).status_code == 201
    record(client, admin_headers, test={"result": "positive", "sampled_at": ago(2)})
    for someone, plate in ((other_clerk, "桂E54321"), (clerk, "桂E67890")):
        response = apply(client, someone, vehicle(plate=plate))  # quotes a test of 9 h ago
        assert response.status_code == 422
        assert list(response.json["error"]["fields"]) == ["driver.test"]


def test_a_positive_test_quoted_for_someone_positive_on_record_is_refused_once(
        client, clerk, admin_headers):
    record(client, admin_headers, test={"result": "positive", "sampled_at": ago(2)})
    response = apply(client, clerk, with_value(vehicle(), "driver.test.result", "positive"))
    assert list(response.json["error"]["fields"]) == ["driver.test"]


def test_a_negative_test_sampled_after_the_recorded_positive_may_be_quoted(
        client, clerk, admin_headers):
    record(client, admin_headers, test={"result": "positive", "sampled_at": ago(20)})
    response = apply(client, clerk, vehicle())  # quotes a test sampled 9 h ago
    assert response.status_code == 201, response.text


def test_person_whose_code_on_record_is_not_green_is_refused_whatever_the_application_says(
        client, clerk, admin_headers):
    record(client, admin_headers, health_code="yellow")
    data = personnel()
    data["person"] |= {"id_number": DRIVER, "name": "张三明"}
    response = apply(client, clerk, data)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["person.health_code"]


def test_same_id_number_under_another_name_is_refused_without_the_name_in_full(
        client, clerk, other_clerk):
    assert apply(client, clerk, vehicle()).status_code == 201
    response = apply(client, other_clerk,
                     with_value(vehicle(plate="桂E54321"), "driver.name", "李四海"))
    assert response.status_code == 422
    message = response.json["error"]["fields"]["driver.id_number"]
    assert "张*明" in message and "张三明" not in message


def test_driver_born_in_2015_is_refused(client, clerk):
    child = resident_id(123, born="20150601")
    response = apply(client, clerk, with_value(vehicle(), "driver.id_number", child))
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["driver.id_number"]


def test_driver_must_be_18_on_the_local_day_the_pass_starts(client, clerk):
    # Half past midnight in Beijing is still the day before in UTC: the birthday that
    # counts is the one on the calendar the driver lives by, whatever the hour.
    tomorrow = (datetime.now(CST) + timedelta(days=1)).date()
    if (tomorrow.month, tomorrow.day) == (2, 29):
        tomorrow += timedelta(days=1)  # a birthday 18 years back must exist
    start = datetime.combine(tomorrow, time(0, 30), CST)
    window = {"valid_from": start.isoformat(),
              "valid_until": (start + timedelta(days=7)).isoformat()}
    eighteen_today = tomorrow.replace(year=tomorrow.year - 18)
    too_young = resident_id(123, born=(eighteen_today + timedelta(days=1)).strftime("%Y%m%d"))
    of_age = resident_id(124, born=eighteen_today.strftime("%Y%m%d"))
    refused = apply(client, clerk, with_value(vehicle(**window), "driver.id_number", too_young))
    assert list(refused.json["error"]["fields"]) == ["driver.id_number"]
    accepted = apply(client, clerk, with_value(vehicle(**window), "driver.id_number", of_age))
    assert accepted.status_code == 201, accepted.text


def test_test_days_old_at_issue_time_is_refused_even_with_a_back_dated_start(client, clerk):
    start = datetime.now(UTC) - timedelta(days=3)
    data = vehicle(valid_from=start.isoformat(),
                   valid_until=(start + timedelta(days=7)).isoformat())
    data = with_value(data, "driver.test.sampled_at", (start - timedelta(hours=6)).isoformat())
    response = apply(client, clerk, data)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["driver.test.sampled_at"]


def test_form_default_start_is_now(client, clerk, login):
    login(clerk.user)
    page = client.get("/passes/new").text
    shown = re.search(r'name="valid_from"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="valid_from"', page)
    start = datetime.fromisoformat(shown.group(1)).replace(tzinfo=CST)
    assert abs(start - datetime.now(UTC)) < timedelta(minutes=2)
