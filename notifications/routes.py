"""Notification pages: the clerk's list and webhook settings, the authority's delivery log."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.api import page_args
from core.auth import role_required
from core.db import db
from core.errors import ValidationFailed
from notifications import service
from notifications.inputs import read_webhook
from notifications.models import DELIVERY_STATES, WebhookDelivery

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.get("/notifications")
@role_required("enterprise")
def inbox():
    return _inbox_page()


def _inbox_page(errors=None, form=None, status=200):
    enterprise_id = current_user.enterprise_id
    items = service.recent(enterprise_id) if enterprise_id else []
    deliveries = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.enterprise_id == enterprise_id)
        .order_by(WebhookDelivery.id.desc()).limit(20)).all() if enterprise_id else []
    page = render_template("notifications/inbox.html", items=items, deliveries=deliveries,
                           endpoint=service.endpoint_for(enterprise_id) if enterprise_id else None,
                           errors=errors or {}, form=form or {})
    return page, status


# Reading is a POST the clerk makes: opening the page (or a prefetch of it) changes nothing.
@bp.post("/notifications/read")
@bp.post("/notifications/<int:notification_id>/read")
@role_required("enterprise")
def mark_read(notification_id: int | None = None):
    if current_user.enterprise_id is not None:
        service.mark_read(current_user.enterprise_id, current_user, notification_id)
    return redirect(url_for(".inbox"))


@bp.post("/notifications/webhook")
@role_required("enterprise")
def set_webhook():
    if current_user.enterprise_id is None:
        return redirect(url_for(".inbox"))
    try:
        setting = read_webhook(request.form)
        endpoint = service.set_webhook(current_user.enterprise_id, setting, current_user)
    except ValidationFailed as error:
        return _inbox_page(error.fields, request.form, 422)
    flash(_("Webhook saved.") if endpoint else _("Webhook removed."), "success")
    return redirect(url_for(".inbox"))


@bp.get("/admin/webhooks")
@role_required("admin")
def admin_deliveries():
    state = request.args.get("state", "")
    statement = select(WebhookDelivery).order_by(WebhookDelivery.id.desc())
    if state in DELIVERY_STATES:
        statement = statement.where(WebhookDelivery.state == state)
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    return render_template("notifications/admin_deliveries.html", result=result, state=state,
                           states=DELIVERY_STATES)
