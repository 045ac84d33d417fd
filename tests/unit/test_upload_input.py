"""An upload of offline scans read from its body: every scan typed, or every bad field named."""
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask_babel import Babel

from checkpoints.inputs import UploadedScan, read_uploaded_scans
from core.errors import ValidationFailed

NOW = datetime(2022, 7, 20, 8, 0, tzinfo=UTC)
CLIENT_ID = "0b5d8e4e-6c1a-4f57-9b0e-2f1f6a3c9d11"


@pytest.fixture(autouse=True)
def app_context():
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=1024, CLOCK_SKEW_SECONDS=300,
                      OFFLINE_BUNDLE_LIFETIME_HOURS=24)
    Babel(app)
    with app.app_context():
        yield


def scan(**fields) -> dict:
    return {"id": CLIENT_ID.upper(), "qr": "LP:/12", "checkpoint": " CP-HEPU ",
            "verdict": "check", "reasons": ["status_unknown", "status_unknown"],
            "scanned_at": "2022-07-20T15:30:00+08:00"} | fields


def anywhere(code: str) -> None:
    return None


def refused(body, refusal=anywhere) -> dict:
    with pytest.raises(ValidationFailed) as error:
        read_uploaded_scans(body, NOW, refusal)
    return {path: str(message) for path, message in error.value.fields.items()}


def test_a_good_upload_is_read_into_typed_scans():
    (read,) = read_uploaded_scans({"scans": [scan(plate="桂E12345")]}, NOW, anywhere)
    assert read == UploadedScan(client_id=CLIENT_ID, qr="LP:/12", checkpoint="CP-HEPU",
                                verdict="check", reasons=("status_unknown",),
                                scanned_at=NOW - timedelta(minutes=30), plate="桂E12345")


def test_a_missing_field_is_named_by_its_scan():
    body = {"scans": [scan(), {key: value for key, value in scan().items() if key != "qr"}]}
    assert refused(body) == {"scans.1.qr": "This field is required."}


def test_a_missing_list_of_scans_is_refused():
    assert refused({}) == {"scans": "This field is required."}


@pytest.mark.parametrize("field, value, message", [
    ("id", 12, "Must be text."),
    ("reasons", "malformed", "Must be a list of reason codes."),
    ("verdict", ["pass"], "Must be text."),
])
def test_a_field_of_the_wrong_type_is_refused(field, value, message):
    assert refused({"scans": [scan(**{field: value})]}) == {f"scans.0.{field}": message}


def test_scans_that_are_not_a_list_are_refused():
    assert refused({"scans": "x"}) == {"scans": "Must be a list of scans."}


def test_a_scan_dated_before_a_bundles_lifetime_is_refused():
    old = (NOW - timedelta(hours=25)).isoformat()
    assert list(refused({"scans": [scan(scanned_at=old)]})) == ["scans.0.scanned_at"]


def test_the_checkpoints_refusal_comes_with_the_scans_other_fields():
    def not_staffed(code: str) -> str:
        return f"{code} is not yours"

    assert refused({"scans": [scan(verdict="maybe")]}, not_staffed) == {
        "scans.0.checkpoint": "CP-HEPU is not yours",
        "scans.0.verdict": "Must be one of: pass, check, deny."}
