"""The production configuration end to end: every service and its commands, each with
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
from tests.security.secured_nats import SecuredCluster, secured_cluster
from tests.support.processes import VENV_BIN, wait_until
from tests.support.services import (
    SERVICES,
    ServiceProcess,
    start_service_process,
)
from vieasso.annuaire.adapters import demo_data

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.nats, pytest.mark.timeout(180)]

SEED = 5
DEMOS = (
    ("annuaire", ["demo", "--count", "3", "--missions", "2", "--seed", str(SEED)]),
    ("agenda", ["demo"]),
    ("ressources", ["demo"]),
)


R3 = {"VIEASSO_NATS_REPLICAS": "3"}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[SecuredCluster]:
    with secured_cluster(tmp_path / "cluster") as nodes:
        yield nodes


def test_services_run_with_their_users_on_the_production_cluster(
    cluster: SecuredCluster, tmp_path: Path, scenario: Scenario
) -> None:
    scenario.describe(
        name="NATS users on the production cluster (cluster.conf + accounts.conf, R3)",
        load=f"{len(SERVICES)} services + the demo commands ({', '.join(s for s, _ in DEMOS)}), "
        "each with its own user",
        faults="3 nodes enforcing the shipped users and permissions",
        inputs="everything the services and their commands do",
        checked="healthy, demo events in the feed, no violation logged by any node",
    )
    running: dict[str, ServiceProcess] = {}
    try:
        for name in SERVICES:
            running[name] = start_service_process(
                name, nats_url=cluster.nats_url, workdir=tmp_path,
                env={**cluster.service_env(name), **R3},
            )  # fmt: skip
        for svc in running.values():
            svc.wait_healthy(timeout=90)
        for service, argv in DEMOS:
            done = subprocess.run(
                [str(VENV_BIN / f"vieasso-{service}"), *argv],
                env={**os.environ, **cluster.client_env(service), **R3},
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
