"""Sending the webhook outbox: signed POSTs, retried with exponential back-off."""
import hashlib
import hmac
import http.client
import socket
import ssl
import time
from datetime import datetime, timedelta
from functools import cache

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from core.db import db, utcnow
from core.unit_of_work import unit_of_work
from notifications.addresses import AddressRefused, IPAddress, resolve, split_url
from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.service import secret_of

webhooks_cli = AppGroup("webhooks", help="Deliver enterprise webhook events.")

DEFAULTS = {"WEBHOOK_TIMEOUT_SECONDS": 5.0, "WEBHOOK_MAX_ATTEMPTS": 8,
            "WEBHOOK_BACKOFF_SECONDS": 30, "WEBHOOK_BATCH": 100}


def signature(secret: str, body: bytes) -> str:
    """The X-Signature header value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: the base, doubled after each failure."""
    return timedelta(seconds=current_app.config["WEBHOOK_BACKOFF_SECONDS"] * 2 ** (attempts - 1))


def deliver_due(now: datetime | None = None) -> dict[str, int]:
    """Try every pending delivery whose time has come; returns how many ended in each way."""
    now = now or utcnow()
    due = db.session.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(current_app.config["WEBHOOK_BATCH"])).all()
    tally = {"delivered": 0, "retry": 0, "failed": 0}
    for delivery_id in due:
        outcome = _attempt(delivery_id, now)
        if outcome:
            tally[outcome] += 1
    return tally


def _attempt(delivery_id: int, now: datetime) -> str | None:
    """Claim the delivery, post it outside any transaction, then record what happened."""
    with unit_of_work():
        delivery = _claim(delivery_id, now)
        if delivery is None:
            return None
        endpoint = db.session.get(WebhookEndpoint, delivery.enterprise_id)
        secret = secret_of(endpoint) if endpoint else None
    status, error = _post(delivery, secret)
    with unit_of_work():
        delivery = db.session.get_one(WebhookDelivery, delivery_id)
        delivery.last_attempt_at, delivery.last_status, delivery.last_error = now, status, error
        if error is None:
            delivery.state, delivery.delivered_at, outcome = "delivered", now, "delivered"
        elif delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
            delivery.state, outcome = "failed", "failed"
        else:
            delivery.next_attempt_at, outcome = now + backoff(delivery.attempts), "retry"
    return outcome


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """The delivery if it is still due, counted as an attempt and out of other senders' way
    (cron and a loop) until well after this one's post has timed out. The unit's write turn
    makes this one at a time on SQLite, where FOR UPDATE SKIP LOCKED is not a lock."""
    delivery = db.session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                      WebhookDelivery.state == "pending",
                                      WebhookDelivery.next_attempt_at <= now)
        .with_for_update(skip_locked=True, of=WebhookDelivery))
    if delivery is not None:
        delivery.attempts += 1
        lease = 2 * current_app.config["WEBHOOK_TIMEOUT_SECONDS"] + 60
        delivery.next_attempt_at = max(now, utcnow()) + timedelta(seconds=lease)
    return delivery


def _post(delivery: WebhookDelivery, secret: str | None) -> tuple[int | None, str | None]:
    """The HTTP status and, unless it was a 2xx, what went wrong, in words for the authority
    (the enterprise is shown only delivered or failed: the peer's answer would make the
    webhook a port scanner)."""
    if secret is None:
        return None, "webhook removed by the enterprise"
    try:
        parts = split_url(delivery.url)
        # Resolved and checked here, at each attempt: the name may point elsewhere by now.
        addresses = resolve(parts.host, parts.port)
    except AddressRefused as refused:
        return None, f"refused: {refused}"
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", "X-Event-Id": delivery.event_id,
               "X-Event-Type": delivery.event_type, "X-Signature": signature(secret, body),
               "User-Agent": "freight-pass-webhooks/1"}
    connection = PinnedHTTPSConnection(parts.host, parts.port, addresses,
                                       timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"])
    try:
        connection.request("POST", parts.target, body=body, headers=headers)
        status = connection.getresponse().status  # the body is never read; no redirect followed
    except TimeoutError:
        return None, "timed out"
    except ssl.SSLError:
        return None, "TLS handshake failed"
    except (OSError, http.client.HTTPException):
        return None, "connection failed"
    finally:
        connection.close()
    if 200 <= status < 300:
        return status, None
    return status, f"HTTP {status}"


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to addresses already checked (the first that answers), with the URL's name for
    SNI, the certificate and the Host header: a second DNS answer (rebinding) has no say in
    where the bytes go."""

    def __init__(self, host: str, port: int, addresses: list[IPAddress], timeout: float):
        self.tls = _tls_context(current_app.config.get("WEBHOOK_CA_FILE"))
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        sock = self._first_answering()
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise

    def _first_answering(self) -> socket.socket:
        for address in self.addresses[:-1]:
            try:
                return socket.create_connection((str(address), self.port), self.timeout)
            except OSError:
                continue  # e.g. an IPv6 address on a host without IPv6 routing
        return socket.create_connection((str(self.addresses[-1]), self.port), self.timeout)


@cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    # Certificates and host names are verified; WEBHOOK_CA_FILE replaces the system's
    # authorities (the tests' own, or a deployment's private one).
    return ssl.create_default_context(cafile=ca_file)


@webhooks_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running, checking every --interval seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def deliver_command(loop: bool, interval: float) -> None:
    """Send due webhook events once (for cron), or continuously with --loop."""
    while True:
        tally = deliver_due()
        click.echo(f"delivered {tally['delivered']}, to retry {tally['retry']}, "
                   f"failed {tally['failed']}")
        if not loop:
            return
        db.session.remove()
        time.sleep(interval)
