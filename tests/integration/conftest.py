"""Fixtures for the checkpoint tests: checkpoints, an officer, and passes in any state.

Passes are written straight into the registry and signed with passtokens.tokens.sign_pass, so
tests can make passes the application rules would refuse (expired, an old test...).
"""
import secrets
from datetime import timedelta
from itertools import count
from types import SimpleNamespace

import pytest

from checkpoints.inputs import NewCheckpoint
from checkpoints.service import create_checkpoint
from core.db import db, utcnow
from core.validators import resident_id_check_char
from passes.models import Pass
from passtokens.qr import to_qr_text
from passtokens.tokens import sign_pass
from people.models import EnterprisePerson, Person
from tests.integration.pass_data import make_clerk
from tests.integration.webhook_receiver import (  # noqa: F401 - fixtures
    certificate,
    dns,
    receiver,
    webhook_settings,
)
from whitelist.models import Category, Enterprise

_serials = count(1)
CHECKPOINTS = {
    "CP-HAICHENG": {"name": "海城区卡口", "kind": "highway_exit", "area": "450502"},
    "CP-HEPU": {"name": "合浦中转站", "kind": "transfer_station", "area": "450521"},
    "CP-YINHAI": {"name": "银海区园区", "kind": "park_gate", "area": "450503"},
}


class _Admin:
    username = "fixture"
    role = "admin"
    enterprise_id = None


@pytest.fixture
def checkpoints(app):
    """Three checkpoints in three counties of Beihai, by code."""
    with app.app_context():
        for code, fields in CHECKPOINTS.items():
            create_checkpoint(NewCheckpoint(code=code, **fields), _Admin())
    return list(CHECKPOINTS)


@pytest.fixture
def officer(make_user, checkpoints):
    """An officer at CP-HAICHENG and CP-HEPU, not CP-YINHAI."""
    return make_user("officer", checkpoints=["CP-HAICHENG", "CP-HEPU"])


@pytest.fixture
def officer_headers(officer, token_for):
    return token_for(officer)


@pytest.fixture
def clerk(make_user, make_enterprise, token_for):
    """A clerk of a white-listed green enterprise, with an API token (pass_data.make_clerk)."""
    return make_clerk(make_user, make_enterprise, token_for)


@pytest.fixture
def admin_headers(make_user, token_for):
    return token_for(make_user("admin"))


@pytest.fixture
def make_pass(app, make_enterprise):
    """Issue a pass straight into the registry; hours are relative to now."""

    def make(enterprise=None, *, kind="vehicle", plate="桂E12345", health_code="green",
             holder_test_age_h=12, signed_test_age_h=None, valid_from_h=-24,
             valid_until_h=144, revoked=False, cargo="daily", test_result="negative",
             via=(), handed_over=False):
        enterprise = enterprise or make_enterprise()
        now = utcnow()
        with app.app_context():
            person = Person(name="张三明", id_number=_id_number(), phone="13800000000",
                            health_code=health_code, health_code_at=now,
                            test_result=test_result,
                            test_sampled_at=now - timedelta(hours=holder_test_age_h))
            db.session.add(EnterprisePerson(enterprise_id=enterprise.id, person=person))
            signed_age = holder_test_age_h if signed_test_age_h is None else signed_test_age_h
            vehicle = kind == "vehicle"
            pass_ = Pass(
                number=f"450500{next(_serials):06d}", kind=kind, person=person,
                enterprise=db.session.get(Enterprise, enterprise.id),
                plate=plate if vehicle else None, cargo=cargo if vehicle else None,
                origin="450502", destination="450521", via=list(via),
                valid_from=now + timedelta(hours=valid_from_h),
                valid_until=now + timedelta(hours=valid_until_h),
                holder_name="张*明", id_last4=person.id_number[-4:],
                test_sampled_at=now - timedelta(hours=signed_age),
                holder_secret=secrets.token_urlsafe(32), created_by="fixture",
                revoked_at=now if revoked else None,
                handed_over_at=now if handed_over else None)
            position = db.session.get(Category, cargo).position if vehicle else None
            sign_pass(pass_, position)
            db.session.add(pass_)
            db.session.commit()
            return SimpleNamespace(number=pass_.number, token=pass_.token, kid=pass_.kid,
                                   qr_text=to_qr_text(pass_.token), person_id=person.id,
                                   enterprise_code=pass_.enterprise.code)

    return make


def _id_number() -> str:
    first17 = f"45050219800101{next(_serials) % 1000:03d}"
    return first17 + resident_id_check_char(first17)
