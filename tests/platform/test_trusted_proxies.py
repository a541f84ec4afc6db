"""Behind the real Caddy (deploy/proxy/Caddyfile), a real service sees the visitor's address,
never the proxy's and never one the visitor wrote; compose pins the network it trusts."""

from __future__ import annotations

import asyncio
import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError

from tests.support.caddy import CaddyProxy
from tests.support.processes import REPO
from tests.support.services import SERVICE_CONTAINERS, StartService
from tests.support.smtp import SmtpServer
from vieasso.common.settings import COMPOSE_SUBNET
from vieasso.newsletter.adapters.subscribers import BUCKET, index_key, record_key

VISITOR = "127.0.0.2"  # Caddy and the service talk over 127.0.0.1: the visitor is elsewhere


@pytest.fixture
def newsletter_behind_caddy(
    start_service: StartService, smtp_server: SmtpServer, tmp_path: Path
) -> Iterator[CaddyProxy]:
    newsletter = start_service(
        "newsletter",
        smtp_port=smtp_server.port,
        env={"VIEASSO_TRUSTED_PROXIES": "127.0.0.1/32"},  # Caddy's address, and only it
    ).wait_healthy()
    proxy = CaddyProxy(tmp_path / "caddy", {"newsletter": f"127.0.0.1:{newsletter.port}"})
    try:
        yield proxy.start()
    finally:
        proxy.stop()


def subscribe_through(proxy: CaddyProxy, email: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection(
        "127.0.0.1", proxy.port, timeout=10, source_address=(VISITOR, 0)
    )
    body = json.dumps({"email": email})
    conn.request(
        "POST", "/api/subscriptions", body, {"Content-Type": "application/json", **headers}
    )
    status = conn.getresponse().status
    conn.close()
    return status


async def consent_ip(js: JetStreamContext, email: str) -> str | None:
    kv = await js.key_value(BUCKET)
    deadline = time.monotonic() + 15
    while True:
        try:
            subscriber_id = (await kv.get(index_key(email))).value or b""
            record = await kv.get(record_key(subscriber_id.decode()))
        except KeyNotFoundError:
            assert time.monotonic() < deadline, "the subscription was never stored"
            await asyncio.sleep(0.05)
            continue
        found: str | None = json.loads(record.value or b"{}")["consent"]["ip"]
        return found


@pytest.mark.nats
@pytest.mark.smtp
@pytest.mark.e2e
@pytest.mark.parametrize("sent", [{}, {"X-Forwarded-For": "198.51.100.66"}], ids=["plain", "spoof"])
async def test_a_service_behind_caddy_sees_the_visitors_address(
    newsletter_behind_caddy: CaddyProxy, js: JetStreamContext, sent: dict[str, str]
) -> None:
    email = f"visiteur-{time.monotonic_ns()}@example.org"

    status = await asyncio.to_thread(subscribe_through, newsletter_behind_caddy, email, sent)

    assert status == 202
    assert await consent_ip(js, email) == VISITOR


def test_compose_pins_the_subnet_the_services_trust_by_default() -> None:
    compose: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())

    def networks_of(service: str) -> set[str]:
        listed = compose["services"][service].get("networks") or ["default"]
        return set(listed)

    subnets = {
        name: {c["subnet"] for c in (net or {}).get("ipam", {}).get("config", [])}
        for name, net in compose.get("networks", {}).items()
    }
    shared = networks_of("proxy").intersection(*(networks_of(name) for name in SERVICE_CONTAINERS))
    assert any(COMPOSE_SUBNET in subnets.get(name, set()) for name in shared), (
        f"the proxy and the services share no network with subnet {COMPOSE_SUBNET}"
    )
