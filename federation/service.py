"""Keeping the trust list and the peers' feeds fresh (`flask --app app federation sync`)."""
import json
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select

from audit.service import record
from core.db import db, utcnow
from core.unit_of_work import unit_of_work
from federation.feed import FeedRefused, read_feed
from federation.models import IssuerFeed, TrustedIssuer, TrustList
from federation.trust import TrustListContent, TrustListRefused, load_anchor, read_trust_list

FETCH_LIMIT = 8 * 1024 * 1024
FETCH_TIMEOUT_S = 15


@dataclass
class SyncReport:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def failed(self, line: str) -> None:
        self.lines.append(line)
        self.failures.append(line)

    def warn(self, line: str) -> None:
        self.lines.append(f"warning: {line}")


def fetch(location: str) -> str:
    """The text at an http(s) URL or in a file."""
    if location.startswith(("https://", "http://")):
        with urllib.request.urlopen(location, timeout=FETCH_TIMEOUT_S) as response:
            return response.read(FETCH_LIMIT).decode()
    return Path(location).read_text()


def sync(actor: str = "federation-sync", now: datetime | None = None) -> SyncReport:
    """Fetch and check the trust list, then every other issuer's feed. What fails leaves the
    last good state in force and is reported."""
    now = now or utcnow()
    report = SyncReport()
    config = current_app.config
    if config.get("TRUST_LIST"):
        _sync_trust_list(config["TRUST_LIST"], config["TRUST_ANCHOR"], actor, now, report)
    current = trust_list_in_force()
    if current is None:
        report.failed("no trust list in force: only this city's own passes are recognised")
        return report
    if current.expires_at - now < timedelta(days=config["TRUST_LIST_WARN_DAYS"]):
        report.warn(f"the trust list expires at {current.expires_at:%Y-%m-%d %H:%M} UTC; "
                    "ask the operator for a new one")
    for issuer in db.session.scalars(select(TrustedIssuer).order_by(TrustedIssuer.area)):
        if issuer.area != config["AREA_CODE"]:
            _sync_feed(issuer, report)
    return report


def _sync_trust_list(location: str, anchor_path: str, actor: str, now: datetime,
                     report: SyncReport) -> None:
    try:
        token = fetch(location)
        content = read_trust_list(token, load_anchor(anchor_path), now)
    except (OSError, ValueError, TrustListRefused) as error:
        report.failed(f"trust list refused, the last good one stays in force: {error}")
        return
    current = trust_list_in_force()
    if current is not None and content.issued_at <= current.issued_at:
        report.lines.append(f"trust list of {current.issued_at:%Y-%m-%d %H:%M} is current")
        return
    with unit_of_work():
        _replace_trust_list(token, content, actor)
    report.lines.append(f"trust list accepted: {len(content.issuers)} issuers, "
                        f"until {content.expires_at:%Y-%m-%d %H:%M} UTC")


def _replace_trust_list(token: str, content: TrustListContent, actor: str) -> None:
    db.session.execute(delete(TrustedIssuer))
    db.session.add_all(TrustedIssuer(area=issuer.area, name=issuer.name, jwks=issuer.jwks,
                                     feed_url=issuer.feed_url) for issuer in content.issuers)
    db.session.add(TrustList(token=token.strip(), issued_at=content.issued_at,
                             expires_at=content.expires_at))
    record(actor, "federation.trust_list", content.issued_at.isoformat(),
           issuers=[issuer.area for issuer in content.issuers],
           expires_at=content.expires_at.isoformat())


def _sync_feed(issuer: TrustedIssuer, report: SyncReport) -> None:
    try:
        token = _feed_token(fetch(issuer.feed_url))
        payload = read_feed(token, issuer.area, issuer.jwks)
    except (OSError, ValueError, FeedRefused) as error:
        report.failed(f"{issuer.area} {issuer.name}: feed refused: {error}")
        return
    with unit_of_work():
        feed = db.session.get(IssuerFeed, issuer.area) or IssuerFeed(area=issuer.area)
        feed.generated_at = datetime.fromisoformat(payload["generated_at"])
        feed.max_age_s, feed.payload, feed.fetched_at = payload["max_age_s"], payload, utcnow()
        db.session.add(feed)
    report.lines.append(f"{issuer.area} {issuer.name}: feed of {feed.generated_at.isoformat()}")


def _feed_token(text: str) -> str:
    """GET /api/v1/status-feed answers {"jws": ...}; a file may hold the bare token."""
    text = text.strip()
    return json.loads(text)["jws"] if text.startswith("{") else text


def trust_list_in_force() -> TrustList | None:
    return db.session.scalar(select(TrustList).order_by(TrustList.issued_at.desc()).limit(1))


def status(now: datetime | None = None) -> list[str]:
    """One line per trusted issuer with the age of its feed."""
    now = now or utcnow()
    current = trust_list_in_force()
    if current is None:
        return ["no trust list in force"]
    lines = [f"trust list of {current.issued_at:%Y-%m-%d %H:%M}, "
             f"expires {current.expires_at:%Y-%m-%d %H:%M} UTC"]
    own = current_app.config["AREA_CODE"]
    for issuer in db.session.scalars(select(TrustedIssuer).order_by(TrustedIssuer.area)):
        if issuer.area == own:
            lines.append(f"{issuer.area} {issuer.name}: this deployment")
            continue
        feed = db.session.get(IssuerFeed, issuer.area)
        if feed is None:
            lines.append(f"{issuer.area} {issuer.name}: no feed yet")
            continue
        age = int((now - feed.generated_at).total_seconds())
        state = "STALE" if feed.is_stale(now) else "fresh"
        lines.append(f"{issuer.area} {issuer.name}: feed {age} s old ({state}, "
                     f"allowed {feed.max_age_s} s)")
    return lines
