"""Issue 14 #17: a holder page's secret path never reaches a log, and a failed statement's
SQL parameters (ID and phone numbers) never reach the error log."""
import logging
import subprocess
import urllib.request

import pytest
import sqlalchemy as sa

from bench.harness import ROOT, VENV_BIN, app_env, free_port, stop, wait_until_up
from core.db import db
from passes.models import Pass

ID_NUMBER = "450502198503121234"


def holder_secret(app, make_pass) -> str:
    number = make_pass().number
    with app.app_context():
        return db.session.scalar(sa.select(Pass.holder_secret).where(Pass.number == number))


@pytest.mark.cluster
@pytest.mark.commits
def test_gunicorn_access_and_error_logs_mask_holder_secrets(app, make_pass, database_url,
                                                            tmp_path):
    secret = holder_secret(app, make_pass)
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    port = free_port()
    env = app_env(database_url, SECRET_KEY="test-secret", KEY_ENCRYPTION_SECRET="test-key-secret")
    # As README and scripts/demo.sh start it: from the project folder, gunicorn.conf.py and all.
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(access), "--error-logfile", str(errors), "app:create_app()"],
        cwd=ROOT, env=env)
    try:
        wait_until_up(port, process)
        base = f"http://127.0.0.1:{port}"
        for path in (f"/h/{secret}", f"/h/{secret}/qr.png", f"/h/{secret}/status.json"):
            with urllib.request.urlopen(base + path) as response:
                assert response.status == 200
        request = urllib.request.Request(f"{base}/static/css/holder.css",
                                         headers={"Referer": f"{base}/h/{secret}"})
        urllib.request.urlopen(request).close()
    finally:
        stop(process)
    logged = access.read_text()
    assert logged.count("/h/[secret]") >= 4
    assert secret not in logged and secret not in errors.read_text()


def test_flask_log_lines_mask_holder_secrets(app, caplog):
    with caplog.at_level(logging.ERROR):
        app.logger.error("Exception on %s [%s]", "/h/AbC-d_e123/print", "GET")
    assert caplog.records[-1].getMessage() == "Exception on /h/[secret]/print [GET]"


def test_a_failed_statement_does_not_carry_its_parameters(app):
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as failure:
            db.session.execute(sa.text("SELECT * FROM no_such_table WHERE id_number = :n"),
                               {"n": ID_NUMBER})
        db.session.rollback()
    assert ID_NUMBER not in str(failure.value)
    assert "hidden" in str(failure.value)
