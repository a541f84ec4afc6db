"""The visitor's address behind the reverse proxy: one place for every service.

Caddy (deploy/proxy/Caddyfile) connects to the services itself, so `request.client` is the
proxy; it tells who its own client was in ``X-Forwarded-For``. That header is believed only
when the direct peer is a trusted proxy (``VIEASSO_TRUSTED_PROXIES``), and then walked from
the right: each trusted proxy appended the address of the one before it, so the first
address (from the right) that is not a trusted proxy is the visitor. Addresses further left
were written by the visitor and are never believed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.requests import Request

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.0/8, ::1"`` → networks (a bare address is a /32 or /128); ValueError if bad."""
    return tuple(ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        found = ip_address(text)
    except ValueError:
        return None
    if isinstance(found, IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def forwarded_client(
    peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]
) -> str | None:
    """The visitor's address from the direct `peer` and the ``X-Forwarded-For`` values.

    The right-most address that is not a trusted proxy; the left-most when all are; the
    last trusted one when a trusted proxy wrote something that is not an address.
    """
    address = _address(peer) if peer is not None else None
    if address is None:
        return peer
    if not _trusted(address, trusted):
        return str(address)
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        previous = _address(hop)
        if previous is None:
            break
        address = previous
        if not _trusted(address, trusted):
            break
    return str(address)


def client_ip(request: Request, trusted: Sequence[Network]) -> str | None:
    """The address of the person behind `request` (None when the server does not know)."""
    peer = request.client.host if request.client else None
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), trusted)
