"""Finding #8: nothing limited issuing, so one clerk could use up the area's serials.

An enterprise may be issued at most ISSUE_QUOTA_PER_HOUR passes per clock hour and
ISSUE_QUOTA_PER_DAY per local day, on every path that issues; past it the API answers 429
with Retry-After and pages say why; the authority sees the usage and raises or lifts it.
"""
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from bulk import service as bulk_service
from core.db import db
from passes.models import Pass
from quotas import service as quota
from tests.conftest import count_rows
from tests.integration.bulk_data import csv_file, fleet
from tests.integration.pass_data import CST, make_clerk, resident_id, vehicle
from tests.integration.test_transfers import handover_body

PER_HOUR = 3


@pytest.fixture
def app_config(app_config):
    return app_config | {"ISSUE_QUOTA_PER_HOUR": PER_HOUR, "ISSUE_QUOTA_PER_DAY": 5}


@pytest.fixture
def clerk(make_user, make_enterprise, token_for):
    return make_clerk(make_user, make_enterprise, token_for)


def apply(client, clerk, serial: int):
    return client.post("/api/v1/passes", json=vehicle(plate=f"桂E{serial:05d}", serial=serial),
                       headers=clerk.headers)


def test_api_refuses_past_the_hourly_quota_with_retry_after(app, client, clerk):
    for serial in range(PER_HOUR):
        assert apply(client, clerk, serial).status_code == 201
    refused = apply(client, clerk, 99)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "quota_exceeded"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert count_rows(app, Pass) == PER_HOUR


def test_quota_is_per_enterprise(client, clerk, make_user, make_enterprise, token_for):
    for serial in range(PER_HOUR):
        apply(client, clerk, serial)
    other = make_clerk(make_user, make_enterprise, token_for)
    assert apply(client, other, 50).status_code == 201


def test_daily_quota_holds_across_hours_and_resets_at_local_midnight(app, clerk):
    # 23:10 Beijing time is 15:10 UTC: the day ends at 16:00 UTC, not at UTC midnight.
    evening = datetime(2026, 7, 20, 15, 10, tzinfo=UTC)
    with app.app_context():
        for moment in (evening - timedelta(hours=3), evening - timedelta(hours=2),
                       evening - timedelta(hours=1), evening, evening + timedelta(minutes=1)):
            quota.take(clerk.enterprise.id, moment)
        with pytest.raises(quota.QuotaExceeded) as refused:
            quota.take(clerk.enterprise.id, evening + timedelta(minutes=2))
        assert refused.value.retry_after == 48 * 60
        quota.take(clerk.enterprise.id, evening + timedelta(minutes=50))  # the next day
        db.session.rollback()


def test_refused_issue_uses_no_serial(app, client, clerk, make_user, make_enterprise, token_for):
    for serial in range(PER_HOUR + 1):
        apply(client, clerk, serial)
    other = make_clerk(make_user, make_enterprise, token_for)
    assert apply(client, other, 50).json["number"].endswith(f"{PER_HOUR + 1:06d}")


def test_form_refusal_says_why_in_chinese_and_english(app, client, clerk, login):
    for serial in range(PER_HOUR):
        apply(client, clerk, serial)
    login(clerk.user)
    start = datetime.now(CST).replace(second=0, microsecond=0) + timedelta(hours=2)
    form = {"kind": "vehicle", "plate": "桂E77777", "cargo": "daily", "person.name": "张三明",
            "person.id_number": resident_id(77), "person.phone": "13800000000",
            "person.health_code": "green", "person.test.result": "negative",
            "person.test.sampled_at": (start - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
            "origin": "450502", "destination": "450521",
            "valid_from": start.strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")}
    chinese = client.post("/passes/new", data=form)
    assert chinese.status_code == 429
    assert f"每小时最多签发 {PER_HOUR} 张" in chinese.text
    english = client.post("/passes/new?lang=en", data=form)
    assert english.status_code == 429
    assert f"at most {PER_HOUR} passes an hour" in english.text
    assert count_rows(app, Pass) == PER_HOUR


def test_bulk_confirm_counts_each_pass(app, clerk):
    with app.app_context():
        batch = bulk_service.upload("fleet.csv", csv_file(fleet(PER_HOUR + 1)), clerk.actor)
        with pytest.raises(quota.QuotaExceeded):
            bulk_service.confirm(batch.id, clerk.actor)
        db.session.rollback()
    assert count_rows(app, Pass) == 0  # all or nothing: the batch issues no pass


def test_renewal_counts_too(client, clerk):
    first = apply(client, clerk, 1).json
    for serial in range(2, PER_HOUR + 1):
        apply(client, clerk, serial)
    sampled = datetime.now(CST) - timedelta(hours=1)
    renewed = client.post(f"/api/v1/passes/{first['number']}/renew", headers=clerk.headers,
                          json={"test": {"result": "negative", "sampled_at": sampled.isoformat()}})
    assert renewed.status_code == 429


def test_relay_pass_counts_against_its_enterprise(app, client, make_enterprise, make_pass,
                                                  officer_headers):
    firm = make_enterprise()
    arriving = make_pass(firm, plate="桂E12345", valid_until_h=100)
    with app.app_context():
        for _ in range(PER_HOUR):
            quota.take(firm.id)
        db.session.commit()
    response = client.post("/api/v1/handovers", json=handover_body(arriving.qr_text),
                           headers=officer_headers)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1


@pytest.mark.commits
def test_concurrent_issuers_never_pass_the_quota(app, client, clerk):
    assert apply(client, clerk, 0).status_code == 201  # makes the signing key first

    def attempt(serial: int) -> int:
        return app.test_client().post(
            "/api/v1/passes", json=vehicle(plate=f"桂E{serial:05d}", serial=serial),
            headers=clerk.headers).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(attempt, range(1, 17)))
    assert sorted(statuses) == [201] * (PER_HOUR - 1) + [429] * (17 - PER_HOUR)
    assert count_rows(app, Pass) == PER_HOUR


def test_admin_sees_usage_and_raises_the_quota_with_an_audit_entry(app, client, clerk,
                                                                   make_user, login):
    for serial in range(PER_HOUR):
        apply(client, clerk, serial)
    admin = make_user("admin")
    pages = app.test_client()
    pages.post("/login", data={"username": admin.username, "password": "secret-pass-1"})
    detail = pages.get(f"/admin/enterprises/{clerk.enterprise.code}?lang=en").text
    assert f"{PER_HOUR} of {PER_HOUR} passes" in detail
    page = pages.get(f"/admin/enterprises/{clerk.enterprise.code}/quota")
    assert 'data-usage="hour">3<' in page.text
    bad = pages.post(f"/admin/enterprises/{clerk.enterprise.code}/quota",
                     data={"per_hour": "0", "per_day": "lots"})
    assert bad.status_code == 422 and 'id="e-per_hour"' in bad.text and 'id="e-per_day"' in bad.text
    saved = pages.post(f"/admin/enterprises/{clerk.enterprise.code}/quota",
                       data={"per_hour": "10", "per_day": "20"})
    assert saved.status_code == 302
    assert apply(client, clerk, 40).status_code == 201
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "quota.set"))
        assert entry.actor == admin.username and entry.subject == clerk.enterprise.code


def test_admin_lifts_the_block_through_the_api(app, client, clerk, make_user, token_for):
    for serial in range(PER_HOUR):
        apply(client, clerk, serial)
    admin = token_for(make_user("admin"))
    url = f"/api/v1/enterprises/{clerk.enterprise.code}/quota"
    assert client.get(url, headers=clerk.headers).json["used_this_hour"] == PER_HOUR
    assert client.put(url, json={"per_hour": 10}, headers=clerk.headers).status_code == 403
    invalid = client.put(url, json={"per_hour": -1, "per_day": True}, headers=admin)
    assert invalid.status_code == 422
    assert set(invalid.json["error"]["fields"]) == {"per_hour", "per_day"}
    reset = client.post(f"{url}/reset", headers=admin)
    assert reset.status_code == 200 and reset.json["used_this_hour"] == 0
    assert apply(client, clerk, 60).status_code == 201
    raised = client.put(url, json={"per_hour": 100, "per_day": None}, headers=admin).json
    assert (raised["per_hour"], raised["per_day"], raised["override"]) == (
        100, 5, {"per_hour": 100, "per_day": None})
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("quota.%"))).all()
    assert sorted(actions) == ["quota.reset", "quota.set"]
