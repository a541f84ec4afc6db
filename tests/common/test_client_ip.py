"""The visitor's address: X-Forwarded-For believed only from trusted proxies, walked from the
right (vieasso.common.http.client)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request

from vieasso.common.http.client import client_ip, forwarded_client, parse_networks
from vieasso.common.settings import Settings

PROXIES = parse_networks("127.0.0.0/8, 172.30.80.0/24, 2001:db8:a::/48")


def test_without_a_proxy_the_peer_is_the_visitor() -> None:
    assert forwarded_client("198.51.100.4", [], PROXIES) == "198.51.100.4"


def test_a_forwarded_for_sent_by_an_untrusted_peer_is_ignored() -> None:
    spoofed = ["203.0.113.99", "127.0.0.1"]

    assert forwarded_client("198.51.100.4", spoofed, PROXIES) == "198.51.100.4"


def test_behind_the_proxy_the_visitor_is_the_address_the_proxy_saw() -> None:
    assert forwarded_client("172.30.80.5", ["198.51.100.4"], PROXIES) == "198.51.100.4"


def test_what_the_visitor_wrote_left_of_the_proxys_entry_is_never_believed() -> None:
    # The visitor sent "X-Forwarded-For: 203.0.113.99"; a proxy that keeps it appends.
    forwarded = ["203.0.113.99, 198.51.100.4"]

    assert forwarded_client("172.30.80.5", forwarded, PROXIES) == "198.51.100.4"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    # visitor → CDN edge (2001:db8:a::7, trusted) → Caddy (172.30.80.5) → the service
    forwarded = ["203.0.113.99", "2001:db8:b::1, 2001:db8:a::7"]

    assert forwarded_client("172.30.80.5", forwarded, PROXIES) == "2001:db8:b::1"


def test_when_every_hop_is_trusted_the_left_most_is_the_visitor() -> None:
    assert forwarded_client("127.0.0.1", ["127.0.0.2, 127.0.0.3"], PROXIES) == "127.0.0.2"


def test_garbage_written_by_a_trusted_proxy_stops_the_walk() -> None:
    assert forwarded_client("127.0.0.1", ["not-an-ip, 172.30.80.9"], PROXIES) == "172.30.80.9"


def test_ports_brackets_and_ipv4_mapped_addresses_are_read_as_addresses() -> None:
    assert forwarded_client("::ffff:127.0.0.1", ["198.51.100.4:5555"], PROXIES) == "198.51.100.4"
    assert forwarded_client("127.0.0.1", ["[2001:db8:b::1]:443"], PROXIES) == "2001:db8:b::1"


def test_the_default_trusts_loopback_and_the_compose_network_only() -> None:
    trusted = Settings().trusted_networks

    assert forwarded_client("172.30.80.2", ["198.51.100.4"], trusted) == "198.51.100.4"
    assert forwarded_client("::1", ["198.51.100.4"], trusted) == "198.51.100.4"
    assert forwarded_client("10.1.2.3", ["198.51.100.4"], trusted) == "10.1.2.3"


def test_a_bad_trusted_proxies_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="not-a-network"):
        Settings(trusted_proxies="127.0.0.0/8,not-a-network")


@pytest.mark.parametrize(
    ("peer", "expected"), [("203.0.113.8", "203.0.113.8"), ("127.0.0.1", "198.51.100.4")]
)
async def test_client_ip_reads_the_request(peer: str, expected: str) -> None:
    app = FastAPI()

    @app.get("/")
    async def who(request: Request) -> str | None:
        return client_ip(request, PROXIES)

    transport = httpx.ASGITransport(app=app, client=(peer, 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get("/", headers={"X-Forwarded-For": "198.51.100.4"})

    assert answer.json() == expected
