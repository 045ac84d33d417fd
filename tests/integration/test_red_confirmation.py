"""Setting an enterprise red on its page first shows what it stops, then asks again."""
from sqlalchemy import select

from audit.models import AuditEntry
from core.db import db
from whitelist.models import Enterprise


def colour_of(app, code: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Enterprise.colour).filter_by(code=code))


def red_changes(app) -> int:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).filter_by(action="enterprise.colour"))
        return sum(entry.details["to"] == "red" for entry in entries)


def test_setting_red_shows_the_live_passes_it_stops_and_changes_nothing_yet(
        app, client, login, make_user, make_enterprise, make_pass):
    enterprise = make_enterprise()
    for _ in range(2):
        make_pass(enterprise)
    make_pass(enterprise, revoked=True)
    make_pass(enterprise, valid_from_h=-48, valid_until_h=-1)
    make_pass(enterprise, valid_from_h=24)  # starts tomorrow: refused too, and said so
    make_pass()  # another enterprise's
    login(make_user("admin"))
    response = client.post(f"/admin/enterprises/{enterprise.code}/colour",
                           data={"colour": "red", "reason": "厂区发现阳性病例"})
    assert response.status_code == 200
    page = response.text
    assert "所有卡口将立即不予认可其 2 张有效通行证" in page
    assert "以及 1 张尚未生效的通行证" in page
    assert "涉及 3 名驾驶员及保供人员" in page
    assert 'name="confirmed" value="1"' in page and "厂区发现阳性病例" in page
    assert colour_of(app, enterprise.code) == "green"
    assert red_changes(app) == 0


def test_confirmed_red_takes_effect(app, client, login, make_user, make_enterprise):
    enterprise = make_enterprise()
    login(make_user("admin"))
    response = client.post(f"/admin/enterprises/{enterprise.code}/colour",
                           data={"colour": "red", "reason": "厂区发现阳性病例", "confirmed": "1"})
    assert response.status_code == 302
    assert colour_of(app, enterprise.code) == "red"
    assert red_changes(app) == 1


def test_red_without_a_reason_names_the_field_before_asking(app, client, login, make_user,
                                                           make_enterprise):
    enterprise = make_enterprise()
    login(make_user("admin"))
    response = client.post(f"/admin/enterprises/{enterprise.code}/colour",
                           data={"colour": "red", "reason": ""})
    assert response.status_code == 422
    assert 'name="confirmed"' not in response.text
    assert colour_of(app, enterprise.code) == "green"


def test_yellow_needs_no_confirmation(app, client, login, make_user, make_enterprise):
    enterprise = make_enterprise()
    login(make_user("admin"))
    response = client.post(f"/admin/enterprises/{enterprise.code}/colour",
                           data={"colour": "yellow", "reason": "员工密接"})
    assert response.status_code == 302
    assert colour_of(app, enterprise.code) == "yellow"
