"""White-list JSON API (shared/CONTRACT.md)."""
from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user

from core.api import json_body, page_args
from core.auth import role_required
from core.db import db
from whitelist import licence, service
from whitelist.inputs import read_colour, read_registration
from whitelist.models import Enterprise

api = Blueprint("whitelist_api", __name__, url_prefix="/api/v1")


def enterprise_json(enterprise: Enterprise) -> dict:
    return {
        "code": enterprise.code,
        "name": enterprise.name,
        "address": enterprise.address,
        "contact_name": enterprise.contact_name,
        "contact_phone": enterprise.contact_phone,
        "categories": enterprise.category_codes,
        "state": enterprise.state,
        "state_reason": enterprise.state_reason,
        "colour": enterprise.colour,
        "colour_history": [
            {"from": c.from_colour, "to": c.to_colour, "reason": c.reason, "by": c.by,
             "at": c.at.isoformat()}
            for c in enterprise.colour_history
        ],
        "created_at": enterprise.created_at.isoformat(),
        "licence": licence.summary(licence.licence_of(enterprise)),
    }


def _created(enterprise: Enterprise):
    location = url_for(".get_enterprise", code=enterprise.code, _external=True)
    return jsonify(enterprise_json(enterprise)), 201, {"Location": location}


@api.post("/enterprises")
@role_required("admin", "enterprise")
def register_enterprise():
    return _created(service.register_enterprise(read_registration(json_body()), current_user))


@api.get("/enterprises")
@role_required("admin")
def list_enterprises():
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    statement = service.list_enterprises(state=request.args.get("state"),
                                         colour=request.args.get("colour"),
                                         query=request.args.get("q"))
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    return jsonify(items=[enterprise_json(e) for e in result.items], page=page,
                   per_page=per_page, total=result.total)


@api.get("/enterprises/<code>")
@role_required("admin", "enterprise")
def get_enterprise(code: str):
    return jsonify(enterprise_json(service.get_enterprise(code, current_user)))


@api.post("/enterprises/<code>/approve")
@role_required("admin")
def approve(code: str):
    reason = _optional_body().get("reason")
    return jsonify(enterprise_json(service.approve(code, current_user, reason)))


@api.post("/enterprises/<code>/<any(reject, suspend, reinstate):action>")
@role_required("admin")
def change_state(code: str, action: str):
    change = getattr(service, action)
    return jsonify(enterprise_json(change(code, json_body().get("reason"), current_user)))


@api.put("/enterprises/<code>/colour")
@role_required("admin")
def set_colour(code: str):
    enterprise = service.set_colour(code, read_colour(json_body()), current_user)
    return jsonify(enterprise_json(enterprise))


@api.get("/categories")
@role_required("admin", "enterprise", "officer")
def categories():
    return jsonify([{"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en}
                    for c in service.categories()])


def _optional_body() -> dict:
    return json_body() if request.content_length else {}
