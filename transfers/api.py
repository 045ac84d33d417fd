"""Handover API: the same handover as the officer's form, for handhelds."""
from flask import Blueprint, jsonify, url_for
from flask_login import current_user

from core.api import json_body
from core.auth import role_required
from core.db import utcnow
from transfers import service
from transfers.models import Handover

api = Blueprint("transfers_api", __name__, url_prefix="/api/v1")


def handover_json(handover: Handover) -> dict:
    return {
        "id": handover.id, "checkpoint": handover.checkpoint.code,
        "arriving_pass": handover.arriving_number, "arriving_verdict": handover.arriving_verdict,
        "relay_pass": handover.relay_number, "relay_plate": handover.relay_plate,
        "seals": handover.seals, "cargo": handover.cargo,
        "created_at": handover.created_at.isoformat(), "officer": handover.officer.username,
        "relay_holder_url": url_for("holder.page", secret=handover.relay_pass.holder_secret,
                                    _external=True),
        "sheet_url": url_for("transfers.print_sheet", handover_id=handover.id, _external=True),
    }


@api.post("/handovers")
@role_required("officer")
def create():
    now = utcnow()
    new = service.read_handover(json_body(), current_user, now)
    handover = service.create_handover(new, current_user, now)
    return jsonify(handover_json(handover)), 201


@api.get("/handovers/<int:handover_id>")
@role_required("admin", "officer")
def detail(handover_id: int):
    return jsonify(handover_json(service.get_handover(handover_id, current_user)))
