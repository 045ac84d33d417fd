"""Realistic pass applications for the pass tests: Beihai routes, valid IDs, fresh tests."""
import copy
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from core.validators import resident_id_check_char

CST = timezone(timedelta(hours=8))


def resident_id(serial: int = 123, area: str = "450502", born: str = "19850312") -> str:
    """A valid 18-character resident ID number (GB 11643 check character)."""
    first17 = f"{area}{born}{serial:03d}"
    return first17 + resident_id_check_char(first17)


def starts() -> datetime:
    """The start of a window an hour from now, to the second, in Beijing time."""
    return (datetime.now(CST) + timedelta(hours=1)).replace(microsecond=0)


def holder(serial: int = 123, name: str = "张三明", sampled_at: datetime | None = None) -> dict:
    sampled_at = sampled_at or starts() - timedelta(hours=8)
    return {"name": name, "id_number": resident_id(serial), "phone": "13800000000",
            "health_code": "green",
            "test": {"result": "negative", "sampled_at": sampled_at.isoformat()}}


def vehicle(plate: str = "桂E12345", serial: int = 123, days: int = 7, **overrides) -> dict:
    start = starts()
    driver = holder(serial, sampled_at=start - timedelta(hours=8))
    data = {"kind": "vehicle", "plate": plate, "driver": driver, "cargo": "daily",
            "origin": "450502", "destination": "450521", "valid_from": start.isoformat(),
            "valid_until": (start + timedelta(days=days)).isoformat()}
    return data | overrides


def personnel(serial: int = 456, **overrides) -> dict:
    start = starts()
    person = holder(serial, name="欧阳小明", sampled_at=start - timedelta(hours=8))
    data = {"kind": "personnel", "person": person,
            "origin": "450503", "destination": "450502", "valid_from": start.isoformat(),
            "valid_until": (start + timedelta(days=7)).isoformat()}
    return data | overrides


def with_value(data: dict, path: str, value) -> dict:
    """A copy with the value at a dotted path replaced (or removed, for value=DELETE)."""
    result = copy.deepcopy(data)
    *parents, last = path.split(".")
    target = result
    for name in parents:
        target = target[name]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return result


DELETE = object()


def clerk_actor(enterprise_id: int, username: str = "clerk") -> SimpleNamespace:
    """Stands in for a signed-in enterprise clerk when a test calls the service directly."""
    return SimpleNamespace(username=username, role="enterprise", enterprise_id=enterprise_id)


def make_clerk(make_user, make_enterprise, token_for, **enterprise) -> SimpleNamespace:
    """An enterprise (approved and green unless told) with a clerk and their bearer headers."""
    firm = make_enterprise(**enterprise)
    user = make_user("enterprise", enterprise=firm.code)
    return SimpleNamespace(user=user, enterprise=firm, headers=token_for(user),
                           actor=clerk_actor(firm.id, user.username))
