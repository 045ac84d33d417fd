"""POST /api/v1/verify: live status at the next scan, every scan recorded, bad input refused."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from audit.models import AuditEntry
from checkpoints.models import Scan
from core import crypto
from core.db import db, utcnow
from core.validation import storable
from passes.models import Pass, Person
from passes.revocation import revoke_key
from passtokens import keys
from passtokens.qr import to_qr_text
from tests.conftest import count_rows
from whitelist.inputs import NewColour
from whitelist.models import ColourPolicy
from whitelist.service import set_colour

URL = "/api/v1/verify"


class _Admin:
    username = "test-admin"
    role = "admin"
    enterprise_id = None


@pytest.fixture
def verify(client, officer_headers):
    """POST a scan at CP-HAICHENG; returns the response."""

    def post(qr_text, checkpoint="CP-HAICHENG", **more):
        return client.post(URL, json={"qr": qr_text, "checkpoint": checkpoint, **more},
                           headers=officer_headers)

    return post


def codes(response) -> list[str]:
    return [reason["code"] for reason in response.json["reasons"]]


def only_scan(app) -> Scan:
    with app.app_context():
        (scan,) = db.session.scalars(select(Scan)).all()
        db.session.expunge(scan)
        return scan


def test_genuine_pass_passes_with_masked_facts_and_enterprise(app, verify, make_pass):
    issued = make_pass(plate="桂E12345")
    response = verify(issued.qr_text, plate="桂e12345")
    assert response.status_code == 200
    body = response.json
    assert (body["verdict"], body["reasons"]) == ("pass", [])
    assert body["pass"]["number"] == issued.number
    assert body["pass"]["holder_name"] == "张*明"
    assert body["pass"]["plate"] == "桂E12345"
    assert body["pass"]["origin"] == "450502" and body["pass"]["origin_name"]
    assert body["pass"]["cargo"] == "daily" and body["pass"]["cargo_name"] == "生活物资"
    assert body["enterprise"]["code"] == issued.enterprise_code
    assert body["enterprise"]["colour"] == "green" and body["enterprise"]["name"]
    assert body["scan_id"] == only_scan(app).id


def test_scan_is_recorded_with_the_pass_number_but_never_the_token(app, verify, make_pass,
                                                                  officer):
    issued = make_pass()
    verify(issued.qr_text, plate="桂E54321")
    scan = only_scan(app)
    assert scan.pass_number == issued.number
    assert scan.enterprise_code == issued.enterprise_code
    assert (scan.verdict, scan.reasons, scan.plate_seen) == ("deny", ["plate_mismatch"],
                                                             "桂E54321")
    assert scan.officer_id == officer.id and scan.offline is False and scan.client_id is None
    stored = " ".join(str(getattr(scan, column.key)) for column in Scan.__table__.columns)
    assert issued.token.split(".")[2] not in stored and issued.qr_text[4:40] not in stored


@pytest.mark.parametrize("text", ["hello", "https://example.com/p/1", "HC1:NCFOXN%TS3DH",
                                  "LP:/", "LP:/5", "LP:/" + "0" * 7200])
def test_garbage_is_denied_as_malformed_and_recorded_without_a_pass(app, verify, text):
    response = verify(text)
    assert response.status_code == 200
    assert (response.json["verdict"], codes(response)) == ("deny", ["malformed"])
    assert response.json["pass"] is None and response.json["enterprise"] is None
    scan = only_scan(app)
    assert (scan.verdict, scan.reasons, scan.pass_number) == ("deny", ["malformed"], None)


def test_forged_pass_is_recorded_as_not_found_without_a_number(app, verify, make_pass):
    issued = make_pass()
    with app.app_context():
        db.session.execute(update(Pass).values(number="450500999998"))
        db.session.commit()
    response = verify(issued.qr_text)
    assert codes(response) == ["not_found"]
    assert only_scan(app).pass_number is None


def test_colour_change_takes_effect_at_the_next_scan(app, verify, make_pass):
    issued = make_pass()
    assert verify(issued.qr_text).json["verdict"] == "pass"
    with app.app_context():
        set_colour(issued.enterprise_code, NewColour("red", "阳性病例"), _Admin())
    red = verify(issued.qr_text)
    assert (red.json["verdict"], codes(red)) == ("deny", ["enterprise_red"])
    assert red.json["enterprise"]["colour"] == "red"
    with app.app_context():
        set_colour(issued.enterprise_code, NewColour("yellow", "解除"), _Admin())
    assert (verify(issued.qr_text).json["verdict"]) == "check"


def test_revocation_takes_effect_at_the_next_scan(app, verify, make_pass):
    issued = make_pass()
    assert verify(issued.qr_text).json["verdict"] == "pass"
    with app.app_context():
        db.session.execute(update(Pass).values(revoked_at=utcnow()))
        db.session.commit()
    assert codes(verify(issued.qr_text)) == ["revoked"]


def test_key_revocation_takes_effect_at_the_next_scan(app, verify, make_pass):
    issued = make_pass()
    assert verify(issued.qr_text).json["verdict"] == "pass"
    with app.app_context():
        revoke_key(issued.kid, "test")
    response = verify(issued.qr_text)
    assert (response.json["verdict"], codes(response)) == ("deny", ["key_revoked"])


def test_holder_status_is_read_live(app, verify, make_pass):
    issued = make_pass()
    with app.app_context():
        db.session.execute(update(Person).values(health_code="red"))
        db.session.commit()
    assert codes(verify(issued.qr_text)) == ["driver_not_green"]


def test_colour_verdicts_come_from_the_policy_data(app, verify, make_enterprise, make_pass):
    issued = make_pass(make_enterprise(colour="yellow"))
    assert verify(issued.qr_text).json["verdict"] == "check"
    with app.app_context():
        policy = db.session.get(ColourPolicy, "yellow")
        policy.verdict = "deny"
        db.session.commit()
    assert verify(issued.qr_text).json["verdict"] == "deny"


def test_colour_reason_message_comes_from_the_policy_in_the_chosen_language(
        app, client, officer_headers, make_enterprise, make_pass):
    issued = make_pass(make_enterprise(colour="red"))
    body = {"qr": issued.qr_text, "checkpoint": "CP-HAICHENG"}
    chinese = client.post(URL, json=body, headers=officer_headers).json["reasons"][0]
    english = client.post(URL + "?lang=en", json=body, headers=officer_headers)
    with app.app_context():
        policy = db.session.get(ColourPolicy, "red")
        assert chinese["message"] == policy.action_zh
        assert english.json["reasons"][0]["message"] == policy.action_en


def test_reasons_are_listed_worst_first_with_messages(verify, make_enterprise, make_pass):
    issued = make_pass(make_enterprise(colour="yellow"), holder_test_age_h=60,
                       valid_from_h=-200, valid_until_h=-1)
    response = verify(issued.qr_text, plate="桂A00000")
    # Every deny before every check: a denial leads with why it is denied.
    assert codes(response) == ["expired", "plate_mismatch", "enterprise_yellow", "test_expired"]
    assert all(reason["message"] for reason in response.json["reasons"])


def test_missing_qr_and_checkpoint_are_422_and_not_recorded(app, client, officer_headers):
    response = client.post(URL, json={"plate": "桂E12345"}, headers=officer_headers)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"qr", "checkpoint"}
    assert count_rows(app, Scan) == 0


@pytest.mark.parametrize("body, field", [
    ({"qr": 12345, "checkpoint": "CP-HAICHENG"}, "qr"),
    ({"qr": "LP:/1", "checkpoint": "NOPE"}, "checkpoint"),
    ({"qr": "LP:/1", "checkpoint": ["CP-HAICHENG"]}, "checkpoint"),
    ({"qr": "LP:/1", "checkpoint": "CP-HAICHENG", "plate": "x" * 17}, "plate"),
])
def test_bad_fields_are_named_and_nothing_is_recorded(app, client, officer_headers, body, field):
    response = client.post(URL, json=body, headers=officer_headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == [field]
    assert count_rows(app, Scan) == 0


def test_officer_not_assigned_to_the_checkpoint_is_refused_and_the_attempt_audited(
        app, verify, make_pass):
    response = verify(make_pass().qr_text, checkpoint="CP-YINHAI")
    assert response.status_code == 403
    assert count_rows(app, Scan) == 0
    with app.app_context():
        attempt = db.session.scalar(select(AuditEntry).filter_by(action="checkpoint.refused"))
    assert attempt.subject == "CP-YINHAI"


def test_body_that_is_not_json_is_refused(client, officer_headers):
    response = client.post(URL, data="LP:/12", headers=officer_headers)
    assert response.status_code == 415


def test_huge_body_is_refused_and_not_recorded(app, client, officer_headers):
    body = {"qr": "LP:/" + "12" * 600_000, "checkpoint": "CP-HAICHENG"}
    response = client.post(URL, json=body, headers=officer_headers)
    assert response.status_code == 413
    assert count_rows(app, Scan) == 0


@pytest.mark.parametrize("role", ["admin", "enterprise"])
def test_only_officers_verify(client, make_user, token_for, make_enterprise, role):
    fields = {"enterprise": make_enterprise().code} if role == "enterprise" else {}
    headers = token_for(make_user(role, **fields))
    assert client.post(URL, json={"qr": "x", "checkpoint": "y"},
                       headers=headers).status_code == 403
    assert client.post(URL, json={"qr": "x", "checkpoint": "y"}).status_code == 401


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(min_size=1, max_size=300),
                      st.from_regex(r"LP:/[0-9]{0,400}", fullmatch=True),
                      st.from_regex(r"[A-Za-z0-9_-]{1,60}\.[A-Za-z0-9_-]{0,60}\."
                                    r"[A-Za-z0-9_-]{0,90}", fullmatch=True).map(to_qr_text)))
def test_random_text_never_breaks_verify(verify, text):
    response = verify(text)
    if not text.strip() or not storable(text):
        # Blank, or a NUL that no database stores: refused as input, never a verdict.
        assert response.status_code == 422
        assert response.json["error"]["fields"].keys() == {"qr"}
        return
    assert response.status_code == 200, response.text
    assert response.json["verdict"] == "deny"
    assert codes(response)[0] in {"malformed", "bad_signature", "unknown_key"}


@pytest.mark.parametrize("text", ["\x00", "LP:/12\x0034"])
def test_a_nul_in_the_qr_text_is_refused_naming_the_field(verify, app, text):
    response = verify(text)
    assert response.status_code == 422
    assert response.json["error"]["fields"].keys() == {"qr"}
    assert count_rows(app, Scan) == 0


def _resigned(app, issued, **changes) -> str:
    """The issued pass's claims with some changed (None: left out), genuinely signed by the
    current key: only the issuer can make these, yet they break the contract."""
    with app.app_context():
        claims = crypto.verify(issued.token, keys.verification_keys(), check_time=False,
                               deflate=True)
        claims = {name: value for name, value in (claims | changes).items() if value is not None}
        key = keys.signing_key()
        return to_qr_text(crypto.sign(claims, keys.private_key(key), key.kid, deflate=True))


@pytest.mark.parametrize("changes", [
    {"jti": 450500000001},  # crypto.peek drops a jti that is not a string
    {"i": None},  # the registry holds the number: checked against its row's key
    {"p": 12345},
    {"o": 4505021},
], ids=["numeric-jti", "no-id-digits", "numeric-plate", "county-7-digits"])
def test_genuinely_signed_malformed_claims_are_malformed_not_not_found(app, verify, make_pass,
                                                                       changes):
    issued = make_pass()
    if "jti" in changes:
        changes = {"jti": int(issued.number)}
    response = verify(_resigned(app, issued, **changes))
    assert (response.json["verdict"], codes(response)) == ("deny", ["malformed"])
    assert only_scan(app).pass_number is None


def test_forged_malformed_claims_are_a_bad_signature_not_malformed(app, verify, make_pass):
    """The signature is checked before the claims: a forgery is never excused as malformed."""
    issued = make_pass()
    forged = crypto.sign({"jti": int(issued.number)}, crypto.generate_private_key(), issued.kid,
                         deflate=True)
    response = verify(to_qr_text(forged))
    assert codes(response) == ["bad_signature"]
