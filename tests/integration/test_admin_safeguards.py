"""The authority edits a checkpoint and changes an officer's checkpoints; both are audited."""
from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEntry
from checkpoints.models import Checkpoint
from core.db import db


def audit_entries(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def edit_form(**overrides):
    return {"name": "海城区高速出口", "kind": "park_gate", "area": "450503",
            "active": "1"} | overrides


def test_admin_edits_a_checkpoint_but_never_its_code(app, client, login, make_user, checkpoints):
    login(make_user("admin", username="chief"))
    assert client.get("/admin/checkpoints/CP-HAICHENG/edit").status_code == 200
    response = client.post("/admin/checkpoints/CP-HAICHENG/edit",
                           data=edit_form(code="HACKED"))
    assert response.status_code == 302
    with app.app_context():
        checkpoint = db.session.scalar(select(Checkpoint).where(Checkpoint.code == "CP-HAICHENG"))
        assert (checkpoint.name, checkpoint.kind, checkpoint.area) == (
            "海城区高速出口", "park_gate", "450503")
        assert db.session.scalar(select(Checkpoint).where(Checkpoint.code == "HACKED")) is None
    [entry] = audit_entries(app, "checkpoint.update")
    assert entry.actor == "chief" and entry.subject == "CP-HAICHENG"
    assert entry.details == {"name": "海城区高速出口", "kind": "park_gate", "area": "450503"}


def test_a_bad_checkpoint_edit_is_422_naming_the_field_and_changes_nothing(app, client, login,
                                                                          make_user, checkpoints):
    login(make_user("admin"))
    response = client.post("/admin/checkpoints/CP-HAICHENG/edit",
                           data=edit_form(name="", area="999999"))
    assert response.status_code == 422
    assert 'id="e-name"' in response.text and "f-area" in response.text
    assert audit_entries(app, "checkpoint.update") == []


def test_a_closed_checkpoint_refuses_its_officers_scans(app, client, login, make_user,
                                                       officer, officer_headers, make_pass):
    login(make_user("admin"))
    client.post("/admin/checkpoints/CP-HAICHENG/edit",
                data=edit_form(name="CP", kind="highway_exit", area="450502", active="0"))
    issued = make_pass()
    response = client.post("/api/v1/verify", headers=officer_headers,
                           json={"qr": issued.qr_text, "checkpoint": "CP-HAICHENG"})
    assert response.status_code == 422 and "checkpoint" in response.json["error"]["fields"]


def test_admin_reassigns_an_officer_and_the_next_scan_follows(app, client, login, make_user,
                                                              officer, officer_headers,
                                                              make_pass):
    login(make_user("admin", username="chief"))
    users_page = client.get("/admin/users").text
    assert f"/admin/officers/{officer.username}/checkpoints" in users_page
    assert client.get(f"/admin/officers/{officer.username}/checkpoints").status_code == 200
    response = client.post(f"/admin/officers/{officer.username}/checkpoints",
                           data={"checkpoints": ["CP-HEPU", "CP-YINHAI"]})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == officer.username))
        assert sorted(c.code for c in user.checkpoints) == ["CP-HEPU", "CP-YINHAI"]
    [entry] = audit_entries(app, "officer.checkpoints")
    assert entry.details == {"checkpoints": ["CP-HEPU", "CP-YINHAI"], "added": ["CP-YINHAI"],
                             "removed": ["CP-HAICHENG"]}
    issued = make_pass()
    verify = lambda code: client.post(  # noqa: E731
        "/api/v1/verify", headers=officer_headers, json={"qr": issued.qr_text, "checkpoint": code})
    assert verify("CP-HAICHENG").status_code == 403
    assert verify("CP-YINHAI").status_code == 200


def test_reassigning_to_an_unknown_checkpoint_is_422_and_changes_nothing(app, client, login,
                                                                        make_user, officer):
    login(make_user("admin"))
    response = client.post(f"/admin/officers/{officer.username}/checkpoints",
                           data={"checkpoints": ["CP-HEPU", "NOPE"]})
    assert response.status_code == 422 and "NOPE" in response.text
    assert audit_entries(app, "officer.checkpoints") == []


def test_only_officers_have_checkpoints_to_reassign(client, login, make_user, checkpoints):
    login(make_user("admin"))
    clerk_admin = make_user("admin")
    assert client.get(f"/admin/officers/{clerk_admin.username}/checkpoints").status_code == 404


def test_only_admins_reach_the_checkpoint_and_officer_pages(client, login, make_user, officer):
    login(officer)
    assert client.get("/admin/checkpoints/CP-HEPU/edit").status_code in (302, 403)
    assert client.post(f"/admin/officers/{officer.username}/checkpoints",
                       data={"checkpoints": ["CP-YINHAI"]}).status_code in (302, 403)
