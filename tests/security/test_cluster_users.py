"""The production configuration end to end: the three services and their commands, each with
its own NATS user, on the three nodes of deploy/nats/cluster.conf (with the shipped
accounts.conf, R3 streams and buckets): they become healthy, the demo data flows from the
directory to the agenda's feed, and no node logs a permission violation."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import Scenario
from tests.support.nats_cluster import NatsCluster
from tests.support.processes import VENV_BIN, wait_until
from tests.support.services import SERVICES, ServiceProcess, start_service_process
from vieasso.annuaire.adapters import demo_data

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.nats, pytest.mark.timeout(180)]

SEED = 5
DEMOS = (
    ("annuaire", ["demo", "--count", "3", "--missions", "2", "--seed", str(SEED)]),
    ("agenda", ["demo"]),
)


def user_env(cluster: NatsCluster, user: str) -> dict[str, str]:
    return {
        "VIEASSO_NATS_URL": ",".join(f"nats://127.0.0.1:{n.client_port}" for n in cluster.nodes),
        "VIEASSO_NATS_REPLICAS": "3",
        "VIEASSO_NATS_USER": user,
        "VIEASSO_NATS_PASSWORD": cluster.nodes[0].passwords[f"NATS_PASSWORD_{user.upper()}"],
    }


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    nodes = NatsCluster.create(tmp_path / "cluster")
    try:
        yield nodes.start()
    finally:
        nodes.stop()


def test_services_run_with_their_users_on_the_production_cluster(
    cluster: NatsCluster, tmp_path: Path, scenario: Scenario
) -> None:
    scenario.describe(
        name="NATS users on the production cluster (cluster.conf + accounts.conf, R3)",
        load="3 services + annuaire and agenda demo commands, each with its own user",
        faults="3 nodes enforcing the shipped users and permissions",
        inputs="everything the services and their commands do",
        checked="healthy, demo events in the feed, no violation logged by any node",
    )
    running: dict[str, ServiceProcess] = {}
    try:
        for name in SERVICES:
            env = user_env(cluster, name)
            running[name] = start_service_process(
                name, nats_url=env.pop("VIEASSO_NATS_URL"), workdir=tmp_path, env=env
            )
        for svc in running.values():
            svc.wait_healthy(timeout=90)
        for service, argv in DEMOS:
            done = subprocess.run(
                [str(VENV_BIN / f"vieasso-{service}"), *argv],
                env={**os.environ, **user_env(cluster, service)},
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
        slugs = [a.slug for a in demo_data.associations(3, SEED)]

        def in_feed() -> bool:
            feed = httpx.get(f"{running['agenda'].url}/feeds/agenda.ics", timeout=10).text
            return any(f"UID:{slug}." in feed for slug in slugs)

        wait_until(in_feed, timeout=30, what="the demo events in the agenda's feed")
    finally:
        for svc in running.values():
            svc.stop()
    logs = "\n".join(n.process.output() for n in cluster.nodes if n.process is not None)
    assert [line for line in logs.splitlines() if "Violation" in line] == []
