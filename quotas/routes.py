"""The issuing quota for the authority: a page per enterprise and its JSON twin."""
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import json_body
from core.auth import role_required
from core.errors import ValidationFailed
from quotas import service as quota
from quotas.inputs import read_limits
from whitelist.models import Enterprise
from whitelist.service import get_enterprise

quota_pages = Blueprint("quota", __name__, template_folder="templates")
quota_api = Blueprint("quota_api", __name__, url_prefix="/api/v1")


@quota_pages.app_template_global()
def issuing_usage(enterprise: Enterprise) -> quota.Usage:
    return quota.usage(enterprise)


@quota_pages.get("/admin/enterprises/<code>/quota")
@role_required("admin")
def page(code: str):
    return _page(get_enterprise(code, current_user))


def _page(enterprise: Enterprise, errors=None, form=None, status=200):
    usage = quota.usage(enterprise)
    form = form or {"per_hour": usage.override_per_hour or "",
                    "per_day": usage.override_per_day or ""}
    return render_template("quotas/quota.html", enterprise=enterprise, usage=usage,
                           errors=errors or {}, form=form, defaults=quota.defaults()), status


@quota_pages.post("/admin/enterprises/<code>/quota")
@role_required("admin")
def set_limits(code: str):
    enterprise = get_enterprise(code, current_user)
    try:
        quota.set_limits(enterprise, read_limits(request.form), current_user)
    except ValidationFailed as error:
        return _page(enterprise, error.fields, request.form, 422)
    flash(_("Issuing quota saved."), "success")
    return redirect(url_for(".page", code=enterprise.code))


@quota_pages.post("/admin/enterprises/<code>/quota/reset")
@role_required("admin")
def reset(code: str):
    quota.reset_usage(get_enterprise(code, current_user), current_user)
    flash(_("The count for this hour and today starts again from zero."), "success")
    return redirect(url_for(".page", code=code.upper()))


def usage_json(enterprise: Enterprise, usage: quota.Usage) -> dict:
    return {"enterprise": enterprise.code, "per_hour": usage.per_hour,
            "per_day": usage.per_day,
            "override": {"per_hour": usage.override_per_hour, "per_day": usage.override_per_day},
            "used_this_hour": usage.used_this_hour, "used_today": usage.used_today,
            "hour_resets_at": usage.hour_resets_at.isoformat(),
            "day_resets_at": usage.day_resets_at.isoformat()}


@quota_api.get("/enterprises/<code>/quota")
@role_required("admin", "enterprise")
def get_quota(code: str):
    enterprise = get_enterprise(code, current_user)
    return jsonify(usage_json(enterprise, quota.usage(enterprise)))


@quota_api.put("/enterprises/<code>/quota")
@role_required("admin")
def put_quota(code: str):
    enterprise = get_enterprise(code, current_user)
    usage = quota.set_limits(enterprise, read_limits(json_body()), current_user)
    return jsonify(usage_json(enterprise, usage))


@quota_api.post("/enterprises/<code>/quota/reset")
@role_required("admin")
def reset_quota(code: str):
    enterprise = get_enterprise(code, current_user)
    return jsonify(usage_json(enterprise, quota.reset_usage(enterprise, current_user)))
