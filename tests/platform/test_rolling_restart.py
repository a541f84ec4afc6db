"""Two replicas of every service behind the real proxy, one killed -9 then a rolling restart
(issue 18, item 4): the production cluster configuration (3 nats-server processes), each
service twice as `vieasso-<name> serve` processes with its own NATS user, the production
Caddyfile on a real Caddy in front of them, a real SMTP server (aiosmtpd).

A reader polls feeds and pages through the proxy, revalidating with the ETag it last got,
while a writer submits events, subscriptions and association edits. Midway, one replica of
each service is killed -9, then restarted; then the other replica of each is restarted
(SIGTERM, start, healthy: a rolling deploy). Expected: the reader sees no failed request
(the proxy retries a GET on the other replica), its 304s on unchanged routes keep coming
whichever replica answers; a write that a dying replica may have applied is answered 502
and sent again, and every write is applied once; no mail is sent twice.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import nats
import pytest

from tests.agenda.conftest import Directory
from tests.reliability.burst import check_applied_once
from tests.reliability.conftest import Scenario
from tests.support.caddy import CaddyProxy
from tests.support.nats_cluster import NatsCluster
from tests.support.processes import free_port
from tests.support.services import SERVICES, ServiceProcess, start_service_process
from tests.support.smtp import SmtpServer
from vieasso.common.nats.provisioning import provision

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(900)]

AT_LEAST = 10  # writes of each kind, however fast the faults go
RECOVER_AFTER = 20  # seconds: subscription requests left behind by a killed replica
# No pause between a replica's stop and its start, nor after it is healthy: a replica restarted
# within one of the proxy's health checks (every 2 s) holds the requests it gets until it is
# ready (VIEASSO_STARTING_HOLD_SECONDS), and the proxy looks for a healthy replica for 5 s
# (lb_try_duration) while the other is being seen back (deploy/proxy/Caddyfile).
WRITE_PAUSE = 0.25  # between two writes: the burst lasts through the kill and the restarts
# Read in turn; the last two never change during the test: every revalidation gets a 304.
READ = ("/feeds/agenda.ics", "/feeds/agenda.rss", "/agenda", "/associations", "/api/themes",
        "/entraide", "/abonnement", "/feeds/aides.ics", "/entraide.rss")  # fmt: skip
UNCHANGED = READ[-2:]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    cluster = NatsCluster.create(tmp_path / "cluster", size=3)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(maildir=tmp_path / "mail").start()
    yield server
    server.stop()


@dataclass
class Seen:
    """What the reader saw: (monotonic time, path, status or None, seconds) per request."""

    answers: list[tuple[float, str, int | None, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def failures(self) -> list[tuple[float, str, int | None, float]]:
        return [a for a in self.answers if a[2] not in (200, 304)]


def read(base: str, seen: Seen) -> None:
    """Poll READ in turn, revalidating each path with its last ETag, until told to stop."""
    etags: dict[str, str] = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        while not seen.stop.is_set():
            for path in READ:
                headers = {"If-None-Match": etags[path]} if path in etags else {}
                started = time.monotonic()
                try:
                    answer = client.get(path, headers=headers)
                except httpx.HTTPError:
                    seen.answers.append((started, path, None, time.monotonic() - started))
                    continue
                seen.answers.append(
                    (started, path, answer.status_code, answer.elapsed.total_seconds())
                )
                if etag := answer.headers.get("etag"):
                    etags[path] = etag


@dataclass
class Writes:
    done: int = 0
    resent: int = 0  # answered 502 or cut: sent again (each write is safe to send again)
    events: int = 0
    edits: int = 0
    emails: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


def send(
    client: httpx.Client, writes: Writes, method: str, url: str, body: Mapping[str, object]
) -> int:
    """Send until answered (502/503 or a cut connection: sent again); the status."""
    for _ in range(20):
        try:
            answer = client.request(method, url, json=body)
        except httpx.HTTPError:
            writes.resent += 1
            continue
        if answer.status_code in (502, 503):
            writes.resent += 1
            time.sleep(0.5)
            continue
        writes.done += 1
        return answer.status_code
    raise AssertionError(f"{method} {url}: no answer after 20 tries")


def write(base: str, admin: dict[str, str], slug: str, writes: Writes) -> None:
    """An event, a subscription and an edit of the association in turn, until told to stop
    (and at least `AT_LEAST` of each); each is expected to be applied once."""
    try:
        write_until_stopped(base, admin, slug, writes)
    except BaseException as exc:  # seen by the test, not lost in the thread
        writes.error = exc
        raise


def write_until_stopped(base: str, admin: dict[str, str], slug: str, writes: Writes) -> None:
    start = datetime.now(UTC) + timedelta(days=20)
    with httpx.Client(base_url=base, timeout=30) as client:
        i = 0
        while i < AT_LEAST or not writes.stop.is_set():
            event = {
                "event_id": f"relais-{i}",
                "title": f"Concert du relais {i}",
                "start": (start + timedelta(hours=i)).isoformat(),
                "end": (start + timedelta(hours=i + 1)).isoformat(),
                "place": {"name": "Salle", "address": "3 rue Battant", "postal_code": "25000"},
            }
            client.headers.update(admin)
            assert send(client, writes, "POST", f"/api/associations/{slug}/events", event) == 202
            writes.events += 1
            email = f"relais-{i}-{secrets.token_hex(3)}@exemple.fr"
            client.headers.pop("Authorization", None)
            assert send(client, writes, "POST", "/api/subscriptions", {"email": email}) == 202
            writes.emails.append(email)
            client.headers.update(admin)
            body = {"purpose": f"Objet modifié {i}."}
            assert send(client, writes, "PATCH", f"/api/associations/{slug}", body) == 200
            writes.edits += 1
            i += 1
            time.sleep(WRITE_PAUSE)


def start_replicas(cluster: NatsCluster, workdir: Path, smtp: SmtpServer, public: str,
                   admin_token: str) -> dict[str, list[ServiceProcess]]:  # fmt: skip
    secret = secrets.token_urlsafe(32)
    running: dict[str, list[ServiceProcess]] = {}
    for name in SERVICES:
        url = ",".join(node.url_as(name) for node in cluster.nodes)
        env = {
            "VIEASSO_NATS_REPLICAS": "3",
            "VIEASSO_PUBLIC_BASE_URL": public,
            "VIEASSO_TOKEN_SECRET": secret,
            "VIEASSO_SUBSCRIBE_LIMIT_PER_IP": "1000",
            # A request taken by a replica killed before it handled it: another one handles
            # it after this delay (production: 300 s).
            "VIEASSO_SUBSCRIBE_RECOVER_AFTER_SECONDS": str(RECOVER_AFTER),
        }
        running[name] = [
            start_service_process(
                name, nats_url=url, workdir=workdir, admin_token=admin_token,
                smtp_port=smtp.port, env=env,
            )
            for _ in range(2)
        ]  # fmt: skip
    for replicas in running.values():
        for replica in replicas:
            replica.wait_healthy(timeout=180)
    return running


def confirmations(smtp: SmtpServer, emails: list[str]) -> dict[str, list[EmailMessage]]:
    return {e: [m for m in smtp.messages() if m["To"] == e] for e in emails}


async def test_a_replica_killed_then_a_rolling_restart_behind_the_proxy(  # noqa: PLR0915
    cluster: NatsCluster, smtp: SmtpServer, tmp_path: Path, scenario: Scenario
) -> None:
    scenario.describe(
        name="two replicas of each service behind the proxy: kill -9, then rolling restart",
        load=f"a reader polling {len(READ)} feeds and pages with revalidation; a writer: "
        "an event, a subscription and an association edit in turn, from before the kill "
        "to after the rolling restart",
        faults="kill -9 of one replica of each of the 5 services, restarted; then the "
        "other replica of each stopped and started again, one service after the other",
        inputs="valid requests, through the real Caddy (production Caddyfile), 3-node cluster",
        checked="no failed read; 304s kept on unchanged routes; every write applied once "
        "(a 502 is sent again); one confirmation mail (one Message-ID) per address, also for a "
        "request taken by a replica just before it was killed; copies handed over again by a "
        "replica leaving mid-send counted (at most 2)",
    )
    admin_token = secrets.token_urlsafe(24)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    nc = await nats.connect(cluster.urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = nc.jetstream(timeout=5)
    await provision(js, 3)
    slug = await Directory(js).association(f"relais-{secrets.token_hex(3)}")
    running = await asyncio.to_thread(
        start_replicas, cluster, tmp_path / "services", smtp, public, admin_token
    )
    upstreams = {n: " ".join(f"127.0.0.1:{r.port}" for r in rs) for n, rs in running.items()}
    proxy = CaddyProxy(tmp_path / "caddy", upstreams, port=port).start()
    seen, writes = Seen(), Writes()
    admin = {"Authorization": f"Bearer {admin_token}"}
    try:
        reader = threading.Thread(target=read, args=(public, seen), daemon=True)
        reader.start()
        writer = threading.Thread(target=write, args=(public, admin, slug, writes), daemon=True)
        writer.start()
        await asyncio.sleep(3)
        killed_at = time.monotonic()
        for replicas in running.values():
            replicas[0].process.kill()
        for replicas in running.values():
            replicas[0].process.start()
        for replicas in running.values():
            await asyncio.to_thread(replicas[0].wait_healthy, 180)
        back_at = time.monotonic()
        for replicas in running.values():  # the rolling deploy
            replicas[1].stop()
            replicas[1].process.start()
            await asyncio.to_thread(replicas[1].wait_healthy, 180)
        rolled_at = time.monotonic()
        writes.stop.set()
        await asyncio.to_thread(writer.join, 300)
        assert not writer.is_alive()
        assert writes.error is None, repr(writes.error)
        await asyncio.sleep(2)
        seen.stop.set()
        await asyncio.to_thread(reader.join, 60)

        assert seen.failures() == [], seen.failures()[:10]
        for path in UNCHANGED:
            statuses = [s for _, p, s, _ in seen.answers if p == path]
            assert statuses[0] == 200
            assert set(statuses[1:]) == {304}, (path, statuses)
        assert all(r.process.running for rs in running.values() for r in rs)
        emails = writes.emails
        settle = await check_applied_once(js, slug, writes.events)
        await asyncio.to_thread(
            lambda: wait_for(
                lambda: all(confirmations(smtp, emails).values()), 4 * RECOVER_AFTER + 60
            )
        )
        await asyncio.sleep(2)  # a mail sent twice would come now
        mailed = confirmations(smtp, emails)
        # One mail per address. SMTP cannot be exactly-once: a replica leaving in the few
        # milliseconds between the relay's acceptance and the request's removal (the kill -9,
        # or the stop of the recovery's lease holder) hands the same message over again,
        # with the same Message-ID (the recipient's mailbox shows it once).
        assert {
            e: {m["Message-ID"] for m in ms}
            for e, ms in mailed.items()
            if len({m["Message-ID"] for m in ms}) != 1
        } == {}
        copies = sum(len(ms) - 1 for ms in mailed.values())
        assert copies <= 2, {e: len(ms) for e, ms in mailed.items() if len(ms) > 1}
        ids = {(m["To"], m["Message-ID"]) for m in smtp.messages()}
        assert len({i for _, i in ids}) == len(ids)  # no Message-ID shared by two addresses
        async with httpx.AsyncClient(base_url=public, timeout=30) as client:
            stored = (await client.get(f"/api/associations/{slug}")).json()
        assert stored["purpose"] == f"Objet modifié {writes.edits - 1}."
    finally:
        seen.stop.set()
        writes.stop.set()
        proxy.stop()
        for replicas in running.values():
            for replica in replicas:
                replica.stop()
        await nc.close()

    during = sorted(s for t, _, _, s in seen.answers if killed_at <= t <= back_at)
    scenario.figure("reads through the proxy", len(seen.answers))
    scenario.figure("failed reads", len(seen.failures()))
    scenario.figure("writes (events, subscriptions, edits)", writes.done)
    scenario.figure("writes answered 502 and sent again", writes.resent)
    scenario.figure("reads during the kill (kill → restarted)", len(during))
    scenario.figure("p99 read latency during the kill (s)", during[int(0.99 * (len(during) - 1))])
    scenario.figure("kill → killed replicas healthy (s)", back_at - killed_at)
    scenario.figure("rolling restart of the 5 services (s)", rolled_at - back_at)
    scenario.figure("burst end → all events stored (s)", settle)
    scenario.figure("confirmation handed over again (same Message-ID)", copies)


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not in time")
        time.sleep(0.1)
