"""The authority's dashboard and GET /api/v1/stats, against a city with known figures."""
import csv
import io
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from checkpoints.inputs import NewCheckpoint
from checkpoints.models import Checkpoint, Scan
from checkpoints.service import create_checkpoint
from core.db import db, utcnow
from dashboard import service
from dashboard.charts import donut, nice_ceiling, stacked_columns
from passes.models import Pass
from people.roster import whitelisted_drivers
from tests.conftest import PASSWORD

# The figures are judged at one stopped moment: a test 47 h old must not lapse mid-test.
pytestmark = pytest.mark.usefixtures("frozen_clock")

ADMIN_ONLY = ["/admin/dashboard", "/admin/dashboard/panel", "/admin/dashboard/checkpoints.csv"]


class _Admin:
    username, role, enterprise_id = "fixture", "admin", None


@pytest.fixture
def city(app, make_enterprise, make_pass, checkpoints, officer, officer_headers, client):
    """Enterprises in every state, passes in every status, scans online, offline and old."""
    green = make_enterprise()
    make_enterprise(colour="yellow")
    make_enterprise(colour="red")
    make_enterprise(state="pending")
    make_enterprise(state="suspended")  # green, but off the white list: not a colour count
    make_enterprise(state="rejected")
    passes = {
        "valid": make_pass(green),
        "expired": make_pass(green, valid_from_h=-200, valid_until_h=-1),  # driver still fresh
        "revoked": make_pass(green, plate="桂E54321", holder_test_age_h=60, revoked=True),
        "future": make_pass(green, valid_from_h=24, health_code="yellow"),
        "personnel": make_pass(green, kind="personnel"),
        "old_test": make_pass(green, holder_test_age_h=47),
    }
    for qr in (passes["valid"].qr_text, passes["revoked"].qr_text, "not a pass"):
        response = client.post("/api/v1/verify", json={"qr": qr, "checkpoint": "CP-HAICHENG"},
                               headers=officer_headers)
        assert response.status_code == 200, response.text
    offline = {"id": str(uuid.uuid4()), "qr": passes["valid"].qr_text, "checkpoint": "CP-HEPU",
               "verdict": "check", "reasons": ["enterprise_yellow"],
               "scanned_at": utcnow().isoformat()}  # the server judges it: possible_copy
    response = client.post("/api/v1/scans", json={"scans": [offline]}, headers=officer_headers)
    assert response.json == {"accepted": 1, "duplicates": 0}
    with app.app_context():
        yinhai = db.session.scalar(select(Checkpoint).where(Checkpoint.code == "CP-YINHAI"))
        db.session.add(Scan(checkpoint_id=yinhai.id, officer_id=officer.id, verdict="deny",
                            reasons=["expired"], scanned_at=utcnow() - timedelta(hours=3)))
        db.session.add(Scan(checkpoint_id=yinhai.id, officer_id=officer.id, verdict="pass",
                            reasons=[], scanned_at=utcnow() - timedelta(days=3)))
        db.session.commit()
        create_checkpoint(NewCheckpoint(code="CP-NEW", name="新建卡口", kind="park_gate",
                                        area="450512"), _Admin())
    return passes


EXPECTED_STATS = {
    "passes": {"vehicle": 5, "personnel": 1, "valid": 3, "revoked": 1},
    "enterprises": {"green": 1, "yellow": 1, "red": 1, "pending": 1},
    "drivers_whitelisted": 3,
    "scans": {"pass": 2, "check": 1, "deny": 3},
}


def test_stats_counts_passes_enterprises_drivers_and_scans_as_of_now(client, city, make_user,
                                                                      token_for):
    response = client.get("/api/v1/stats", headers=token_for(make_user("admin")))
    assert response.status_code == 200
    assert response.json == EXPECTED_STATS


@pytest.mark.parametrize("role", ["enterprise", "officer"])
def test_stats_are_refused_to_other_roles(client, make_user, make_enterprise, token_for, role):
    extra = {"enterprise": make_enterprise().code} if role == "enterprise" else {}
    response = client.get("/api/v1/stats", headers=token_for(make_user(role, **extra)))
    assert response.status_code == 403
    assert client.get("/api/v1/stats").status_code == 401


def test_dashboard_pages_are_for_admins_only(client, make_user, login):
    for path in ADMIN_ONLY:
        assert client.get(path).status_code == 302
    login(make_user("officer"))
    for path in ADMIN_ONLY:
        assert client.get(path).status_code == 403


def test_with_no_scans_the_reasons_chart_says_there_were_none(client, make_user, login):
    login(make_user("admin"))
    page = client.get("/admin/dashboard").text
    assert "最近 24 小时没有查验记录。" in page and "所有查验均为放行" not in page


def test_admin_lands_on_the_dashboard_after_signing_in(client, make_user):
    admin = make_user("admin")
    response = client.post("/login", data={"username": admin.username, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/dashboard"


def test_overview_figures_match_the_known_city(app, city):
    with app.app_context():
        data = service.overview()
    assert data["stats"] == EXPECTED_STATS
    rows = {row.code: row for row in data["checkpoints"]}
    assert rows["CP-HAICHENG"].verdicts == {"pass": 1, "check": 0, "deny": 2}
    assert rows["CP-HEPU"].verdicts == {"pass": 0, "check": 1, "deny": 0}
    assert rows["CP-YINHAI"].total == 1  # the scan three days ago is outside the 24 hours
    assert sum(rows["CP-HAICHENG"].hourly) == 3 and sum(rows["CP-HAICHENG"].hourly[-2:]) == 3
    assert {code: row.silent for code, row in rows.items()} == {
        "CP-HAICHENG": False, "CP-HEPU": False, "CP-YINHAI": True, "CP-NEW": True}
    assert rows["CP-NEW"].last_scan is None
    assert rows["CP-YINHAI"].last_scan < utcnow() - timedelta(hours=2)
    assert data["verdicts"] == {"pass": 1, "check": 1, "deny": 3}
    # The uploaded scan counts with the server's reasons, not the handheld's.
    assert dict(data["reasons"]) == {"revoked": 1, "test_expired": 1, "malformed": 1,
                                     "possible_copy": 1, "expired": 1}
    assert data["enterprises"]["approved"] == {"green": 1, "yellow": 1, "red": 1, "none": 0}
    assert data["enterprises"]["suspended"]["green"] == 1
    assert data["enterprises"]["pending"]["none"] == 1
    assert data["people"]["cleared"] == 4  # three drivers and the supply-staff member


def test_dashboard_page_shows_the_figures_and_charts(client, city, make_user, login):
    login(make_user("admin"))
    page = client.get("/admin/dashboard")
    assert page.status_code == 200
    html = page.text
    assert 'data-stat="passes.valid">' in html and "<svg" in html
    assert 'data-panel-url="/admin/dashboard/panel"' in html
    assert "/static/js/dashboard.js" in html and "<style" not in html
    panel = client.get("/admin/dashboard/panel").text
    assert "<html" not in panel
    assert 'class="silent" data-checkpoint="CP-NEW"' in panel
    assert 'class="" data-checkpoint="CP-HEPU"' in panel


def test_every_table_exports_as_csv_with_a_bom(client, city, make_user, login):
    login(make_user("admin"))
    for table in ("checkpoints", "hourly", "verdicts", "reasons", "enterprises", "retest"):
        response = client.get(f"/admin/dashboard/{table}.csv")
        assert response.status_code == 200, table
        assert response.mimetype == "text/csv"
        assert response.data.startswith("\ufeff".encode())
        assert "attachment" in response.headers["Content-Disposition"]
    assert client.get("/admin/dashboard/secrets.csv").status_code == 404


def test_checkpoint_csv_lists_each_checkpoint_with_its_counts(client, city, make_user, login):
    login(make_user("admin"))
    text = client.get("/admin/dashboard/checkpoints.csv").data.decode("utf-8-sig")
    rows = {row[0]: row for row in csv.reader(io.StringIO(text))}
    assert rows["CP-HAICHENG"][1] == "海城区卡口"
    assert rows["CP-HAICHENG"][3:7] == ["3", "1", "0", "2"]
    assert rows["CP-NEW"][7] == ""
    hourly = list(csv.reader(io.StringIO(
        client.get("/admin/dashboard/hourly.csv").data.decode("utf-8-sig"))))
    assert len(hourly[0]) == 2 + 24
    assert sum(int(n) for n in {row[0]: row for row in hourly[1:]}["CP-HAICHENG"][2:]) == 3


def test_silent_needs_others_to_be_busy(app, checkpoints, officer):
    rows = [service.CheckpointActivity("A", "a", "park_gate", [], {}, 0,
                                       utcnow() - timedelta(hours=5), False),
            service.CheckpointActivity("B", "b", "park_gate", [], {}, 0,
                                       utcnow() - timedelta(hours=3), False)]
    service._mark_silent(rows, utcnow())
    assert [row.silent for row in rows] == [False, False]
    rows[1].last_scan = utcnow()
    service._mark_silent(rows, utcnow())
    assert [row.silent for row in rows] == [True, False]


def test_chart_geometry_scales_to_a_round_ceiling():
    assert [nice_ceiling(n) for n in (0, 1, 3, 7, 12, 45, 101)] == [1, 1, 4, 8, 20, 60, 200]
    rects, ticks = stacked_columns([[1, 0], [3, 2]], ["a", "b"], width=100, height=40)
    assert [tick.value for tick in ticks] == [0, 2, 4]
    assert [(r.height, r.label) for r in rects] == [(10.0, "a: 1"), (30.0, "b: 3"),
                                                    (20.0, "b: 2")]
    assert rects[1].y == 0.0  # stacked on top of the first, up to the ceiling
    arcs = donut({"pass": 3, "check": 0, "deny": 1}, {"pass": "g", "check": "y", "deny": "r"})
    assert [(arc.key, arc.share) for arc in arcs] == [("pass", 75), ("deny", 25)]


def test_a_driver_of_two_enterprises_counts_once(app, make_enterprise, make_pass):
    first, second = make_pass(make_enterprise()), make_pass(make_enterprise())
    with app.app_context():
        # One person across enterprises: the second enterprise's pass names the same driver.
        db.session.execute(update(Pass).where(Pass.number == second.number)
                           .values(person_id=first.person_id))
        db.session.commit()
        assert whitelisted_drivers() == 1


def test_last_scan_is_found_beyond_the_24_hours_counted(app, checkpoints, officer):
    three_days_ago = utcnow() - timedelta(days=3)
    with app.app_context():
        hepu = db.session.scalar(select(Checkpoint).where(Checkpoint.code == "CP-HEPU"))
        db.session.add(Scan(checkpoint_id=hepu.id, officer_id=officer.id, verdict="pass",
                            reasons=[], scanned_at=three_days_ago))
        db.session.commit()
        rows = {row.code: row for row in service.checkpoint_activity(utcnow())}
    assert rows["CP-HEPU"].last_scan == three_days_ago
    assert rows["CP-HEPU"].total == 0 and sum(rows["CP-HEPU"].hourly) == 0
    assert rows["CP-HAICHENG"].last_scan is None
