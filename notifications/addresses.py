"""Where a webhook may go: https to a name or address on the public internet, nowhere else.

An enterprise chooses the URL and the server makes the request, so a URL that reaches the
server's own network (loopback, private ranges, the cloud metadata service) would turn the
webhook into a probe of that network. Names are resolved once and every address checked;
the connection then goes to a checked address, so the name cannot resolve anew in between.
"""
import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges that is_global lets through but that are no place for a webhook: IETF protocol
# assignments, the 6to4 relay, NAT64 prefixes (they embed an IPv4 address, maybe a private
# one) and the deprecated IPv6 site-local range.
_NOT_PUBLIC = [ipaddress.ip_network(net) for net in (
    "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15",
    "64:ff9b::/96", "64:ff9b:1::/48", "fec0::/10",
)]
# A DNS name of letters, digits and hyphens whose last label starts with a letter: this
# shuts out every numeric spelling of an address (2130706433, 0x7f000001, 0177.1, 127.1),
# which the system resolver would otherwise read as an IPv4 address.
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_TOP_LABEL = re.compile(r"[a-z][a-z0-9-]*")


class AddressRefused(Exception):
    """The URL or one of the addresses it resolves to is not allowed for a webhook."""


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet (not loopback, private, link-local,
    shared, multicast, reserved, unspecified, or an IPv6 form wrapping an IPv4 address)."""
    if isinstance(address, ipaddress.IPv6Address) and (
            address.ipv4_mapped or address.sixtofour or address.teredo or address.scope_id):
        return False
    if not address.is_global or address.is_multicast or address.is_reserved:
        return False
    return not any(address in network for network in _NOT_PUBLIC
                   if network.version == address.version)


@dataclass(frozen=True)
class WebhookUrl:
    """An https URL with a usable host: what a webhook request is made from."""

    host: str
    port: int
    target: str  # the path and query, as the request line carries them


def split_url(url: str) -> WebhookUrl:
    """The parts of an https URL with a usable host; raise AddressRefused otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when out of range
    except ValueError:
        raise AddressRefused("not a URL") from None
    if port == 0:
        raise AddressRefused("port 0")
    if parts.scheme != "https" or not parts.hostname:
        raise AddressRefused("not https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise AddressRefused("credentials in the URL")
    if _ip_literal(parts.hostname) is None and not _is_dns_name(parts.hostname):
        raise AddressRefused("not a host name")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return WebhookUrl(parts.hostname, port or 443, target)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address a host has, each allowed; raise AddressRefused if any is not."""
    literal = _ip_literal(host)
    addresses = [literal] if literal is not None else _lookup(host, port)
    if not addresses:
        raise AddressRefused("the name has no address")
    for address in addresses:
        if not (is_public(address) or _allowed_for_tests(address)):
            raise AddressRefused(f"{address} is not a public address")
    return addresses


def check_url(url: str) -> list[IPAddress]:
    """Resolve a webhook URL and check it; raise AddressRefused."""
    parts = split_url(url)
    return resolve(parts.host, parts.port)


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_dns_name(host: str) -> bool:
    labels = host.removesuffix(".").split(".")
    return (len(host) <= 253 and len(labels) >= 2 and all(map(_LABEL.fullmatch, labels))
            and bool(_TOP_LABEL.fullmatch(labels[-1])))


def _lookup(host: str, port: int) -> list[IPAddress]:
    resolver: Callable[[str, int], list[str]] = (
        current_app.config.get("WEBHOOK_RESOLVER") or _system_resolver)
    try:
        found = resolver(host, port)
    except OSError:
        raise AddressRefused("the name does not resolve") from None
    addresses = []
    for text in found:
        address = _ip_literal(text)
        if address is None:
            raise AddressRefused("the resolver gave something other than an address")
        addresses.append(address)
    return addresses


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _allowed_for_tests(address: IPAddress) -> bool:
    # WEBHOOK_TEST_ALLOW_NETWORKS lets the test suite reach its own HTTPS receiver on
    # 127.0.0.1; core/config.py refuses it outside testing.
    return any(address in ipaddress.ip_network(network)
               for network in current_app.config.get("WEBHOOK_TEST_ALLOW_NETWORKS", ()))
