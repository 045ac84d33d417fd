"""The daily re-check of the drivers' and supply staff's white list (flask people recheck)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from core.db import db, utcnow
from passes.models import Person
from people import recheck
from people import roster as people
from people.inputs import read_health_update
from tests.integration.pass_data import clerk_actor

# Tests between 47 h and 49 h of a test's age: judged at one stopped moment, not a racing clock.
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def roster(make_enterprise, make_pass):
    """Two enterprises' people: fresh, lapsed, not green, and one about to lapse."""
    first = make_enterprise(name="北海甲物流有限公司")
    second = make_enterprise(name="北海乙物流有限公司")
    made = {
        "fresh": make_pass(first),
        "lapsed": make_pass(first, holder_test_age_h=60),
        "yellow": make_pass(first, health_code="yellow"),
        "closing": make_pass(first, holder_test_age_h=47),
        "staff_lapsed": make_pass(second, kind="personnel", holder_test_age_h=50),
    }
    return {name: p.person_id for name, p in made.items()} | {"first": first, "second": second}


def off_list(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Person.id).where(Person.whitelisted.is_(False))))


def recheck_entries(app) -> list[dict]:
    with app.app_context():
        return [entry.details for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "people.recheck"))]


def test_recheck_drops_exactly_the_lapsed_and_not_green(app, runner, roster):
    result = runner.invoke(args=["people", "recheck"])
    assert result.exit_code == 0, result.output
    assert "3 dropped, 0 restored, 3 off the white list" in result.output
    assert "2  北海甲物流有限公司" in result.output and "1  北海乙物流有限公司" in result.output
    assert off_list(app) == {roster["lapsed"], roster["yellow"], roster["staff_lapsed"]}
    with app.app_context():
        assert db.session.get(Person, roster["lapsed"]).delisted_at is not None
    assert recheck_entries(app) == [{"dropped": 3, "restored": 0, "off_list": 3, "by_enterprise": {
        "北海甲物流有限公司": 2, "北海乙物流有限公司": 1}}]


def test_recheck_run_twice_drops_nobody_new(app, runner, roster):
    runner.invoke(args=["people", "recheck"])
    again = runner.invoke(args=["people", "recheck"])
    assert "0 dropped, 0 restored, 3 off the white list" in again.output
    assert len(off_list(app)) == 3
    assert [entry["dropped"] for entry in recheck_entries(app)] == [3, 0]


def test_recheck_drops_a_test_that_lapses_by_the_next_day(app, roster):
    with app.app_context():
        result = recheck.recheck("cron", now=utcnow() + timedelta(hours=2))
    assert result.dropped_total == 4
    assert roster["closing"] in off_list(app)


def test_a_fresh_result_puts_a_dropped_person_back(app, roster):
    with app.app_context():
        recheck.recheck("cron")
        sampled = (utcnow() - timedelta(hours=1)).isoformat()
        clerk = clerk_actor(roster["first"].id)
        people.update_person_health(
            people.get_person(roster["lapsed"], clerk),
            read_health_update({"health_code": "green",
                                "test": {"result": "negative", "sampled_at": sampled}}, utcnow()),
            clerk)
    assert roster["lapsed"] not in off_list(app)


def test_recheck_restores_a_person_cleared_again_by_other_means(app, roster):
    with app.app_context():
        recheck.recheck("cron")
        db.session.get(Person, roster["yellow"]).health_code = "green"
        db.session.commit()
        result = recheck.recheck("cron")
    assert result.restored == 1 and result.dropped_total == 0
    assert roster["yellow"] not in off_list(app)


def test_enterprise_sees_whom_to_retest_on_people_and_pass_pages(app, client, runner, roster,
                                                                  make_user, login):
    runner.invoke(args=["people", "recheck"])
    login(make_user("enterprise", enterprise=roster["first"].code))
    page = client.get("/people").text
    assert page.count('class="badge lapsed retest"') == 2
    assert "retest-banner" in page
    only = client.get("/people?retest=1").text
    assert only.count('<tr id="person-') == 2
    passes = client.get("/passes").text
    assert passes.count('class="badge lapsed retest"') == 2


def test_dashboard_shows_the_recheck_figures(app, client, runner, roster, make_user, login):
    runner.invoke(args=["people", "recheck"])
    login(make_user("admin"))
    panel = client.get("/admin/dashboard/panel").text
    assert '<b data-stat="people.off_list">3</b>' in panel
    assert "北海甲物流有限公司" in panel
    retest = client.get("/admin/dashboard/retest.csv").data.decode("utf-8-sig").splitlines()
    assert retest[1].startswith(f"{roster['first'].code},北海甲物流有限公司,2,2")


def test_people_api_tells_the_enterprise_whom_the_recheck_dropped(app, client, runner, roster,
                                                                  make_user, token_for):
    runner.invoke(args=["people", "recheck"])
    headers = token_for(make_user("enterprise", enterprise=roster["first"].code))
    items = client.get("/api/v1/people", headers=headers).json["items"]
    dropped = {item["id"] for item in items if not item["whitelisted"]}
    assert dropped == {roster["lapsed"], roster["yellow"]}
    assert all(item["delisted_at"] for item in items if item["id"] in dropped)
