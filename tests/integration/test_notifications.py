"""Notifications and webhooks: the clerk is told, events are signed, kept and retried."""
import hashlib
import hmac
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import db, utcnow
from core.unit_of_work import unit_of_work
from notifications.models import Notification, WebhookDelivery
from notifications.webhooks import deliver_due, signature
from tests.conftest import count_rows
from tests.integration.pass_data import clerk_actor
from whitelist.inputs import NewColour
from whitelist.service import set_colour


class _Admin:
    username = "test-admin"
    role = "admin"
    enterprise_id = None


@pytest.fixture(autouse=True)
def reachable_receiver(webhook_settings):
    """Deliveries here may reach the local receiver (test-only settings)."""


@pytest.fixture
def clerk(make_user, make_enterprise, login):
    firm = make_enterprise()
    user = make_user("enterprise", enterprise=firm.code)
    return firm, user


def set_webhook(client, url):
    return client.post("/notifications/webhook", data={"url": url})


def secret_of(app, enterprise_id):
    from notifications.models import WebhookEndpoint
    from notifications.service import secret_of
    with app.app_context():
        return secret_of(db.session.get(WebhookEndpoint, enterprise_id))


def recolour(app, code, colour="yellow", reason="密接"):
    with app.app_context():
        set_colour(code, NewColour(colour, reason), _Admin())


def deliveries(app):
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_colour_change_is_shown_to_the_clerk_until_marked_read(app, client, clerk, login):
    firm, user = clerk
    recolour(app, firm.code)
    login(user)
    home = client.get("/passes")
    assert "notice-banner" in home.text
    page = client.get("/notifications")
    assert page.status_code == 200
    assert 'class="notice unread" data-kind="enterprise.colour_changed"' in page.text
    assert "密接" in page.text
    assert client.post("/notifications/read").status_code == 302
    assert "notice-banner" not in client.get("/passes").text
    assert "notice unread" not in client.get("/notifications").text


def test_revoked_pass_notifies_its_enterprise_only(app, client, make_pass, make_user,
                                                   make_enterprise, login):
    from passes.service import revoke_pass
    mine, theirs = make_enterprise(), make_enterprise()
    issued = make_pass(theirs)
    with app.app_context():
        revoke_pass(issued.number, "车辆故障", clerk_actor(theirs.id))
    login(make_user("enterprise", enterprise=mine.code))
    page = client.get("/notifications")
    assert issued.number not in page.text and "pass.revoked" not in page.text
    with app.app_context():
        (note,) = db.session.scalars(
            select(Notification).where(Notification.kind == "pass.revoked")).all()
        assert note.enterprise_id == theirs.id and note.params["number"] == issued.number


def test_webhook_url_must_be_https(client, clerk, login):
    login(clerk[1])
    response = set_webhook(client, "http://erp.example.com/hook")
    assert response.status_code == 422
    assert "https://" in response.text
    assert set_webhook(client, "https://erp.example.com/hook").status_code == 302


def test_event_is_signed_with_the_enterprise_secret(app, client, clerk, login, receiver):
    firm, user = clerk
    hook = receiver()
    login(user)
    set_webhook(client, hook.url)
    recolour(app, firm.code, "red", "发现病例")
    with app.app_context():
        assert deliver_due() == {"delivered": 1, "retry": 0, "failed": 0}
    ((headers, body),) = hook.requests
    expected = hmac.new(secret_of(app, firm.id).encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == f"sha256={expected}"
    event = json.loads(body)
    assert headers["X-Event-Id"] == event["id"]
    assert event["type"] == "enterprise.colour_changed"
    assert event["data"] == {"enterprise": firm.code, "from": "green", "to": "red",
                             "reason": "发现病例"}
    (delivery,) = deliveries(app)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)


def test_outbox_row_rolls_back_with_the_change(app, client, clerk, login):
    from whitelist.models import ColourChange
    from whitelist.service import _change_colour, get_enterprise
    firm, user = clerk
    login(user)
    set_webhook(client, "https://erp.example.com/hook")
    before = count_rows(app, Notification), count_rows(app, ColourChange)
    with app.app_context(), pytest.raises(RuntimeError), unit_of_work():
        _change_colour(get_enterprise(firm.code, _Admin()), "yellow", "将被撤销", _Admin())
        db.session.flush()
        assert db.session.scalar(select(db.func.count()).select_from(WebhookDelivery)) == 1
        raise RuntimeError("the change fails before its commit: the event goes with it")
    assert count_rows(app, WebhookDelivery) == 0
    assert (count_rows(app, Notification), count_rows(app, ColourChange)) == before
    recolour(app, firm.code)
    assert count_rows(app, WebhookDelivery) == 1


def test_failed_delivery_is_retried_with_back_off_until_it_succeeds(app, client, clerk, login,
                                                                   receiver):
    firm, user = clerk
    hook = receiver(500, 503)
    login(user)
    set_webhook(client, hook.url)
    recolour(app, firm.code)
    base = app.config["WEBHOOK_BACKOFF_SECONDS"]
    now = utcnow()
    with app.app_context():
        assert deliver_due(now)["retry"] == 1
        assert deliver_due(now + timedelta(seconds=base - 1)) == {
            "delivered": 0, "retry": 0, "failed": 0}  # not due yet
        assert deliver_due(now + timedelta(seconds=base))["retry"] == 1
    (delivery,) = deliveries(app)
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (2, 503, "HTTP 503")
    # The second failure doubles the wait.
    assert delivery.next_attempt_at == now + timedelta(seconds=base + 2 * base)
    with app.app_context():
        assert deliver_due(now + timedelta(seconds=3 * base))["delivered"] == 1
    assert len(hook.requests) == 3
    assert len({headers["X-Signature"] for headers, _ in hook.requests}) == 1
    assert deliveries(app)[0].state == "delivered"


def test_timeout_counts_as_a_failed_attempt(app, client, clerk, login, receiver):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.3
    firm, user = clerk
    hook = receiver(hold_first=True)
    login(user)
    set_webhook(client, hook.url)
    recolour(app, firm.code)
    with app.app_context():
        assert deliver_due()["retry"] == 1
    (delivery,) = deliveries(app)
    assert (delivery.state, delivery.attempts, delivery.last_error) == (
        "pending", 1, "timed out")


def test_delivery_gives_up_after_the_last_attempt(app, client, clerk, login, receiver):
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    firm, user = clerk
    hook = receiver(500, 500, 500)
    login(user)
    set_webhook(client, hook.url)
    recolour(app, firm.code)
    later = utcnow() + timedelta(days=1)
    with app.app_context():
        deliver_due()
        assert deliver_due(later)["failed"] == 1
        assert deliver_due(later + timedelta(days=1))["failed"] == 0
    assert deliveries(app)[0].state == "failed"


def test_deliver_command_sends_due_events(app, client, clerk, login, receiver, runner):
    firm, user = clerk
    hook = receiver()
    login(user)
    set_webhook(client, hook.url)
    recolour(app, firm.code)
    result = runner.invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output and len(hook.requests) == 1


def test_delivery_log_for_admin_and_isolation_between_clerks(app, client, make_user,
                                                            make_enterprise, login):
    a, b = make_enterprise(), make_enterprise()
    clerk_a = make_user("enterprise", enterprise=a.code)
    clerk_b = make_user("enterprise", enterprise=b.code)
    login(clerk_b)
    set_webhook(client, "https://b.example.com/hook")
    recolour(app, b.code, reason="乙企业的原因")
    client.post("/logout")
    login(clerk_a)
    page = client.get("/notifications")
    assert "乙企业的原因" not in page.text and "b.example.com" not in page.text
    assert page.text.count("data-kind=") == 1  # only A's own approval
    client.post("/logout")
    login(make_user("admin"))
    log = client.get("/admin/webhooks")
    assert log.status_code == 200 and "b.example.com" in log.text
    assert "enterprise.colour_changed" in log.text


def test_signature_helper_matches_hmac_sha256():
    assert signature("k", b"{}") == "sha256=" + hmac.new(b"k", b"{}", hashlib.sha256).hexdigest()


@pytest.mark.commits  # the first sender is another thread
def test_two_senders_at_once_post_an_event_once(app, client, clerk, login, receiver):
    """Cron and `webhooks send --loop` overlapping: the second finds the event claimed."""
    firm, user = clerk
    hook = receiver(hold_first=True)
    login(user)
    set_webhook(client, hook.url)
    recolour(app, firm.code)
    outcomes = []

    def first_sender():
        with app.app_context():
            outcomes.append(deliver_due())

    sender = threading.Thread(target=first_sender)
    sender.start()
    hook.wait_for_requests(1)
    with app.app_context():
        assert deliver_due() == {"delivered": 0, "retry": 0, "failed": 0}
    hook.answer_first()
    sender.join(timeout=30)
    assert outcomes == [{"delivered": 1, "retry": 0, "failed": 0}]
    assert len(hook.requests) == 1
