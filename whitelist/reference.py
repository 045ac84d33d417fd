"""Reference data seeded into every deployment; admins may edit the rows afterwards."""
from typing import TypedDict


class CategoryRow(TypedDict):
    code: str
    position: int
    name_zh: str
    name_en: str


class ColourPolicyRow(TypedDict):
    colour: str
    verdict: str
    reason_code: str | None
    action_zh: str
    action_en: str


# Order matters: `position` is the integer a signed pass carries for its cargo.
CATEGORIES: list[CategoryRow] = [
    {"code": "production", "position": 1, "name_zh": "生产物资", "name_en": "Production materials"},
    {"code": "daily", "position": 2, "name_zh": "生活物资", "name_en": "Daily necessities"},
    {"code": "medical", "position": 3, "name_zh": "医疗防疫物资", "name_en": "Medical supplies"},
    {"code": "energy", "position": 4, "name_zh": "能源物资", "name_en": "Energy"},
    {"code": "agri", "position": 5, "name_zh": "农业物资", "name_en": "Agricultural goods"},
    {"code": "postal", "position": 6, "name_zh": "邮政快递", "name_en": "Post and express"},
    {"code": "trade", "position": 7, "name_zh": "进出口物资", "name_en": "Import and export goods"},
]

COLOUR_POLICY: list[ColourPolicyRow] = [
    {"colour": "green", "verdict": "pass", "reason_code": None,
     "action_zh": "正常生产运输，核验通过即放行",
     "action_en": "Normal production and shipping: release on a valid pass"},
    {"colour": "yellow", "verdict": "check", "reason_code": "enterprise_yellow",
     "action_zh": "限制运营：确认闭环点对点运输、司乘不下车、专人押运",
     "action_en": "Restricted: confirm sealed point-to-point transport, crew stays in the cab, "
                  "escorted delivery"},
    {"colour": "red", "verdict": "deny", "reason_code": "enterprise_red",
     "action_zh": "停产停运：通行证不予认可，按防疫规定处置",
     "action_en": "Production halted: the pass is not honoured; handle under the health rules"},
]

FIRST_APPROVAL_REASON = "列入白名单"
