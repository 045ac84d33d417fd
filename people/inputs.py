"""A person's new health status, read from the request body into a typed value."""
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.validation import Fields
from passes.application import read_test
from people.models import HEALTH_CODES


@dataclass(frozen=True)
class HealthUpdate:
    health_code: str
    test_result: str
    test_sampled_at: datetime


def read_health_update(data: Mapping, now: datetime) -> HealthUpdate:
    """A health code and a test, whose sample time may not be in the future."""
    fields = Fields(data)
    health_code = fields.choice("health_code", HEALTH_CODES)
    result, sampled_at = read_test(fields.nested("test"), now)
    fields.raise_if_invalid()
    assert health_code and result and sampled_at  # required, and nothing was refused
    return HealthUpdate(health_code=health_code, test_result=result, test_sampled_at=sampled_at)
