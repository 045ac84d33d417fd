"""Checkpoint API: the registry of checkpoints, verifying passes, offline bundle and uploads."""
from flask import Blueprint, g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from checkpoints import bundle, service, uploads, verify
from checkpoints.inputs import read_new_checkpoint, read_scanned
from checkpoints.models import Checkpoint
from core.api import json_body
from core.auth import caller_required, role_required
from core.db import db, utcnow
from core.divisions import default_divisions
from core.i18n import in_language
from passes.standing import PassStatus

api = Blueprint("checkpoints_api", __name__, url_prefix="/api/v1")


def checkpoint_json(checkpoint: Checkpoint) -> dict:
    return {"code": checkpoint.code, "name": checkpoint.name, "kind": checkpoint.kind,
            "area": checkpoint.area, "latitude": checkpoint.latitude,
            "longitude": checkpoint.longitude, "active": checkpoint.active}


@api.post("/checkpoints")
@role_required("admin")
def create():
    checkpoint = service.create_checkpoint(read_new_checkpoint(json_body()), current_user)
    return jsonify(checkpoint_json(checkpoint)), 201


@api.get("/checkpoints")
@role_required("admin", "officer")
def list_all():
    if current_user.role == "officer":
        return jsonify([checkpoint_json(c) for c in current_user.checkpoints])
    return jsonify([checkpoint_json(c) for c in db.session.scalars(service.list_checkpoints())])


@api.post("/verify")
@caller_required("officer")
def verify_pass():
    result = verify.verify_request(read_scanned(json_body()), g.caller, utcnow())
    return jsonify(verdict_json(result))


@api.get("/offline-bundle")
@role_required("officer")
def offline_bundle():
    response = jsonify({"jws": bundle.offline_bundle()})
    response.cache_control.no_store = True
    return response


@api.post("/scans")
@role_required("officer")
def upload_scans():
    now = utcnow()
    scans = uploads.read_upload(json_body(), current_user, now)
    accepted, duplicates = uploads.upload_scans(scans, current_user, now)
    return jsonify({"accepted": accepted, "duplicates": duplicates})


def verdict_json(result: verify.Verdict) -> dict:
    pass_ = result.pass_
    return {
        "verdict": result.verdict,
        "reasons": [{"code": r.code, "message": str(r.message)} for r in result.reasons],
        "pass": pass_facts(pass_) if pass_ else None,
        "enterprise": enterprise_json(pass_) if pass_ else None,
        "scan_id": result.scan_id,
        # Beyond the contract: where the pass was seen when the scan looks like a copy, the
        # pass that replaced a renewed one, and the issuing city of another city's pass.
        "earlier_scan": {
            "checkpoint": result.earlier.checkpoint, "name": result.earlier.name,
            "area": result.earlier.area, "scanned_at": result.earlier.scanned_at.isoformat(),
            "distance_km": None if result.earlier.distance_km is None
            else round(result.earlier.distance_km, 1),
        } if result.earlier else None,
        "replaced_by": result.replaced_by,
        "issuer": {"area": pass_.issuer.area, "name": pass_.issuer.name}
        if pass_ and pass_.issuer else None,
    }


def enterprise_json(pass_: PassStatus) -> dict:
    """The enterprise; another city's pass names its issuing city, as its enterprises' names
    stay with that city."""
    if pass_.issuer:
        name = _("%(code)s, issued by %(city)s", code=pass_.enterprise_code,
                 city=pass_.issuer.name)
    else:
        name = pass_.enterprise_name
    return {"code": pass_.enterprise_code, "name": name, "colour": pass_.colour}


def pass_facts(pass_: PassStatus) -> dict:
    """What the officer compares with the vehicle and holder: masked as the pass signs it."""
    divisions = default_divisions()
    return {
        "number": pass_.number, "kind": pass_.kind, "plate": pass_.plate,
        "holder_name": pass_.holder_name, "id_last4": pass_.id_last4,
        "origin": pass_.origin, "origin_name": divisions.full_name(pass_.origin),
        "destination": pass_.destination,
        "destination_name": divisions.full_name(pass_.destination),
        "valid_from": pass_.valid_from.isoformat(), "valid_until": pass_.valid_until.isoformat(),
        "cargo": pass_.cargo,
        "cargo_name": in_language(pass_.cargo_name_zh, pass_.cargo_name_en),
        "crew": [{"name": member.name, "id_last4": member.id_last4} for member in pass_.crew],
    }
