"""read_application on any JSON body: a valid application or a named refusal, nothing else."""
import contextlib
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import create_app
from core.db import db
from core.errors import DomainError
from passes.application import Application, read_application
from tests.conftest import _Admin, make_uscc
from tests.integration.pass_data import CST, resident_id, with_value
from whitelist import service as whitelist
from whitelist.inputs import read_registration
from whitelist.models import Enterprise

NOW = datetime(2022, 7, 20, 8, 0, tzinfo=CST)
START = NOW + timedelta(hours=1)
properties = settings(max_examples=150, deadline=None, derandomize=True, database=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=8,
)
offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
# Times anywhere in the calendar, with any offset: the edges are where arithmetic overflows.
any_time = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),
                        timezones=offsets).map(datetime.isoformat)
near_time = st.integers(-72 * 3600, 20 * 24 * 3600).map(
    lambda seconds: (START + timedelta(seconds=seconds)).isoformat())


def holder() -> dict:
    return {"name": "张三明", "id_number": resident_id(), "phone": "13800000000",
            "health_code": "green",
            "test": {"result": "negative", "sampled_at": (START - timedelta(hours=8)).isoformat()}}


VEHICLE = {"kind": "vehicle", "plate": "桂E12345", "driver": holder(), "cargo": "daily",
           "origin": "450502", "destination": "450521", "valid_from": START.isoformat(),
           "valid_until": (START + timedelta(days=7)).isoformat()}
PERSONNEL = {key: value for key, value in VEHICLE.items()
             if key not in ("plate", "driver", "cargo")} | {"kind": "personnel",
                                                           "person": holder()}
PATHS = ["kind", "plate", "cargo", "origin", "destination", "valid_from", "valid_until",
         "driver", "driver.name", "driver.id_number", "driver.phone", "driver.health_code",
         "driver.test", "driver.test.result", "driver.test.sampled_at", "person"]
TIME_PATHS = ["valid_from", "valid_until", "driver.test.sampled_at"]


@st.composite
def mangled_applications(draw):
    """A good application with a few fields replaced by anything, or by odd times."""
    data = draw(st.sampled_from([VEHICLE, PERSONNEL]))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS + TIME_PATHS))
        if path.startswith("driver") and data["kind"] == "personnel":
            path = path.replace("driver", "person", 1)
        value = draw(any_time | near_time if path.endswith(("valid_from", "valid_until",
                                                             "sampled_at")) else json_values)
        with contextlib.suppress(KeyError, TypeError):  # a parent was replaced earlier
            data = with_value(data, path, value)
    return data


@pytest.fixture(scope="module")
def app_and_enterprise(tmp_path_factory):
    """One app and one approved enterprise for all examples: reading stores nothing."""
    folder = tmp_path_factory.mktemp("application")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/db.sqlite3",
                      "INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "x",
                      "KEY_ENCRYPTION_SECRET": "x"})
    with app.app_context():
        db.create_all()
        whitelist.ensure_reference_data()
        code = whitelist.register_enterprise(
            read_registration({"code": make_uscc(), "name": "性质测试物流有限公司",
                               "categories": ["daily"], "contact_name": "李经理",
                               "contact_phone": "13800000000", "address": "广西北海市海城区"}),
            _Admin()).code
        whitelist.approve(code, _Admin())
    yield app, code
    with app.app_context():
        db.engine.dispose()


def read(app_and_enterprise, data) -> Application | None:
    app, code = app_and_enterprise
    with app.app_context():
        enterprise = db.session.scalar(db.select(Enterprise).filter_by(code=code))
        try:
            return read_application(data, enterprise, NOW)
        except DomainError:
            return None


def test_the_good_applications_are_read(app_and_enterprise):
    assert read(app_and_enterprise, VEHICLE).plate == "桂E12345"
    assert read(app_and_enterprise, PERSONNEL).holder.name == "张三明"


@properties
@given(body=json_values | st.dictionaries(st.sampled_from(PATHS) | st.text(max_size=5),
                                          json_values, max_size=8))
def test_any_json_body_is_read_or_refused(app_and_enterprise, body):
    read(app_and_enterprise, body)


@properties
@given(body=mangled_applications())
def test_nearly_right_applications_are_read_or_refused_by_the_rules(app_and_enterprise, body):
    application = read(app_and_enterprise, body)
    if application is None:
        return
    assert NOW < application.valid_until <= application.valid_from + timedelta(days=15)
    assert application.valid_from < application.valid_until
    assert application.holder.test_sampled_at <= NOW + timedelta(minutes=5)
    assert application.valid_from - application.holder.test_sampled_at <= timedelta(hours=48)
    assert application.holder.health_code == "green"
    assert application.holder.test_result == "negative"
