"""Bulk applications, row by row: each spreadsheet row becomes the API's JSON application and
is checked by the very rules of POST /api/v1/passes (passes.application.read_application)."""
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from bulk.files import COLUMNS, OPTIONAL_COLUMNS, Row, column_name
from bulk.models import CheckedRow
from core.errors import Message, ValidationFailed
from core.i18n import local_zone
from core.validators import normalize_plate, resident_id_check_char
from passes.application import Application, read_application
from passes.forms import county_codes
from passes.plates import PlateTaken, ensure_plate_free
from whitelist.models import Category, Enterprise
from whitelist.service import categories

KINDS = {"车辆": "vehicle", "车辆通行证": "vehicle", "人员": "personnel",
         "人员通行证": "personnel", "保供人员": "personnel"}
HEALTH_CODES = {"绿": "green", "绿码": "green", "黄": "yellow", "黄码": "yellow",
                "红": "red", "红码": "red"}
TEST_RESULTS = {"阴性": "negative", "阳性": "positive"}
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
# An API field path (without driver./person.) -> the column that holds it.
PATH_COLUMNS = {"kind": "kind", "plate": "plate", "cargo": "cargo", "origin": "origin",
                "destination": "destination", "valid_from": "valid_from",
                "valid_until": "valid_until", "name": "name", "id_number": "id_number",
                "phone": "phone", "health_code": "health_code", "test": "sampled_at",
                "test.result": "test_result", "test.sampled_at": "sampled_at", "body": "kind",
                "via": "via"}
COLUMN_ORDER = {key: index for index, (key, _) in enumerate(COLUMNS + OPTIONAL_COLUMNS)}
BAD_TIME = _l("Not a date and time like 2022-07-20 08:00 (Beijing time).")


def to_application(cells: Row, category_codes: dict[str, str]
                   ) -> tuple[dict[str, object], dict[str, Message]]:
    """One row as the JSON body of POST /api/v1/passes, and the cells that could not be read."""
    errors: dict[str, Message] = {}
    kind = _coded(cells["kind"], KINDS)
    holder = {"name": cells["name"], "id_number": cells["id_number"], "phone": cells["phone"],
              "health_code": _coded(cells["health_code"], HEALTH_CODES),
              "test": {"result": _coded(cells["test_result"], TEST_RESULTS),
                       "sampled_at": _timestamp(cells, "sampled_at", errors)}}
    data: dict[str, object] = {"kind": kind, "person" if kind == "personnel" else "driver": holder,
            "origin": cells["origin"], "destination": cells["destination"],
            "valid_from": _timestamp(cells, "valid_from", errors),
            "valid_until": _timestamp(cells, "valid_until", errors, end_of_day=True)}
    if cells.get("via"):  # an optional column
        data["via"] = cells["via"]
    # A personnel row keeps a stray plate or cargo, so the API's rule refuses it by name.
    for key in ("plate", "cargo"):
        if kind != "personnel" or cells[key] is not None:
            data[key] = cells[key]
    if isinstance(cargo := data.get("cargo"), str):
        data["cargo"] = category_codes.get(cargo.lower(), cargo)
    errors |= county_codes(data)
    return data, errors


def _coded(value, names: dict[str, str]):
    if not isinstance(value, str):
        return value
    return names.get(value, value.lower())


def _timestamp(cells: Row, key: str, errors: dict[str, Message],
               end_of_day: bool = False) -> str | None:
    """Beijing time as ISO 8601 with its offset; a date alone is the start (or end) of day."""
    value = cells[key]
    if value is None:
        return None
    if isinstance(value, str):
        value = _parse_local(value)
    elif not isinstance(value, datetime) and isinstance(value, date):
        value = datetime.combine(value, time())
    if value is None:
        errors[key] = BAD_TIME
        return None
    if value.hour == value.minute == 0 and end_of_day and _date_only(cells[key]):
        value += timedelta(days=1, minutes=-1)
    return value.replace(tzinfo=local_zone()).isoformat()


def _parse_local(text: str) -> datetime | None:
    for pattern in TIME_FORMATS + DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _date_only(value) -> bool:
    if isinstance(value, str):
        return ":" not in value
    return not isinstance(value, datetime)


def check_rows(rows: list[tuple[int, Row]], enterprise: Enterprise,
               now: datetime) -> list[CheckedRow]:
    """Every row checked, with its errors as [[column, message]] in column order."""
    codes = category_names()
    checked: list[tuple[int, dict[str, object], dict[str, Message]]] = []
    for number, cells in rows:
        data, errors = to_application(cells, codes)
        try:
            application = read_application(data, enterprise, now)
        except ValidationFailed as refusal:
            for path, message in refusal.fields.items():
                errors.setdefault(_column(path), message)
        else:
            _flag_taken_plate(application, errors, now)
        checked.append((number, data, errors))
    _flag_duplicate_plates(checked)
    return [CheckedRow(row=number, data=data, errors=_in_column_order(errors),
                       fingerprint=fingerprint(data)) for number, data, errors in checked]


def _in_column_order(errors: dict[str, Message]) -> list[list[str]]:
    ordered = sorted(errors.items(), key=lambda item: COLUMN_ORDER[item[0]])
    return [[key, str(message)] for key, message in ordered]


def category_names() -> dict[str, str]:
    """生活物资, daily and Daily necessities all mean `daily`."""
    names = {}
    for category in categories():
        for name in (category.code, category.name_zh, category.name_en):
            names[name.lower()] = category.code
    return names


def _column(path: str) -> str:
    head, _, rest = path.partition(".")
    if head in ("driver", "person"):
        return PATH_COLUMNS.get(rest, "name")
    return PATH_COLUMNS.get(path, "kind")


def _flag_taken_plate(application: Application, errors: dict[str, Message],
                      now: datetime) -> None:
    """One vehicle, one pass, against the registry: a live pass already covers the window."""
    try:
        ensure_plate_free(application.plate, application.valid_from, application.valid_until,
                          now)
    except PlateTaken as taken:
        errors.setdefault("plate", taken.fields["plate"])


def _flag_duplicate_plates(
        checked: list[tuple[int, dict[str, object], dict[str, Message]]]) -> None:
    """One vehicle, one pass: a plate twice in a file is an error on each of its rows."""
    rows_by_plate: defaultdict[str, list[tuple[int, dict[str, Message]]]] = defaultdict(list)
    for number, data, errors in checked:
        plate = data.get("plate")
        if data["kind"] == "vehicle" and isinstance(plate, str) and plate.strip():
            rows_by_plate[normalize_plate(plate.strip())].append((number, errors))
    for plate, same in rows_by_plate.items():
        if len(same) < 2:
            continue
        numbers = ", ".join(str(number) for number, _ in same)
        for _, errors in same:
            errors.setdefault("plate", _l(
                "Plate %(plate)s appears on rows %(rows)s: one vehicle, one pass.",
                plate=plate, rows=numbers))


def fingerprint(data: Mapping[str, object]) -> str:
    """The same application, whichever file or row it comes from."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def report_rows(rows: Sequence[CheckedRow]) -> list[tuple[int, str, str]]:
    """(row number, Chinese column name, message) for every error, in file order."""
    return [(row["row"], column_name(key), message)
            for row in rows for key, message in row["errors"]]


def example_rows(enterprise: Enterprise | None, now: datetime) -> list[list[str]]:
    """One vehicle row that passes as it stands: a fresh test and a week from the next hour."""
    start = (now.astimezone(local_zone()) + timedelta(hours=1)).replace(minute=0, second=0,
                                                                        microsecond=0)
    cargo = enterprise.categories[0] if enterprise and enterprise.categories else None
    id17 = "45050219850312123"
    return [["车辆", "桂E12345", "张三明", id17 + resident_id_check_char(id17), "13800000000",
             "绿", "阴性", _local_text(start - timedelta(hours=6)),
             cargo.name_zh if cargo else "生活物资", "450502", "450521", _local_text(start),
             _local_text(start + timedelta(days=7))]]


def _local_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def template_notes(approved: list[Category], test_hours: int,
                   longest_days: int) -> list[tuple[str, str]]:
    """The template's instructions sheet (in Chinese, as its headers): what each column takes."""
    names = "、".join(f"{c.name_zh}({c.code})" for c in approved)
    return [("列", "填写说明"),
            ("通行证类型", "车辆 或 人员(保供人员通行证);也可填 vehicle / personnel"),
            ("车牌号", "车辆通行证必填,如 桂E12345;挂车填牵引车车牌;人员通行证留空"),
            ("身份证号", "18 位居民身份证号码"),
            ("健康码", "绿 / 黄 / 红(只有绿码可申请)"),
            ("核酸结果", "阴性 / 阳性(只有阴性可申请)"),
            ("采样时间", "北京时间,格式 2022-07-20 08:00;"
                      f"签发时和有效期起均在 {test_hours} 小时内"),
            ("物资类别", f"车辆通行证必填,本企业获批类别之一:{names}"),
            ("起点 / 终点", "6 位县级行政区划代码,或区县名称:如 440802、赤坎区、湛江市赤坎区;"
                           "重名的区县(如 朝阳区)须写上所属省市"),
            ("有效期起 / 至", f"北京时间,格式 2022-07-20 08:00;最长 {longest_days} 天"),
            ("限制", "每个文件最多 5000 行;同一车牌只能出现一次;不要使用公式")]
