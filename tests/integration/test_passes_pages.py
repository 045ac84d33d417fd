"""Pass pages: the application form, list, detail, revoke, renew, people, admin list."""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from core.db import db
from passes.models import Pass, Person
from tests.integration.pass_data import CST, make_clerk, resident_id, vehicle


def local(moment: datetime) -> str:
    return moment.astimezone(CST).strftime("%Y-%m-%dT%H:%M")


def form(**overrides) -> dict:
    start = datetime.now(CST).replace(second=0, microsecond=0) + timedelta(hours=2)
    data = {"kind": "vehicle", "plate": "桂E12345", "cargo": "daily",
            "person.name": "张三明", "person.id_number": resident_id(),
            "person.phone": "13800000000", "person.health_code": "green",
            "person.test.result": "negative",
            "person.test.sampled_at": local(start - timedelta(hours=8)),
            "origin": "450502", "destination": "450521", "valid_from": local(start),
            "valid_until": local(start + timedelta(days=3))}
    return data | overrides


def test_application_form_issues_a_pass_in_beijing_time(app, client, login, clerk):
    login(clerk.user)
    assert client.get("/passes/new").status_code == 200
    data = form()
    response = client.post("/passes/new", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/passes/450500000001")
    with app.app_context():
        pass_ = db.session.scalar(select(Pass))
        assert pass_.valid_from == datetime.fromisoformat(data["valid_from"]).replace(tzinfo=CST)
    page = client.get("/passes/450500000001").text
    assert "桂E12345" in page and "/h/" in page


def test_personnel_form_ignores_the_hidden_vehicle_fields(app, client, login, clerk):
    login(clerk.user)
    response = client.post("/passes/new", data=form(kind="personnel"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Pass.plate)) is None


def test_form_errors_show_beside_their_fields_and_keep_what_was_typed(app, client, login, clerk):
    login(clerk.user)
    response = client.post("/passes/new?lang=en",
                           data=form(plate="桂E1234挂", **{"person.health_code": "yellow"}))
    assert response.status_code == 422
    page = response.text
    assert 'id="e-plate"' in page and "tractor" in page
    assert 'id="e-person-health_code"' in page
    assert 'value="桂E1234挂"' in page and 'value="张三明"' in page
    assert db_count(app) == 0


def test_a_driver_positive_on_record_is_refused_under_the_test_on_the_form(
        app, client, login, clerk, make_user, token_for):
    sampled = (datetime.now(CST) - timedelta(hours=1)).isoformat()
    recorded = client.post("/api/v1/health-results", json={"results": [
        {"id_number": resident_id(), "name": "张三明",
         "test": {"result": "positive", "sampled_at": sampled}}]},
        headers=token_for(make_user("admin")))
    assert recorded.status_code == 200, recorded.text
    login(clerk.user)
    response = client.post("/passes/new?lang=en", data=form())
    assert response.status_code == 422
    assert 'id="e-person-test-result"' in response.text
    assert "latest recorded test is positive" in response.text
    assert db_count(app) == 0


def crew_member(index: int, serial: int, name: str) -> dict:
    sampled = datetime.now(CST).replace(second=0, microsecond=0) - timedelta(hours=6)
    prefix = f"crew.{index}."
    return {prefix + "name": name, prefix + "id_number": resident_id(serial),
            prefix + "phone": "13900000000", prefix + "health_code": "green",
            prefix + "test.result": "negative", prefix + "test.sampled_at": local(sampled)}


def test_form_issues_a_pass_with_its_crew_and_the_pass_page_lists_them(app, client, login,
                                                                       clerk):
    login(clerk.user)
    untouched = {"crew.1.health_code": "green", "crew.1.test.result": "negative"}
    response = client.post("/passes/new", data=form(**crew_member(0, 201, "李四海"), **untouched))
    assert response.status_code == 302, response.text
    with app.app_context():
        pass_ = db.session.scalar(select(Pass))
        assert [seat.person.name for seat in pass_.crew] == ["李四海"]
    page = client.get(response.headers["Location"]).text
    assert "随车人员" in page and "李四海" in page and resident_id(201)[-4:] in page


def test_form_names_a_refused_crew_member_in_chinese_and_keeps_what_was_typed(app, client,
                                                                              login, clerk):
    login(clerk.user)
    bad = crew_member(1, 202, "欧阳小红") | {"crew.1.id_number": "450502198503120000"}
    response = client.post("/passes/new", data=form(**crew_member(0, 201, "李四海"), **bad))
    assert response.status_code == 422
    page = response.text
    assert 'id="e-crew-1-id_number"' in page and "身份证" in page
    assert 'value="李四海"' in page and 'value="欧阳小红"' in page
    assert '<details class="vehicle-only crew" id="crew" open>' in page
    assert db_count(app) == 0


def db_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Pass)).all())


def test_form_tells_a_red_enterprise_before_it_types(client, login, make_user, make_enterprise,
                                                     token_for):
    clerk = make_clerk(make_user, make_enterprise, token_for, colour="red")
    login(clerk.user)
    page = client.get("/passes/new?lang=en").text
    assert "red" in page and "disabled" in page


def test_list_filters_and_flags_lapsed_tests(app, client, login, clerk):
    client.post("/api/v1/passes", json=vehicle(), headers=clerk.headers)
    with app.app_context():
        db.session.execute(update(Person).values(
            test_sampled_at=datetime.now(CST) - timedelta(days=3)))
        db.session.commit()
    login(clerk.user)
    page = client.get("/passes?lang=en").text
    assert "450500000001" in page and "Test lapsed" in page
    assert "450500000001" not in client.get("/passes?status=revoked").text


def test_a_page_past_the_last_says_so_and_links_back(client, login, clerk):
    client.post("/api/v1/passes", json=vehicle(), headers=clerk.headers)
    login(clerk.user)
    page = client.get("/passes?page=999&kind=vehicle").text
    assert "没有第 999 页：最后一页是第 1 页。" in page and "You have no passes" not in page
    assert 'href="/passes?kind=vehicle&amp;page=1"' in page or \
        'href="/passes?page=1&amp;kind=vehicle"' in page


def test_detail_page_revokes_with_a_reason(client, login, clerk):
    number = client.post("/api/v1/passes", json=vehicle(), headers=clerk.headers).json["number"]
    login(clerk.user)
    refused = client.post(f"/passes/{number}/revoke", data={"reason": ""})
    assert refused.status_code == 422 and 'id="e-revoke-reason"' in refused.text
    done = client.post(f"/passes/{number}/revoke", data={"reason": "司机更换"})
    assert done.status_code == 302
    assert "司机更换" in client.get(f"/passes/{number}").text


def test_detail_page_renews_with_a_new_test(client, login, clerk):
    number = client.post("/api/v1/passes", json=vehicle(), headers=clerk.headers).json["number"]
    login(clerk.user)
    sampled = local(datetime.now(CST) - timedelta(hours=1))
    response = client.post(f"/passes/{number}/renew", data={
        "renew.health_code": "green", "renew.test.result": "negative",
        "renew.test.sampled_at": sampled})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/passes/450500000002")
    old = client.get(f"/passes/{number}").text  # names and links the pass that replaced it
    assert '<a href="/passes/450500000002">№ 450500000002</a>' in old
    refused = client.post("/passes/450500000002/renew", data={
        "renew.health_code": "green", "renew.test.result": "negative",
        "renew.test.sampled_at": ""})
    assert refused.status_code == 422 and 'id="e-renew-test-sampled_at"' in refused.text


def test_detail_page_qr_downloads_for_its_enterprise_only(client, login, clerk, make_user,
                                                          make_enterprise, token_for):
    number = client.post("/api/v1/passes", json=vehicle(), headers=clerk.headers).json["number"]
    other = make_clerk(make_user, make_enterprise, token_for)
    login(other.user)
    assert client.get(f"/passes/{number}").status_code == 404
    assert client.get(f"/passes/{number}/qr.png").status_code == 404
    login(clerk.user)
    response = client.get(f"/passes/{number}/qr.png")
    assert response.mimetype == "image/png" and "attachment" in response.headers[
        "Content-Disposition"]


def test_people_page_updates_a_drivers_health(app, client, login, clerk):
    client.post("/api/v1/passes", json=vehicle(), headers=clerk.headers)
    login(clerk.user)
    with app.app_context():
        person_id = db.session.scalar(select(Person.id))
    assert "张三明" in client.get("/people").text
    refused = client.post(f"/people/{person_id}/health",
                          data={"health_code": "green", "test.result": "negative",
                                "test.sampled_at": ""})
    assert refused.status_code == 422 and f'id="e-p{person_id}-test-sampled_at"' in refused.text
    sampled = local(datetime.now(CST) - timedelta(minutes=30))
    done = client.post(f"/people/{person_id}/health",
                       data={"health_code": "yellow", "test.result": "negative",
                             "test.sampled_at": sampled})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Person, person_id).health_code == "yellow"


def test_admin_lists_every_enterprises_passes(client, login, clerk, make_user):
    client.post("/api/v1/passes", json=vehicle(), headers=clerk.headers)
    login(make_user("admin"))
    page = client.get(f"/admin/passes?enterprise={clerk.enterprise.code}").text
    assert "450500000001" in page
    assert "450500000001" not in client.get("/admin/passes?enterprise=nobody").text
