"""An enterprise's webhook setting, read from the request body into a typed value."""
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core.validation import Fields
from notifications.addresses import AddressRefused, check_url


@dataclass(frozen=True)
class WebhookSetting:
    url: str | None  # None removes the webhook
    new_secret: bool = False


def read_webhook(data: Mapping) -> WebhookSetting:
    fields = Fields(data)
    url = fields.text("url", required=False, max_length=500, check=url_is_allowed,
                      invalid=_l("Use an https:// address of a server on the public internet."))
    fields.raise_if_invalid()
    return WebhookSetting(url=url, new_secret=bool(data.get("new_secret")))


def url_is_allowed(url: str) -> bool:
    """https, and every address the name resolves to now is public (checked again at
    each delivery: a name can resolve elsewhere later)."""
    try:
        check_url(url)
    except AddressRefused:
        return False
    return True
