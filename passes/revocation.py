"""Revoking a signing key: every unexpired pass it signed is refused from then on."""
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audit.service import record
from core import events
from core.db import db, utcnow
from core.errors import Conflict, NotFound
from core.unit_of_work import unit_of_work
from passes.models import Pass
from passtokens.keys import create_key
from passtokens.models import SigningKey


def _revocable(kid: str) -> SigningKey:
    key = db.session.get(SigningKey, kid)
    if key is None:
        raise NotFound()
    if key.revoked_at is not None:
        raise Conflict(_l("This key is already revoked."))
    return key


def _unexpired_passes(kid: str, now: datetime) -> Sequence[tuple[str, int]]:
    """(number, enterprise id) of each unexpired, unrevoked pass the key signed."""
    return db.session.execute(
        select(Pass.number, Pass.enterprise_id).where(
            Pass.kid == kid, Pass.live_at(now))
        .order_by(Pass.number)).all()


def passes_refused_by_revoking(kid: str) -> int:
    """How many unexpired, unrevoked passes the key signed: every checkpoint would refuse them."""
    _revocable(kid)
    return len(_unexpired_passes(kid, utcnow()))


@unit_of_work()
def revoke_key(kid: str, actor: str) -> list[str]:
    """Stop honouring a key at once; return the numbers of its passes to re-issue.

    Revoking the key that signs now publishes the next one at once, so that checkpoints
    and other verifiers have it before the first pass it signs. Each enterprise with live
    passes under the key is told (events.passes_refused).
    """
    key = _revocable(kid)
    was_signing = key.retired_at is None
    key.revoked_at = key.retired_at = utcnow()
    affected = _unexpired_passes(kid, key.revoked_at)
    by_enterprise = defaultdict(list)
    for number, enterprise_id in affected:
        by_enterprise[enterprise_id].append(number)
    for enterprise_id, numbers in by_enterprise.items():
        events.passes_refused.send(enterprise_id, cause="key_revoked", numbers=numbers)
    record(actor, "key.revoke", kid, passes_to_reissue=len(affected))
    if was_signing:
        create_key(actor)
    return [number for number, _ in affected]
