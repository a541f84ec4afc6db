"""kill -9 of the replica holding a job's lease (issue 18): two `vieasso-annuaire serve`
processes on one nats-server, lease TTL 3 s; the one holding `annuaire.missions` (its mission
sweeper) is killed, the other takes the lease over once the record lapses; stopped cleanly
(SIGTERM) the survivor releases it, so a rolling restart needs no lapse."""

from __future__ import annotations

import os
from pathlib import Path

import nats
import pytest
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KV_DEL, KeyValue

from tests.reliability.conftest import Scenario
from tests.reliability.streams import eventually
from tests.support.nats_server import NatsServer
from tests.support.services import ServiceProcess, StartService

pytestmark = [pytest.mark.nats, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

TTL = 3  # seconds (VIEASSO_LEASE_TTL_SECONDS)
HANG = 60.0  # seconds: past this the takeover is missing, not slow
KEY = "annuaire.missions"


async def holder_of(kv: KeyValue, replicas: list[ServiceProcess]) -> ServiceProcess | None:
    """The replica whose process (or one of its workers) holds the lease now."""
    try:
        value = (await kv.get(KEY)).value or b""
    except KeyNotFoundError:  # none, released, or lapsed
        return None
    pid = int(value.decode().rsplit("-", 2)[1])  # <host>-<pid>-<random>
    try:
        group = os.getpgid(pid)  # each replica is a process group of its own
    except ProcessLookupError:  # the killed holder, until its record lapses
        return None
    return next((r for r in replicas if r.process.popen and r.process.popen.pid == group), None)


async def test_the_lease_of_a_replica_killed_is_taken_over_and_released_at_a_clean_stop(
    start_service: StartService, tmp_path: Path, scenario: Scenario
) -> None:
    scenario.describe(
        name="kill -9 of a job's lease holder",
        load="two annuaire replicas (real processes) on one nats-server",
        faults="kill -9 of the replica holding the mission sweeper's lease; then SIGTERM of "
        "the other",
        inputs=f"lease TTL {TTL} s, renewed every {TTL / 3:.0f} s",
        checked="the other replica holds the lease within the TTL plus one look; never both "
        "(tests/common/test_lease.py); released at the clean stop",
    )
    server = NatsServer(workdir=tmp_path / "nats").start()
    nc = await nats.connect(server.url)
    try:
        env = {"VIEASSO_LEASE_TTL_SECONDS": str(TTL)}
        replicas = [start_service("annuaire", nats_url=server.url, env=env) for _ in range(2)]
        for replica in replicas:
            replica.wait_healthy(timeout=60)
        kv = await nc.jetstream().key_value("annuaire_leases")

        async def held() -> bool:
            return await holder_of(kv, replicas) is not None

        await eventually(held, within=HANG, what="a replica holds the lease")
        first = await holder_of(kv, replicas)
        assert first is not None
        survivor = next(r for r in replicas if r is not first)

        first.process.kill()

        async def taken_over() -> bool:
            return await holder_of(kv, replicas) is survivor

        seconds = await eventually(taken_over, within=HANG, what="the takeover", interval=0.1)
        scenario.figure("takeover after kill -9 (s)", seconds)
        assert survivor.process.running

        assert survivor.stop() == 0

        async def released() -> bool:
            return await holder_of(kv, replicas) is None

        await eventually(released, within=1.0, what="the release at SIGTERM")
        with pytest.raises(KeyNotFoundError) as deleted:
            await kv.get(KEY)
        assert deleted.value.op == KV_DEL  # released (a lapsed record leaves no marker)
    finally:
        await nc.close()
        server.stop()
