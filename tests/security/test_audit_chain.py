"""The audit chain: one unit of work per use case keeps it linear under a concurrent burst, and
signed heads kept outside the database expose truncation and rewrites."""
import json
import threading

import pytest
import sqlalchemy as sa

from audit.models import AuditEntry
from audit.service import GENESIS, OutsideUnitOfWork, entry_hash, record
from core.db import db
from core.unit_of_work import unit_of_work
from whitelist.models import Enterprise

BURST = 60


def burst(app, request, count=BURST):
    """`count` requests sent at the same instant from as many threads; their status codes."""
    start, statuses = threading.Barrier(count), []

    def send(n):
        client = app.test_client()
        start.wait()
        statuses.append(request(client, n).status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def audit_verify(runner):
    return runner.invoke(args=["audit", "verify"])


@pytest.mark.commits
def test_a_burst_of_refused_verifies_by_one_officer_keeps_the_chain_intact(
        app, runner, officer_headers, make_pass):
    pass_ = make_pass()

    def refused_verify(client, _):  # the officer does not staff CP-YINHAI
        return client.post("/api/v1/verify", headers=officer_headers,
                           json={"qr": pass_.qr_text, "checkpoint": "CP-YINHAI"})

    assert burst(app, refused_verify) == [403] * BURST
    with app.app_context():
        refusals = db.session.scalar(sa.select(sa.func.count()).where(
            AuditEntry.action == "checkpoint.refused"))
    assert refusals == BURST
    result = audit_verify(runner)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


@pytest.mark.commits
def test_a_burst_of_colour_changes_keeps_the_chain_intact(app, runner, make_user, token_for,
                                                          make_enterprise):
    headers = token_for(make_user("admin"))
    codes = [make_enterprise().code for _ in range(6)]

    def change_colour(client, n):
        colour = ("yellow", "red", "green")[n % 3]
        return client.put(f"/api/v1/enterprises/{codes[n % len(codes)]}/colour",
                          headers=headers, json={"colour": colour, "reason": f"第{n}次"})

    statuses = burst(app, change_colour)
    assert set(statuses) <= {200, 409}
    with app.app_context():
        changes = db.session.scalar(sa.select(sa.func.count()).where(
            AuditEntry.action == "enterprise.colour", AuditEntry.details["reason"].as_string()
            .startswith("第")))
    assert changes == statuses.count(200) > 0
    result = audit_verify(runner)
    assert result.exit_code == 0, result.output


def test_a_refusal_is_audited_though_the_use_case_rolls_back(app, client, make_user, token_for,
                                                              make_pass, checkpoints):
    stranger = make_user("officer", checkpoints=["CP-HAICHENG"])  # not at the CP-HEPU station
    response = client.post("/api/v1/handovers", headers=token_for(stranger),
                           json={"checkpoint": "CP-HEPU", "arriving": make_pass().number,
                                 "seals": ["S1"]})
    assert response.status_code == 403
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)
                                     .where(AuditEntry.actor == stranger.username)).all()
    assert actions == ["checkpoint.refused"]


def test_an_audit_entry_outside_a_unit_of_work_is_refused(app):
    with app.app_context(), pytest.raises(OutsideUnitOfWork):
        record("someone", "sneak.in", "x")


def test_a_units_entries_are_appended_in_order_as_it_commits(app):
    with app.app_context():
        with unit_of_work():
            first = record("someone", "first.step", "a")
            second = record("someone", "second.step", "b", n=2)
            assert first.id is None and second.id is None  # held until the commit
        stored = db.session.execute(sa.select(AuditEntry.id, AuditEntry.action, AuditEntry.hash)
                                    .where(AuditEntry.actor == "someone")
                                    .order_by(AuditEntry.id)).all()
    assert [tuple(row) for row in stored] == [(first.id, "first.step", first.hash),
                                              (second.id, "second.step", second.hash)]
    assert second.prev_hash == first.hash and first.at <= second.at
    assert second.hash == entry_hash(first.hash, second.at, "someone", "second.step", "b",
                                     {"n": 2})


def test_a_failed_use_case_leaves_neither_its_change_nor_its_audit_entry(app, make_enterprise):
    code = make_enterprise().code
    with app.app_context(), pytest.raises(RuntimeError), unit_of_work():
        db.session.scalar(sa.select(Enterprise).filter_by(code=code)).colour = "red"
        record("someone", "enterprise.colour", code)
        raise RuntimeError("fails after writing")
    with app.app_context():
        assert db.session.scalar(sa.select(Enterprise.colour).filter_by(code=code)) == "green"
        assert db.session.scalar(sa.select(sa.func.count()).where(
            AuditEntry.actor == "someone")) == 0


def test_a_use_case_inside_another_commits_or_rolls_back_with_it(app, make_enterprise):
    from whitelist.inputs import NewColour
    from whitelist.service import set_colour

    code = make_enterprise().code
    with app.app_context(), pytest.raises(RuntimeError), unit_of_work():
        set_colour(code, NewColour("red", "发现病例"), _Admin())
        raise RuntimeError("the outer use case fails after the inner one returned")
    with app.app_context():
        assert db.session.scalar(sa.select(Enterprise.colour).filter_by(code=code)) == "green"


class _Admin:
    username, role, enterprise_id = "admin-in-test", "admin", None


# Anchors: the signed heads.

def anchor_lines(app) -> list[dict]:
    path = app.config.get("AUDIT_ANCHOR_FILE") or f"{app.instance_path}/audit-anchors.jsonl"
    with open(path) as anchors:
        return [json.loads(line) for line in anchors]


def newest_entries(app, count):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id.desc())
                                  .limit(count)).all()


def test_every_committed_entry_gets_a_signed_head_outside_the_database(app, make_enterprise):
    make_enterprise(colour="red")
    newest = newest_entries(app, 1)[0]
    lines = anchor_lines(app)
    assert lines[-1]["id"] == newest
    assert {"hash", "at", "key", "sig"} <= set(lines[-1])


def test_audit_verify_reports_the_newest_entries_deleted(app, runner, make_enterprise):
    make_enterprise(colour="red")
    make_enterprise(colour="yellow")
    doomed = newest_entries(app, 3)
    with app.app_context():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id.in_(doomed)))
        db.session.commit()
    result = audit_verify(runner)
    assert result.exit_code == 1
    assert "truncated" in result.output
    assert f"entry {max(doomed)} was signed" in result.output


def test_audit_verify_reports_an_entry_rewritten_with_the_hashes_after_it_recomputed(
        app, runner, make_enterprise):
    make_enterprise(colour="red")
    make_enterprise(colour="yellow")
    with app.app_context():
        target = db.session.scalar(sa.select(AuditEntry).filter_by(action="enterprise.colour")
                                   .order_by(AuditEntry.id))
        target_id = target.id
        target.details = {**target.details, "reason": "无事"}
        # Recompute the chain from the rewritten entry on, as an attacker with the database would.
        prev = db.session.scalar(sa.select(AuditEntry.hash).where(AuditEntry.id < target_id)
                                 .order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
        for entry in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id >= target_id)
                                        .order_by(AuditEntry.id)):
            entry.prev_hash = prev
            entry.hash = prev = entry_hash(prev, entry.at, entry.actor, entry.action,
                                           entry.subject, entry.details)
        db.session.commit()
    result = audit_verify(runner)
    assert result.exit_code == 1, (result.output, anchor_lines(app))
    assert f"broken at entry {target_id}: rewritten" in result.output


def test_audit_verify_refuses_a_forged_line_in_the_anchor_file(app, runner, make_enterprise):
    make_enterprise()
    last = anchor_lines(app)[-1]
    forged = last | {"id": last["id"] + 5}
    path = f"{app.instance_path}/audit-anchors.jsonl"
    with open(path, "a") as anchors:
        anchors.write(json.dumps(forged) + "\n")
    result = audit_verify(runner)
    assert result.exit_code == 1
    assert "does not verify" in result.output


@pytest.mark.commits  # a second app on the same database
def test_audit_anchor_signs_the_head_on_demand_into_the_configured_file(app, app_config,
                                                                       tmp_path):
    from app import create_app

    outside = tmp_path / "elsewhere" / "anchors.jsonl"
    anchored = create_app(app_config | {"AUDIT_ANCHOR_FILE": str(outside),
                                        "AUDIT_ANCHOR_EVERY": 1000})
    for action in ("first", "second"):
        with anchored.app_context(), unit_of_work():
            record("someone", action, "x")
    assert len(anchor_lines(anchored)) == 1  # the first entry ever is signed; then every 1000th
    result = anchored.test_cli_runner().invoke(args=["audit", "anchor"])
    assert result.exit_code == 0, result.output
    assert anchor_lines(anchored)[-1]["id"] == newest_entries(anchored, 1)[0]
    assert oct(outside.stat().st_mode & 0o777) == "0o600"
    assert "intact" in anchored.test_cli_runner().invoke(args=["audit", "verify"]).output
    with anchored.app_context():
        db.engine.dispose()


@pytest.mark.commits  # a second app on the same database
def test_a_head_is_signed_at_the_interval_even_between_every_nth_entry(app, app_config):
    from app import create_app

    timed = create_app(app_config | {"AUDIT_ANCHOR_EVERY": 1000,
                                     "AUDIT_ANCHOR_INTERVAL_SECONDS": 0})
    for action in ("first", "second", "third"):
        with timed.app_context(), unit_of_work():
            record("someone", action, "x")
    assert [line["id"] for line in anchor_lines(timed)] == newest_entries(timed, 3)[::-1]
    with timed.app_context():
        db.engine.dispose()
