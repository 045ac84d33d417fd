"""A demo city: Beihai's enterprises in each state and colour, checkpoints, accounts, passes."""
from datetime import timedelta

from sqlalchemy import select

from accounts.service import find_user
from checkpoints.inputs import read_new_checkpoint
from checkpoints.service import create_checkpoint
from checkpoints.staffing import create_account, read_staff_account
from core.access import Operator
from core.db import db, utcnow
from core.unit_of_work import unit_of_work
from core.validators import resident_id_check_char, uscc_check_char
from passes.application import read_application
from passes.models import Pass
from passes.service import applicant, apply_for_pass, revoke_pass
from whitelist import service as whitelist
from whitelist.inputs import read_colour, read_registration

OPERATOR = "seed-demo"
PASSWORD = "demo-pass-2022"

# (first 17 characters of the credit code, name, categories, final state, colour, reason)
ENTERPRISES = [
    ("91450500MA5KA1001", "北海港通物流有限公司", ["daily", "production"], "approved", "green",
     None),
    ("91450500MA5KB2002", "北海鲜达冷链配送有限公司", ["daily", "agri"], "approved", "yellow",
     "员工密接，闭环运营"),
    ("91450503MA5KC3003", "银海医药供应链有限公司", ["medical"], "approved", "red",
     "厂区发现阳性病例，停产"),
    ("91450521MA5KD4004", "合浦能源储运有限公司", ["energy"], "pending", None, None),
    ("91450512MA5KE5005", "铁山港快递服务有限公司", ["postal", "trade"], "suspended", "green",
     "资质材料过期，暂停"),
]

# (clerk, kind, plate, holder name, first 17 ID digits, cargo, origin, destination, revoke reason)
PASSES = [
    ("clerk", "vehicle", "桂E12345", "张三明", "45050219850312123", "daily", "450502", "450521",
     None),
    ("clerk", "vehicle", "桂ED52088", "李建国", "45052119790708231", "production", "450512",
     "450502", None),
    ("clerk", "vehicle", "桂E7K391", "王小红", "45050319910215342", "daily", "450503", "450521",
     "车辆故障，改派其他车辆"),
    ("clerk", "personnel", None, "欧阳小明", "45050219880901456", None, "450503", "450502", None),
    ("clerk2", "vehicle", "桂E36201", "陈伟", "45052119830417517", "agri", "450521", "450502",
     None),
]
DEMO_HOLDER_PLATE = "桂E12345"

CHECKPOINTS = [
    {"code": "BH-G75-EXIT", "name": "兰海高速北海出口", "kind": "highway_exit", "area": "450502"},
    {"code": "BH-TSG-GATE", "name": "铁山港工业园区卡口", "kind": "park_gate", "area": "450512"},
    {"code": "BH-HP-TRANS", "name": "合浦重点物资中转站", "kind": "transfer_station",
     "area": "450521"},
]


def seed(base_url: str) -> list[str]:
    """Create the demo data once; return the lines to print, with links under `base_url`."""
    whitelist.ensure_reference_data()
    if find_user("admin") is None:
        _seed_city()
    base_url = base_url.rstrip("/")
    checkpoints = ", ".join(checkpoint["code"] for checkpoint in CHECKPOINTS)
    return [
        f"sign in at {base_url}/login",
        f"demo accounts (password {PASSWORD}):",
        "  admin      authority: white list, colours, checkpoints, audit log",
        "  clerk      enterprise clerk of 北海港通物流有限公司 (green)",
        "  clerk2     enterprise clerk of 北海鲜达冷链配送有限公司 (yellow)",
        "  newclerk   enterprise clerk with no enterprise yet (can register one)",
        f"  officer    checkpoint officer at {checkpoints}",
        *_holder_line(base_url),
    ]


@unit_of_work()  # the whole demo city, or nothing of it
def _seed_city() -> None:
    actor = Operator(OPERATOR)  # the authority, when the seed acts through the services
    codes = []
    for prefix, name, categories, state, colour, reason in ENTERPRISES:
        code = prefix + uscc_check_char(prefix)
        codes.append(code)
        whitelist.register_enterprise(
            read_registration({"code": code, "name": name, "categories": categories,
                               "contact_name": "王经理", "contact_phone": "13907790000",
                               "address": f"广西北海市{name[:2]}"}), actor)
        if state in ("approved", "suspended"):
            whitelist.approve(code, actor)
        if colour not in (None, "green"):
            whitelist.set_colour(code, read_colour({"colour": colour, "reason": reason}), actor)
        if state == "suspended":
            whitelist.suspend(code, reason, actor)
    for checkpoint in CHECKPOINTS:
        create_checkpoint(read_new_checkpoint(checkpoint), actor)
    accounts: list[dict[str, object]] = [
        {"username": "admin", "role": "admin"},
        {"username": "clerk", "role": "enterprise", "enterprise": codes[0]},
        {"username": "clerk2", "role": "enterprise", "enterprise": codes[1]},
        {"username": "newclerk", "role": "enterprise"},
        # Every checkpoint, the transfer station included: every journey can be tried.
        {"username": "officer", "role": "officer",
         "checkpoints": [checkpoint["code"] for checkpoint in CHECKPOINTS]},
    ]
    for account in accounts:
        create_account(read_staff_account(account | {"password": PASSWORD}), OPERATOR)
    _seed_passes()


def _seed_passes() -> None:
    """Passes valid from an hour ago for a week, each holder tested 8 hours before."""
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    for username, kind, plate, name, id17, cargo, origin, destination, revoked in PASSES:
        holder = {"name": name, "id_number": id17 + resident_id_check_char(id17),
                  "phone": "13907790000", "health_code": "green",
                  "test": {"result": "negative",
                           "sampled_at": (start - timedelta(hours=8)).isoformat()}}
        data: dict[str, object] = {"kind": kind, "origin": origin, "destination": destination,
                "valid_from": start.isoformat(),
                "valid_until": (start + timedelta(days=7)).isoformat()}
        if kind == "vehicle":
            data |= {"plate": plate, "cargo": cargo, "driver": holder}
        else:
            data["person"] = holder
        clerk = find_user(username)
        assert clerk is not None  # seeded above
        pass_ = apply_for_pass(read_application(data, applicant(clerk), utcnow()), clerk)
        if revoked:
            revoke_pass(pass_.number, revoked, clerk)


def _holder_line(base_url: str) -> list[str]:
    secret = db.session.scalar(select(Pass.holder_secret).where(
        Pass.plate == DEMO_HOLDER_PLATE, Pass.revoked_at.is_(None)).limit(1))
    if secret is None:
        return []
    return [f"holder page of {DEMO_HOLDER_PLATE} (clerk's pass): {base_url}/h/{secret}"]

