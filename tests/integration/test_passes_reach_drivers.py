"""Passes reach drivers: the holder link with copy and share, the text message, its limits."""
import json
import logging
import threading
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app import create_app
from audit.models import AuditEntry
from core.db import db
from passes.sms_models import SmsMessage
from tests.integration.pass_data import CST


def clerk_of(make_user, enterprise_code):
    return make_user("enterprise", enterprise=enterprise_code)


def test_pass_page_offers_copy_and_share_of_the_holder_link(client, login, make_user,
                                                            make_pass):
    issued = make_pass()
    login(clerk_of(make_user, issued.enterprise_code))
    page = client.get(f"/passes/{issued.number}").text
    assert 'data-copy="holder-link"' in page and 'data-share="holder-link"' in page
    assert "复制链接" in page and "js/copy-share.js" in page
    english = client.get(f"/passes/{issued.number}?lang=en").text
    assert "Copy link" in english and "Send by SMS" in english and "复制" not in english


def test_sms_template_is_chinese_with_plate_validity_authority_and_holder_link(
        client, login, make_user, make_pass):
    issued = make_pass()
    login(clerk_of(make_user, issued.enterprise_code))
    page = client.get(f"/passes/{issued.number}?lang=en").text
    assert "北海市新冠肺炎疫情防控指挥部" in page and "桂E12345" in page
    assert "车辆通行证" in page and "北京时间" in page and "/h/" in page
    assert "138****0000" in page


def test_sending_an_sms_goes_to_the_phone_on_the_pass_logged_and_audited(
        app, client, login, make_user, make_pass, caplog):
    issued = make_pass()
    clerk = clerk_of(make_user, issued.enterprise_code)
    login(clerk)
    with caplog.at_level(logging.INFO, logger="passes.sms"):
        response = client.post(f"/passes/{issued.number}/sms",
                               data={"phone": "13999999999"})
    assert response.status_code == 302
    assert "13800000000" in caplog.text and "13999999999" not in caplog.text
    with app.app_context():
        message = db.session.scalar(select(SmsMessage))
        assert (message.phone, message.status, message.sender) == ("13800000000", "logged", "log")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pass.sms"))
        assert entry.actor == clerk.username and entry.subject == issued.number
        assert entry.details["phone"] == "138****0000"
    page = client.get(f"/passes/{issued.number}").text
    assert "已发送（演示：仅记录，未真正发出）" in page


def test_at_most_three_texts_a_day_per_pass(app, client, login, make_user, make_pass):
    issued = make_pass()
    login(clerk_of(make_user, issued.enterprise_code))
    for _ in range(3):
        client.post(f"/passes/{issued.number}/sms")
    page = client.post(f"/passes/{issued.number}/sms", follow_redirects=True).text
    assert "今天发送的短信太多" in page
    with app.app_context():
        assert len(db.session.scalars(select(SmsMessage)).all()) == 3


def test_the_daily_limit_starts_again_at_local_midnight(app, client, login, make_user,
                                                      make_pass, frozen_clock):
    issued = make_pass()
    login(clerk_of(make_user, issued.enterprise_code))
    tomorrow = (frozen_clock.now.astimezone(CST) + timedelta(days=1)).date()
    frozen_clock.now = datetime.combine(tomorrow, time(23, 50), CST)  # late in the evening
    for _ in range(3):
        client.post(f"/passes/{issued.number}/sms")
    frozen_clock.advance(minutes=5)
    assert "今天发送的短信太多" in client.post(f"/passes/{issued.number}/sms",
                                       follow_redirects=True).text
    frozen_clock.advance(minutes=20)  # ten past midnight, Beijing time: a new day
    assert "今天发送的短信太多" not in client.post(f"/passes/{issued.number}/sms",
                                           follow_redirects=True).text
    with app.app_context():
        assert len(db.session.scalars(select(SmsMessage)).all()) == 4


def test_an_enterprise_has_a_daily_text_limit_across_its_passes(app, client, login, make_user,
                                                                make_pass, make_enterprise):
    app.config["SMS_PER_ENTERPRISE_PER_DAY"] = 2
    firm = make_enterprise()
    numbers = [make_pass(firm, plate=f"桂E1234{n}").number for n in range(3)]
    login(clerk_of(make_user, firm.code))
    for number in numbers:
        client.post(f"/passes/{number}/sms")
    with app.app_context():
        assert len(db.session.scalars(select(SmsMessage)).all()) == 2


def test_a_revoked_pass_is_not_texted(app, client, login, make_user, make_pass):
    issued = make_pass(revoked=True)
    login(clerk_of(make_user, issued.enterprise_code))
    client.post(f"/passes/{issued.number}/sms")
    with app.app_context():
        assert db.session.scalar(select(SmsMessage)) is None


def test_another_enterprise_cannot_text_a_pass(app, client, login, make_user, make_pass,
                                               make_enterprise):
    issued = make_pass()
    login(clerk_of(make_user, make_enterprise().code))
    assert client.post(f"/passes/{issued.number}/sms").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(SmsMessage)) is None


def test_holder_page_and_printed_sheet_name_the_issuing_authority(app, client, make_pass):
    issued = make_pass()
    with app.app_context():
        from passes.models import Pass
        secret = db.session.scalar(select(Pass.holder_secret))
    assert "北海市新冠肺炎疫情防控指挥部" in client.get(f"/h/{secret}").text
    app.config["ISSUING_AUTHORITY"] = "钦州市指挥部"
    assert "钦州市指挥部" in client.get(f"/h/{secret}/print").text
    assert issued.number


@pytest.fixture
def gateway():
    """A local SMS gateway that records what it is sent and answers with `status`."""
    received, state = [], {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}/sms", received=received,
                          state=state)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_http_sender_posts_phone_and_text_to_the_gateway(app, client, login, make_user,
                                                             make_pass, gateway):
    app.config.update(SMS_SENDER="http", SMS_GATEWAY_URL=gateway.url)
    issued = make_pass()
    login(clerk_of(make_user, issued.enterprise_code))
    client.post(f"/passes/{issued.number}/sms")
    [sent] = gateway.received
    assert sent["phone"] == "13800000000" and "/h/" in sent["text"]
    gateway.state["status"] = 500
    client.post(f"/passes/{issued.number}/sms")
    with app.app_context():
        statuses = [m.status for m in db.session.scalars(
            select(SmsMessage).order_by(SmsMessage.id))]
    assert statuses == ["sent", "failed"]
    page = client.get(f"/passes/{issued.number}").text
    assert "未发出：短信网关拒绝" in page
    assert "短信网关拒绝了该短信" in client.post(f"/passes/{issued.number}/sms",
                                          follow_redirects=True).text


def test_the_http_sender_needs_a_gateway_address(app_config):
    with pytest.raises(ValueError, match="SMS_GATEWAY_URL"):
        create_app(app_config | {"SMS_SENDER": "http"})
