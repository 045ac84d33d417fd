"""Schemathesis against core/openapi.json: no operation answers 5xx, whatever the role or input.

Every documented operation is fuzzed in-process (WSGI) by each role the document lets in: with
data that fits its schema, with data that does not, and with the path naming real records (an
enterprise, a pass, a person) so the calls reach past "not found". Answers must be documented
status codes with bodies that match the document. SQLite only: the contract does not depend
on the database, and the integration suite runs both.
"""
from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from accounts.service import find_user, issue_token
from app import create_app
from checkpoints.inputs import NewCheckpoint
from checkpoints.service import create_checkpoint
from checkpoints.staffing import create_account, read_staff_account
from core.db import db, utcnow
from core.openapi import DOCUMENT
from passes.application import read_application
from passes.service import applicant, apply_for_pass
from tests.conftest import PASSWORD, make_uscc
from tests.integration.pass_data import vehicle
from whitelist import service as whitelist
from whitelist.inputs import read_registration

SCHEMA = schemathesis.openapi.from_path(DOCUMENT)
# Each call carries a live token of its role; generated (or negated) Authorization headers
# would only test the 401 path, which test_access.py covers.
SCHEMA.config.generation.update(with_security_parameters=False)
CHECKS = [schemathesis.checks.not_a_server_error,
          schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance,
          schemathesis.checks.response_schema_conformance]
# Revoking logs out the very token the request carries: give each such call its own.
SELF_REVOKING = {"POST /api/v1/auth/revoke"}
# Path parameters the fixture can fill with a real record's key.
KNOWN = {"code", "number", "person_id"}
MODES = {"valid": GenerationMode.POSITIVE, "invalid": GenerationMode.NEGATIVE,
         "known": GenerationMode.POSITIVE}
# Fixed seed, no example database, no shrinking (Schemathesis reports the failing call as
# curl): the same calls on every run, in bounded time.
fuzz_settings = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.filter_too_much])


def _can_be_invalid(parameter) -> bool:
    """A free-text path segment has no invalid value to generate: any string is one."""
    schema = parameter.definition.get("schema", {})
    return parameter.location != "path" or set(schema) - {"type"} or schema.get("type") != "string"


def fuzz_targets() -> list:
    """(operation, role, mode) for every role the document lets in. Other roles' refusals
    are test_access.py's business."""
    targets = []
    for result in SCHEMA.get_all_operations():
        operation = result.ok()
        parameters = [p for p in operation.iter_parameters() if p.name != "Authorization"]
        modes = ["valid"]
        if operation.body or any(_can_be_invalid(p) for p in parameters):
            modes.append("invalid")
        path_names = {p.name for p in parameters if p.location == "path"}
        if path_names and path_names <= KNOWN:
            modes.append("known")
        targets += [pytest.param(operation.label, role, mode,
                                 id=f"{operation.label}-{role}-{mode}")
                    for role in operation.definition.raw["x-roles"] for mode in modes]
    return targets


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """One app for the whole module: an admin, an approved enterprise's clerk with a pass,
    a pending enterprise for the admin to decide on, and an officer at a checkpoint."""
    folder = tmp_path_factory.mktemp("fuzz")
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'fuzz.sqlite3'}",
        "INSTANCE_PATH": str(folder / "instance"),
        "SECRET_KEY": "fuzz-secret",
        "KEY_ENCRYPTION_SECRET": "fuzz-key-secret",
        "SERVER_NAME": "passes.test",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with app.app_context():
        db.create_all()
        whitelist.ensure_reference_data()
        app.extensions["fuzz_known"] = _make_records()
    yield app
    with app.app_context():
        db.engine.dispose()


def _make_records() -> dict:
    """Accounts of every role and the records whose keys the "known" mode puts in paths."""
    admin = SimpleNamespace(username="fuzz-admin", role="admin", enterprise_id=None)
    codes = []
    for name in ("模糊测试物流有限公司", "待审核物流有限公司"):
        codes.append(whitelist.register_enterprise(
            read_registration({"code": make_uscc(), "name": name,
                               "categories": ["daily", "production"], "contact_name": "李经理",
                               "contact_phone": "13800000000", "address": "广西北海市海城区"}),
            admin).code)
    whitelist.approve(codes[0], admin)
    create_checkpoint(NewCheckpoint(code="CP-FUZZ", name="模糊卡口", kind="park_gate",
                                    area="450502"), admin)
    for role, extra in (("admin", {}), ("enterprise", {"enterprise": codes[0]}),
                        ("officer", {"checkpoints": ["CP-FUZZ"]})):
        account = {"role": role, "username": f"fuzz-{role}", "password": PASSWORD} | extra
        create_account(read_staff_account(account), "fixture")
    clerk = find_user("fuzz-enterprise")
    pass_ = apply_for_pass(read_application(vehicle(), applicant(clerk), utcnow()), clerk)
    return {"admin": {"code": codes[1], "number": pass_.number},
            "enterprise": {"code": codes[0], "number": pass_.number,
                           "person_id": pass_.person_id}}


def bearer(app, role: str) -> dict:
    """Fresh bearer headers for the role's account, minted by the service."""
    if role == "anonymous":
        return {}
    with app.app_context():
        return {"Authorization": f"Bearer {issue_token(find_user(f'fuzz-{role}'), 3600)}"}


@pytest.mark.parametrize(("label", "role", "mode"), fuzz_targets())
def test_operation_answers_as_documented_without_server_errors(fuzz_app, label, role, mode):
    operation = SCHEMA.find_operation_by_label(label)
    headers = bearer(fuzz_app, role)
    known = fuzz_app.extensions["fuzz_known"].get(role, {}) if mode == "known" else {}
    path = {p.name: known[p.name] for p in operation.path_parameters if p.name in known}

    @fuzz_settings
    @given(case=operation.as_strategy(generation_mode=MODES[mode], path_parameters=path))
    def call(case):
        sent = bearer(fuzz_app, role) if label in SELF_REVOKING else headers
        response = case.call_and_validate(app=fuzz_app, headers=sent, checks=CHECKS)
        # A live token must always get past authentication, or the fuzzing proves nothing.
        assert role == "anonymous" or response.status_code != 401, response.text

    call()
