"""The proxy in front of two replicas of a service (issue 18): the production Caddyfile on a
real Caddy, two fake replicas of the agenda on loopback. Requests are shared between them;
when one stops, every request still succeeds on the other (a failed connection is retried,
POST too: nothing reached the stopped one); a replica whose /healthz answers 503 (starting)
gets nothing until it answers 200; a client's oversize bodies never take a replica out of
the pool. The real services behind it: tests/platform/test_rolling_restart.py."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.bodies import post
from tests.support.caddy import CaddyProxy, FakeService
from tests.support.processes import wait_until
from tests.support.services import SERVICES

HEALTH_INTERVAL = 2.0  # deploy/proxy/Caddyfile, health_interval
UPLOAD = 3 * 1000 * 1000  # past the proxy's 2MB


@pytest.fixture
def replicas() -> Iterator[tuple[FakeService, FakeService]]:
    one, two = FakeService("agenda").start(), FakeService("agenda").start()
    yield one, two
    one.stop()
    two.stop()


@pytest.fixture
def proxy(replicas: tuple[FakeService, FakeService], tmp_path: Path) -> Iterator[CaddyProxy]:
    others = {name: FakeService(name).start() for name in SERVICES if name != "agenda"}
    upstreams = {name: fake.address for name, fake in others.items()}
    upstreams["agenda"] = " ".join(r.address for r in replicas)
    proxy = CaddyProxy(tmp_path / "caddy", upstreams).start()
    try:
        yield proxy
    finally:
        proxy.stop()
        for fake in others.values():
            fake.stop()


def send(proxy: CaddyProxy, method: str, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=15)
    body = b"titre=F%C3%AAte" if method == "POST" else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    conn.request(method, path, body=body, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def served(replica: FakeService, since: int) -> int:
    return len(replica.received) - since


def counts(replicas: tuple[FakeService, ...]) -> Callable[[], list[int]]:
    marks = [len(r.received) for r in replicas]
    return lambda: [served(r, m) for r, m in zip(replicas, marks, strict=True)]


def test_requests_are_shared_and_survive_a_stopped_replica(
    proxy: CaddyProxy, replicas: tuple[FakeService, FakeService]
) -> None:
    one, _ = replicas
    seen = counts(replicas)
    assert [send(proxy, "GET", "/agenda") for _ in range(10)] == [200] * 10
    assert all(n > 0 for n in seen()), seen()  # both replicas served

    port = int(one.address.rsplit(":", 1)[1])
    one.stop()  # the connection to it is now refused, before any check has seen it
    seen = counts(replicas)
    statuses = [send(proxy, method, "/agenda") for method in ("GET", "POST") * 10]
    assert statuses == [200] * 20
    assert seen() == [0, 20]

    one.start(port)  # restarted: back in the pool once a health check has seen it
    seen = counts(replicas)
    deadline = time.monotonic() + 5 * HEALTH_INTERVAL
    while seen()[0] == 0 and time.monotonic() < deadline:
        assert send(proxy, "GET", "/agenda") == 200
        time.sleep(0.1)
    assert seen()[0] > 0


def test_a_replica_that_is_not_healthy_gets_no_request(
    proxy: CaddyProxy, replicas: tuple[FakeService, FakeService]
) -> None:
    one, _ = replicas
    one.healthy = False
    time.sleep(2 * HEALTH_INTERVAL)  # the proxy's own rhythm: two checks have seen it
    seen = counts(replicas)
    assert [send(proxy, "GET", "/agenda") for _ in range(10)] == [200] * 10
    assert seen() == [0, 10]
    one.healthy = True
    wait_until(
        lambda: send(proxy, "GET", "/agenda") == 200 and seen()[0] > 0,
        timeout=5 * HEALTH_INTERVAL,
        what="the healthy again replica to get requests",
    )


def test_oversize_bodies_never_take_a_replica_out_of_the_pool(
    proxy: CaddyProxy, replicas: tuple[FakeService, FakeService]
) -> None:
    for chunked in (False, True, False, True):
        assert post(proxy.port, "/api/events/x", size=UPLOAD, chunked=chunked).status == 413
    seen = counts(replicas)
    assert [send(proxy, "GET", "/agenda") for _ in range(6)] == [200] * 6
    assert all(n > 0 for n in seen()), seen()
