"""Issue 14 #19: opening /notifications changes nothing; marking read is a POST with CSRF,
per notification or for all, and only for the clerk's own enterprise."""
import re

import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from core.db import db
from notifications.models import Notification
from whitelist.inputs import NewColour
from whitelist.service import set_colour


class Admin:
    username, role, enterprise_id = "fixture", "admin", None


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@pytest.fixture
def clerk(app, client, make_user, make_enterprise):
    firm = make_enterprise()
    user = make_user("enterprise", enterprise=firm.code)
    with app.app_context():
        for colour in ("yellow", "green"):
            set_colour(firm.code, NewColour(colour, "测试"), Admin())
    token = csrf(client.get("/login").text)
    response = client.post("/login", data={"username": user.username,
                                           "password": "secret-pass-1", "csrf_token": token})
    assert response.status_code == 302
    return firm


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def unread(app, enterprise_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Notification.id).where(
            Notification.enterprise_id == enterprise_id, Notification.read_at.is_(None))
            .order_by(Notification.id)))


def test_opening_the_notifications_page_marks_nothing_read(app, client, clerk):
    before = unread(app, clerk.id)
    assert len(before) >= 2
    for _ in range(2):
        assert client.get("/notifications").status_code == 200
    assert unread(app, clerk.id) == before


def test_one_notification_is_marked_read_by_a_post_with_csrf(app, client, clerk):
    first, *rest = unread(app, clerk.id)
    page = client.get("/notifications").text
    assert f'action="/notifications/{first}/read"' in page
    assert client.post(f"/notifications/{first}/read").status_code == 400  # no CSRF token
    assert unread(app, clerk.id) == [first, *rest]
    response = client.post(f"/notifications/{first}/read", data={"csrf_token": csrf(page)})
    assert response.status_code == 302
    assert unread(app, clerk.id) == rest
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "notifications.read"))
        assert entry is not None and entry.subject == clerk.code


def test_all_notifications_are_marked_read_by_one_post(app, client, clerk):
    page = client.get("/notifications").text
    assert 'action="/notifications/read"' in page
    assert client.post("/notifications/read").status_code == 400
    assert unread(app, clerk.id)
    client.post("/notifications/read", data={"csrf_token": csrf(page)})
    assert unread(app, clerk.id) == []
    assert 'action="/notifications/read"' not in client.get("/notifications").text


def test_another_enterprises_notification_cannot_be_marked(app, client, clerk, make_enterprise):
    other = make_enterprise()
    with app.app_context():
        set_colour(other.code, NewColour("yellow", "测试"), Admin())
    theirs = unread(app, other.id)
    token = csrf(client.get("/notifications").text)
    response = client.post(f"/notifications/{theirs[0]}/read", data={"csrf_token": token})
    assert response.status_code == 404
    assert unread(app, other.id) == theirs
