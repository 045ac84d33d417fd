"""Issue 14 #13: uploaded offline scans cannot plant verdicts or times of their own.

The server judges each uploaded scan again as of its scanned_at with the same rules; the
handheld's verdict is kept but the server's is the one counted, and a disagreement is
flagged. A scanned_at outside an offline bundle's lifetime is refused by name.
"""
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from checkpoints.models import Scan
from core.db import db, utcnow
from passes.models import Pass
from passtokens.models import SigningKey
from whitelist.models import ColourChange, Enterprise

URL = "/api/v1/scans"
ADMIN = type("Admin", (), {"username": "fixture", "role": "admin", "enterprise_id": None})()


def scan(qr_text: str, at, verdict="pass", reasons=(), checkpoint="CP-HEPU") -> dict:
    return {"id": str(uuid.uuid4()), "qr": qr_text, "checkpoint": checkpoint,
            "verdict": verdict, "reasons": list(reasons), "scanned_at": at.isoformat()}


def stored(app) -> list[Scan]:
    with app.app_context():
        rows = db.session.scalars(select(Scan).order_by(Scan.scanned_at)).all()
        db.session.expunge_all()
        return rows


def backdate(app, issued, hours: float) -> None:
    """The pass, its key and its enterprise's colour as if issued `hours` ago."""
    then = utcnow() - timedelta(hours=hours)
    with app.app_context():
        db.session.execute(update(Pass).where(Pass.number == issued.number)
                           .values(created_at=then))
        db.session.execute(update(SigningKey).values(created_at=then))
        enterprise_id = select(Enterprise.id).where(Enterprise.code == issued.enterprise_code)
        db.session.execute(update(ColourChange).where(
            ColourChange.enterprise_id == enterprise_id.scalar_subquery()).values(at=then))
        db.session.commit()


def test_a_pass_verdict_for_a_revoked_pass_is_stored_as_the_servers_deny(
        app, client, officer_headers, make_pass, make_user, token_for):
    issued = make_pass(revoked=True)
    response = client.post(URL, json={"scans": [scan(issued.qr_text, utcnow())]},
                           headers=officer_headers)
    assert response.status_code == 200
    (row,) = stored(app)
    assert (row.verdict, row.reasons) == ("deny", ["revoked"])
    assert (row.client_verdict, row.client_reasons, row.disputed) == ("pass", [], True)
    stats = client.get("/api/v1/stats", headers=token_for(make_user("admin"))).json
    assert stats["scans"] == {"pass": 0, "check": 0, "deny": 1}


def test_a_scan_dated_1970_is_refused_by_name_and_nothing_is_stored(
        app, client, officer_headers, make_pass):
    issued = make_pass(revoked=True)
    old = scan(issued.qr_text, utcnow().replace(year=1970))
    response = client.post(URL, json={"scans": [scan(issued.qr_text, utcnow()), old]},
                           headers=officer_headers)
    assert response.status_code == 422
    assert "scans.1.scanned_at" in response.json["error"]["fields"]
    assert stored(app) == []


def test_a_scan_older_than_a_bundles_lifetime_is_refused(app, client, officer_headers,
                                                         make_pass):
    issued = make_pass()
    hours = app.config["OFFLINE_BUNDLE_LIFETIME_HOURS"]
    too_old = scan(issued.qr_text, utcnow() - timedelta(hours=hours, minutes=5))
    response = client.post(URL, json={"scans": [too_old]}, headers=officer_headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["scans.0.scanned_at"]


def test_a_scan_made_before_the_revocation_is_judged_as_it_was_then(
        app, client, officer_headers, make_pass):
    issued = make_pass()
    backdate(app, issued, hours=3)
    with app.app_context():
        pass_ = db.session.scalar(select(Pass).where(Pass.number == issued.number))
        pass_.revoked_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    before = scan(issued.qr_text, utcnow() - timedelta(hours=2))
    after = scan(issued.qr_text, utcnow() - timedelta(minutes=30), checkpoint="CP-HEPU")
    client.post(URL, json={"scans": [before, after]}, headers=officer_headers)
    earlier, later = stored(app)
    assert (earlier.verdict, earlier.disputed) == ("pass", False)
    assert (later.verdict, later.reasons, later.disputed) == ("deny", ["revoked"], True)


def test_a_scan_made_before_the_enterprise_turned_red_keeps_its_colour_then(
        app, client, officer_headers, make_pass):
    from whitelist.inputs import NewColour
    from whitelist.service import set_colour

    issued = make_pass()
    backdate(app, issued, hours=3)
    with app.app_context():
        set_colour(issued.enterprise_code, NewColour("red", "case found"), ADMIN)
    client.post(URL, json={"scans": [scan(issued.qr_text, utcnow() - timedelta(hours=1)),
                                     scan(issued.qr_text, utcnow())]},
                headers=officer_headers)
    then, now = stored(app)
    assert then.verdict == "pass"
    assert (now.verdict, now.reasons) == ("deny", ["enterprise_red"])


def test_an_uploaded_scan_is_a_possible_copy_of_a_scan_elsewhere_minutes_before(
        app, client, officer_headers, make_pass):
    issued = make_pass()
    online = client.post("/api/v1/verify", json={"qr": issued.qr_text,
                                                 "checkpoint": "CP-HAICHENG"},
                         headers=officer_headers)
    assert online.json["verdict"] == "pass"
    client.post(URL, json={"scans": [scan(issued.qr_text, utcnow())]}, headers=officer_headers)
    offline = [row for row in stored(app) if row.offline]
    assert (offline[0].verdict, offline[0].reasons) == ("check", ["possible_copy"])
    assert offline[0].disputed
