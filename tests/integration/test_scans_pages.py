"""The scan log pages: an officer's shift, the authority's search, possible copies."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from checkpoints.models import Checkpoint, Scan
from core.db import db, utcnow

OFFICER_LOG, ADMIN_LOG = "/checkpoint/scans", "/admin/scans"


@pytest.fixture
def add_scan(app, officer):
    """Put a scan in the log directly: any checkpoint, officer and time (minutes ago)."""

    def add(checkpoint="CP-HAICHENG", minutes_ago=5, verdict="pass", reasons=(),
            pass_number="450500000001", enterprise="91450500MA00000011", officer_id=None):
        with app.app_context():
            checkpoint_id = db.session.scalar(select(Checkpoint.id)
                                              .where(Checkpoint.code == checkpoint))
            scan = Scan(checkpoint_id=checkpoint_id, officer_id=officer_id or officer.id,
                        verdict=verdict, reasons=list(reasons), pass_number=pass_number,
                        enterprise_code=enterprise,
                        scanned_at=utcnow() - timedelta(minutes=minutes_ago))
            db.session.add(scan)
            db.session.commit()
            return scan.id

    return add


@pytest.fixture
def as_admin(client, make_user, login):
    login(make_user("admin"))
    return client


def rows(page) -> int:
    return page.text.count("<tr>") - 1  # less the header row


def test_officer_sees_their_own_scans_of_this_shift(client, login, officer, make_user,
                                                    add_scan):
    colleague = make_user("officer", checkpoints=["CP-HAICHENG"])
    add_scan(pass_number="450500000011", minutes_ago=30)
    add_scan(pass_number="450500000012", minutes_ago=13 * 60)
    add_scan(pass_number="450500000013", officer_id=colleague.id)
    login(officer)
    page = client.get(OFFICER_LOG)
    assert page.status_code == 200
    assert "450500000011" in page.text
    assert "450500000012" not in page.text and "450500000013" not in page.text
    assert "450500000012" in client.get(OFFICER_LOG + "?hours=24").text


def test_verify_then_see_the_scan_in_the_officer_log(client, login, officer, officer_headers,
                                                     make_pass):
    issued = make_pass()
    client.post("/api/v1/verify", json={"qr": issued.qr_text, "checkpoint": "CP-HEPU"},
                headers=officer_headers)
    login(officer)
    page = client.get(OFFICER_LOG).text
    assert issued.number in page and "verdict-pass" in page and "合浦中转站" in page


@pytest.mark.parametrize("query, expected", [
    ("", 4),
    ("?checkpoint=CP-HEPU", 1),
    ("?verdict=deny", 2),
    ("?reason=enterprise_red", 1),
    ("?reason=revoked", 1),
    ("?enterprise=91450500ma00000022", 1),
    ("?pass=450500000003", 1),
    ("?verdict=bogus&reason=bogus", 4),
])
def test_admin_filters_the_scan_log(as_admin, add_scan, query, expected):
    add_scan(pass_number="450500000001", minutes_ago=400)
    add_scan(checkpoint="CP-HEPU", verdict="check", reasons=["enterprise_yellow"],
             pass_number="450500000002", minutes_ago=300)
    add_scan(verdict="deny", reasons=["enterprise_red", "test_expired"],
             pass_number="450500000003", enterprise="91450500MA00000022", minutes_ago=200)
    add_scan(verdict="deny", reasons=["revoked"], pass_number="450500000004", minutes_ago=100)
    page = as_admin.get(ADMIN_LOG + query)
    assert page.status_code == 200
    assert rows(page) == expected


def test_admin_filters_by_time_range_in_local_time(as_admin, add_scan):
    add_scan(pass_number="450500000001", minutes_ago=3 * 24 * 60)
    add_scan(pass_number="450500000002", minutes_ago=10)
    local_day_ago = (utcnow() + timedelta(hours=8) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = as_admin.get(f"{ADMIN_LOG}?from={local_day_ago}").text
    assert "450500000002" in page and "450500000001" not in page
    page = as_admin.get(f"{ADMIN_LOG}?to={local_day_ago}").text
    assert "450500000001" in page and "450500000002" not in page


def test_scan_log_is_newest_first_and_paged(as_admin, add_scan):
    for minutes in range(25):
        add_scan(pass_number=f"4505000001{minutes:02d}", minutes_ago=minutes)
    first = as_admin.get(ADMIN_LOG).text
    assert rows_order(first)[:2] == ["450500000100", "450500000101"]
    assert "450500000124" in as_admin.get(ADMIN_LOG + "?page=2").text


def test_scan_log_names_verdicts_as_the_scanning_page_does(as_admin, add_scan):
    add_scan(verdict="pass")
    add_scan(verdict="deny", reasons=["revoked"], pass_number="450500000004")
    assert "放行" in as_admin.get(ADMIN_LOG).text
    english = as_admin.get(ADMIN_LOG + "?lang=en").text
    assert "Pass" in english and "Not honoured" in english and "Release" not in english


def rows_order(text: str) -> list[str]:
    return re.findall(r"<code>(4505000\d{5})</code>", text)


def test_a_pass_seen_in_two_counties_minutes_apart_is_flagged(as_admin, add_scan):
    add_scan(checkpoint="CP-HAICHENG", pass_number="450500000007", minutes_ago=20)
    add_scan(checkpoint="CP-HEPU", pass_number="450500000007", minutes_ago=14)
    add_scan(checkpoint="CP-HAICHENG", pass_number="450500000008", minutes_ago=60)
    add_scan(checkpoint="CP-HEPU", pass_number="450500000008", minutes_ago=20)
    add_scan(checkpoint="CP-HAICHENG", pass_number="450500000009", minutes_ago=6)
    add_scan(checkpoint="CP-HAICHENG", pass_number="450500000009", minutes_ago=5)
    page = as_admin.get(ADMIN_LOG).text
    assert page.count("copy-flag") == 2
    history = as_admin.get(ADMIN_LOG + "?pass=450500000007").text
    assert history.count("copy-flag") == 2 and "合浦中转站" in history


def test_copy_window_is_configurable(app, as_admin, add_scan):
    add_scan(checkpoint="CP-HAICHENG", pass_number="450500000008", minutes_ago=60)
    add_scan(checkpoint="CP-HEPU", pass_number="450500000008", minutes_ago=20)
    app.config["SCAN_COPY_WINDOW_MINUTES"] = 45
    assert as_admin.get(ADMIN_LOG).text.count("copy-flag") == 2


@pytest.mark.parametrize("role, path", [
    ("officer", ADMIN_LOG), ("enterprise", ADMIN_LOG), ("enterprise", OFFICER_LOG),
    ("admin", OFFICER_LOG),
])
def test_scan_logs_are_closed_to_other_roles(client, login, make_user, make_enterprise,
                                             role, path):
    fields = {"enterprise": make_enterprise().code} if role == "enterprise" else {}
    login(make_user(role, **fields))
    assert client.get(path).status_code == 403


def test_menus_link_the_scan_logs(client, login, officer, make_user):
    login(officer)
    assert f'href="{OFFICER_LOG}"' in client.get("/checkpoint").text
    client.post("/logout")
    login(make_user("admin"))
    assert f'href="{ADMIN_LOG}"' in client.get("/admin/checkpoints").text


def test_scan_log_pages_and_counts_only_the_newest_matches(app, as_admin, add_scan):
    app.config |= {"SCAN_LOG_LIMIT": 10, "PAGE_SIZE": 4}
    for minutes in range(12):
        add_scan(pass_number=f"4505000002{minutes:02d}", minutes_ago=minutes,
                 verdict="deny" if minutes < 3 else "pass")
    first = as_admin.get(ADMIN_LOG).text
    assert "scan-limit" in first and "共 " not in first
    assert [int(count) for count in re.findall(r"<b>(\d+)</b>", first)] == [7, 0, 3]
    last = as_admin.get(ADMIN_LOG + "?page=3").text
    assert rows_order(last) == ["450500000208", "450500000209"]
    assert "page=4" not in last and "page=2" in last


def test_scan_log_under_the_limit_shows_the_exact_total(app, as_admin, add_scan):
    app.config["PAGE_SIZE"] = 4
    for minutes in range(6):
        add_scan(pass_number=f"4505000003{minutes:02d}", minutes_ago=minutes)
    page = as_admin.get(ADMIN_LOG).text
    assert "scan-limit" not in page and "共 6 条" in page and "page=2" in page


def test_uploaded_offline_scans_are_found_by_the_servers_reason(as_admin, client,
                                                                officer_headers):
    scanned_at = (utcnow() - timedelta(minutes=30)).isoformat()
    scans = [{"id": f"00000000-0000-4000-8000-00000000000{n}", "qr": "LP:/12",
              "checkpoint": "CP-HEPU", "verdict": verdict, "reasons": reasons,
              "scanned_at": scanned_at}
             for n, (verdict, reasons) in enumerate([("deny", ["malformed"]),
                                                     ("check", ["status_unknown"])])]
    assert client.post("/api/v1/scans", json={"scans": scans},
                       headers=officer_headers).status_code == 200
    # LP:/12 is no pass, whatever the handheld said: the server's reason files both.
    assert rows(as_admin.get(ADMIN_LOG + "?reason=malformed")) == 2
    assert "<table" not in as_admin.get(ADMIN_LOG + "?reason=status_unknown").text
    assert "<table" not in as_admin.get(ADMIN_LOG + "?reason=revoked").text
    assert as_admin.get(ADMIN_LOG + "?lang=en").text.count("handheld said:") == 1
