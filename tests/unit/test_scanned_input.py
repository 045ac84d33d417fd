"""A verify request read from its body: the scanned text, the checkpoint and the plate seen,
or every bad field named."""
import pytest
from flask import Flask
from flask_babel import Babel

from checkpoints.inputs import Scanned, read_scanned
from core.errors import ValidationFailed


@pytest.fixture(autouse=True)
def app_context():
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=64)
    Babel(app)
    with app.app_context():
        yield


def refused(body) -> dict:
    with pytest.raises(ValidationFailed) as error:
        read_scanned(body)
    return {path: str(message) for path, message in error.value.fields.items()}


def test_a_scan_is_read_trimmed_with_or_without_a_plate():
    assert read_scanned({"qr": " LP:/12 ", "checkpoint": "CP-HEPU"}) == Scanned(
        "LP:/12", "CP-HEPU", None)
    assert read_scanned({"qr": "LP:/12", "checkpoint": "CP-HEPU", "plate": "桂E12345"}) == \
        Scanned("LP:/12", "CP-HEPU", "桂E12345")


def test_missing_fields_are_named_together():
    assert set(refused({"plate": ""})) == {"qr", "checkpoint"}


def test_fields_of_the_wrong_type_or_length_are_named():
    errors = refused({"qr": ["LP:/12"], "checkpoint": "C" * 33, "plate": 12345})
    assert set(errors) == {"qr", "checkpoint", "plate"}
    assert errors["qr"] == "Must be text."


def test_a_text_longer_than_any_request_is_refused():
    assert "qr" in refused({"qr": "LP:/" + "1" * 64, "checkpoint": "CP-HEPU"})
