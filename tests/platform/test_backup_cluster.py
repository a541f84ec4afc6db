"""A backup of a single server restored into the production cluster configuration (three
nodes of deploy/nats/cluster.conf, users and permissions on) with 3 replicas, as
docs/deploy.md tells operators to do: same messages, same KV revisions, three replicas."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from tests.platform.conftest import Scenario
from tests.platform.platform_state import stored_state
from tests.security.secured_nats import secured_cluster
from tests.support.nats_server import NatsServer
from tests.support.processes import VENV_BIN
from vieasso.common import subjects
from vieasso.common.backup.archive import catalogue_streams
from vieasso.common.nats.permissions import ADMIN
from vieasso.common.nats.provisioning import provision

pytestmark = [pytest.mark.slow, pytest.mark.nats, pytest.mark.timeout(120)]


def backup_cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "python"), "-m", "vieasso.common.backup", *argv],
        env={**os.environ, "VIEASSO_LOG_JSON": "false", **env},
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip


async def fill(url: str) -> None:
    nc = await nats.connect(url)
    js: JetStreamContext = nc.jetstream()
    await provision(js, replicas=1)
    events = await js.key_value("agenda_events")
    for i in range(40):
        await events.put(f"asso-{i % 4}.fete-{i}", f'{{"n": {i}}}'.encode())
    await events.delete("asso-1.fete-1")
    for i in range(25):
        subject = subjects.submission(f"asso-{i % 4}")
        await js.publish(subject, b"{}", headers={"Nats-Msg-Id": f"m-{i}"})
    await nc.close()


def test_a_backup_restores_into_the_three_node_cluster_with_three_replicas(
    tmp_path: Path, scenario: Scenario
) -> None:
    scenario.describe(
        name="Restore into the production cluster with 3 replicas",
        load="40 KV writes and a delete, 25 submissions on one server",
        faults="restored into 3 nodes of cluster.conf (users on) with --replicas 3",
        inputs="the backup of the single server",
        checked="same messages and KV revisions; every stream and bucket with 3 replicas",
    )
    single = NatsServer(workdir=tmp_path / "single").start()
    try:
        asyncio.run(fill(single.url))
        before = asyncio.run(stored_state(single.url))
        saved = backup_cli({"VIEASSO_NATS_URL": single.url}, "backup", str(tmp_path / "b"))
        assert saved.returncode == 0, saved.stderr
    finally:
        single.stop()

    with secured_cluster(tmp_path / "cluster") as cluster:
        restored = backup_cli(
            cluster.client_env(ADMIN), "restore", str(tmp_path / "b"), "--replicas", "3"
        )
        assert restored.returncode == 0, restored.stdout + restored.stderr
        # KV reads may be answered by any replica (direct get): the followers catch up with
        # the restored leader a moment after the restore's answer.
        admin_url = cluster.nodes[0].url
        after = asyncio.run(stored_state(admin_url))
        deadline = time.monotonic() + 30
        while after != before and time.monotonic() < deadline:
            time.sleep(0.5)
            after = asyncio.run(stored_state(admin_url))

        async def replicas() -> dict[str, int | None]:
            nc = await nats.connect(**cluster.connect_options(ADMIN))
            js = nc.jetstream()
            found = {s: (await js.stream_info(s)).config.num_replicas for s in catalogue_streams()}
            await nc.close()
            return found

        assert asyncio.run(replicas()) == dict.fromkeys(catalogue_streams(), 3)
    assert after == before
