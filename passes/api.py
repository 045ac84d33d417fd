"""Pass and people JSON API (shared/CONTRACT.md)."""
from datetime import datetime

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user

from core.api import json_body, page_args
from core.auth import role_required
from core.db import db, utcnow
from passes import renewal, service
from passes.admission import one_issue_at_a_time
from passes.application import read_application
from passes.models import Pass, Person
from passes.responses import png_response
from passes.standing import standing
from passes.verdicts import registry_view
from passtokens import tokens
from people import roster as people
from people.inputs import read_health_update

api = Blueprint("passes_api", __name__, url_prefix="/api/v1")


def pass_json(pass_: Pass, now: datetime) -> dict:
    """The pass as the API shows it; the first seven keys are the issuance result.

    Its crew and checkpoint verdict come from the registry's one read of the pass
    (passes.standing), as a list page's verdicts do: the registry's own token needs no second
    check of its signature, and a pass just issued, expired by its commit, is not reloaded
    piece by piece (bench/RESULTS.md, issue 17)."""
    registry = standing(pass_.number, now)
    assert registry is not None  # the pass was read from the registry, or committed to it
    return {
        "number": pass_.number,
        "qr_text": tokens.qr_text(pass_),
        "qr_png_url": url_for("passes_api.qr_png", number=pass_.number, _external=True),
        "holder_url": url_for("holder.page", secret=pass_.holder_secret, _external=True),
        "status": pass_.status(now),
        "valid_from": pass_.valid_from.isoformat(),
        "valid_until": pass_.valid_until.isoformat(),
        "kind": pass_.kind,
        "enterprise": {"code": pass_.enterprise.code, "name": pass_.enterprise.name},
        "plate": pass_.plate,
        "holder": {"name": pass_.holder_name, "id_last4": pass_.id_last4,
                   "test_lapsed": pass_.person.test_lapsed_at(now)},
        "cargo": pass_.cargo,
        "origin": pass_.origin,
        "destination": pass_.destination,
        "test_sampled_at": pass_.test_sampled_at.isoformat(),
        "kid": pass_.kid,
        "created_at": pass_.created_at.isoformat(),
        "revoked": None if pass_.revoked_at is None else {
            "at": pass_.revoked_at.isoformat(), "reason": pass_.revoked_reason,
            "by": pass_.revoked_by},
        "renewed_from": pass_.renewed_from.number if pass_.renewed_from else None,
        "via": list(pass_.via or ()),
        "crew": [{"name": seat.name, "id_last4": seat.id_last4} for seat in registry.crew],
        "handed_over_at": pass_.handed_over_at.isoformat() if pass_.handed_over_at else None,
        "checkpoint_verdict": registry_view(registry, now).as_json(),
    }


def person_json(person: Person, now: datetime) -> dict:
    return {
        "id": person.id, "name": person.name, "id_number": person.id_number,
        "phone": person.phone, "health_code": person.health_code,
        "test": None if person.test_sampled_at is None else {
            "result": person.test_result, "sampled_at": person.test_sampled_at.isoformat()},
        "test_lapsed": person.test_lapsed_at(now), "cleared": person.cleared_at(now),
        "whitelisted": person.whitelisted,
        "delisted_at": person.delisted_at.isoformat() if person.delisted_at else None,
    }


def _created(pass_: Pass):
    body = pass_json(pass_, utcnow())
    return jsonify(body), 201, {"Location": url_for(".get_pass", number=pass_.number,
                                                    _external=True)}


@api.post("/passes")
@role_required("enterprise")
@one_issue_at_a_time
def apply_for_pass():
    application = read_application(json_body(), service.applicant(current_user), utcnow())
    return _created(service.apply_for_pass(application, current_user))


@api.get("/passes")
@role_required("admin", "enterprise")
def list_passes():
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    statement = service.list_passes(current_user, status=request.args.get("status"),
                                    kind=request.args.get("kind"), query=request.args.get("q"),
                                    enterprise=request.args.get("enterprise"))
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    now = utcnow()
    return jsonify(items=[pass_json(p, now) for p in result.items], page=page,
                   per_page=per_page, total=result.total)


@api.get("/passes/<number>")
@role_required("admin", "enterprise")
def get_pass(number: str):
    return jsonify(pass_json(service.get_pass(number, current_user), utcnow()))


@api.get("/passes/<number>/qr.png")
@role_required("admin", "enterprise")
def qr_png(number: str):
    return png_response(service.qr_png_of(number, current_user), number)


@api.post("/passes/<number>/revoke")
@role_required("admin", "enterprise")
def revoke_pass(number: str):
    pass_ = service.revoke_pass(number, json_body().get("reason"), current_user)
    return jsonify(pass_json(pass_, utcnow()))


@api.post("/passes/<number>/renew")
@role_required("enterprise")
@one_issue_at_a_time
def renew_pass(number: str):
    renewed = renewal.read_renewal(number, json_body(), current_user, utcnow())
    return _created(renewal.renew_pass(renewed, current_user))


@api.get("/people")
@role_required("enterprise")
def list_people():
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    statement = people.list_people(current_user, query=request.args.get("q"),
                                    lapsed=request.args.get("lapsed") == "true")
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    now = utcnow()
    return jsonify(items=[person_json(p, now) for p in result.items], page=page,
                   per_page=per_page, total=result.total)


@api.get("/people/<int:person_id>")
@role_required("enterprise")
def get_person(person_id: int):
    return jsonify(person_json(people.get_person(person_id, current_user), utcnow()))


@api.put("/people/<int:person_id>/health")
@role_required("enterprise")
def update_person_health(person_id: int):
    person, now = people.get_person(person_id, current_user), utcnow()
    people.update_person_health(person, read_health_update(json_body(), now), current_user, now)
    return jsonify(person_json(person, now))
