"""Bulk applications: time to upload and check 1,000 rows (target < 10 s), and to confirm them.

Run from the repository root: .venv/bin/python bench/bench_bulk.py [ROWS]
Each figure is one full HTTP request through the test client on a fresh SQLite file:
multipart parsing, reading the file, checking every row, storing the batch.
"""
import io
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from accounts.inputs import read_account  # noqa: E402
from accounts.service import create_user  # noqa: E402
from app import create_app  # noqa: E402
from core.access import Operator  # noqa: E402
from core.db import db  # noqa: E402
from tests.conftest import make_uscc  # noqa: E402
from tests.integration.bulk_data import csv_file, fleet, xlsx_file  # noqa: E402
from whitelist import service as whitelist  # noqa: E402
from whitelist.inputs import read_registration  # noqa: E402

PASSWORD = "bench-pass-1"


def setup(folder: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                      "INSTANCE_PATH": f"{folder}/instance", "SECRET_KEY": "bench",
                      "KEY_ENCRYPTION_SECRET": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
        whitelist.ensure_reference_data()
        code = make_uscc()
        registration = read_registration({
            "code": code, "name": "北海基准物流有限公司", "categories": ["daily"],
            "contact_name": "王经理", "contact_phone": "13800000000", "address": "北海"})
        whitelist.register_enterprise(registration, Operator("bench"))
        whitelist.approve(code, Operator("bench"))
        create_user(read_account({"role": "enterprise", "username": "clerk", "password": PASSWORD,
                                  "enterprise": code}), "bench")
    client = app.test_client()
    client.post("/login", data={"username": "clerk", "password": PASSWORD})
    return app, client


def timed_upload(client, content: bytes, name: str) -> tuple[float, str]:
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename=name)})
    started = time.perf_counter()
    response = client.post("/passes/bulk/upload", data=body, headers={"Accept": "application/json"},
                           content_type=f"multipart/form-data; boundary={boundary}")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and response.json["invalid"] == 0, response.text
    return elapsed, response.json["url"]


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, client = setup(folder)
        data = fleet(rows)
        csv_seconds, url = timed_upload(client, csv_file(data), "fleet.csv")
        gbk_seconds, _ = timed_upload(client, csv_file(data, encoding="gbk"), "fleet-gbk.csv")
        xlsx_seconds, _ = timed_upload(client, xlsx_file(data), "fleet.xlsx")
        started = time.perf_counter()
        assert client.post(f"{url}/confirm").status_code == 302
        confirm_seconds = time.perf_counter() - started
        with app.app_context():
            db.engine.dispose()
    print(f"{rows} rows, SQLite")
    print(f"  upload + check, CSV UTF-8: {csv_seconds:6.2f} s")
    print(f"  upload + check, CSV GBK:   {gbk_seconds:6.2f} s")
    print(f"  upload + check, .xlsx:     {xlsx_seconds:6.2f} s")
    print(f"  confirm (issue and sign):  {confirm_seconds:6.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
