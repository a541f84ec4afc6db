"""A backup taken in the middle of a burst of submissions restores to a platform that loses
nothing the restored streams hold: every submission on the restored AGENDA stream ends up as
an event once the agenda runs on the restored server (the streams, with the agenda's consumer
position, are saved before the buckets its handler writes: see vieasso.common.backup.archive).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import pytest

from tests.platform.conftest import Scenario
from tests.platform.platform_state import stored_state, wait_until_agenda_idle
from tests.support.nats_server import NatsServer
from tests.support.processes import VENV_BIN, wait_until
from tests.support.services import ServiceProcess, start_service_process
from vieasso.annuaire.adapters import demo_data
from vieasso.common import subjects
from vieasso.common.messages.agenda import EventSubmission, Place

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(240)]

SEED = 23
BURST = 600


def run(argv: list[str], nats_url: str) -> str:
    done = subprocess.run(
        argv, env={**os.environ, "VIEASSO_NATS_URL": nats_url, "VIEASSO_LOG_JSON": "false"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def burst(url: str, slugs: list[str], published: list[int]) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    place = Place(name="Salle", address="1 rue Battant", postal_code="25000")
    for i in range(BURST):
        slug = slugs[i % len(slugs)]
        message = EventSubmission(
            association=slug, event_id=f"atelier-{i}", title=f"Atelier {i}",
            start=start, end=start + timedelta(hours=1), place=place,
        )  # fmt: skip
        await js.publish(subjects.submission(slug), message.model_dump_json().encode(),
                         headers={"Nats-Msg-Id": str(message.message_id)})  # fmt: skip
        published.append(i)
    await nc.close()


def start_pair(url: str, workdir: Path) -> list[ServiceProcess]:
    pair = [start_service_process(name, nats_url=url, workdir=workdir)
            for name in ("annuaire", "agenda")]  # fmt: skip
    for svc in pair:
        svc.wait_healthy(timeout=60)
    return pair


def test_backup_during_a_burst_restores_without_losing_a_stored_submission(
    tmp_path: Path, scenario: Scenario
) -> None:
    scenario.describe(
        name="Backup in the middle of a burst of submissions",
        load=f"{BURST} submissions published while the agenda applies them",
        faults="backup taken mid-burst; restore into a fresh server; agenda restarted on it",
        inputs="valid submissions for 4 demo associations",
        checked="every submission of the restored AGENDA stream becomes an event; no other",
    )
    source = NatsServer(workdir=tmp_path / "source").start()
    services = start_pair(source.url, tmp_path / "a")
    published: list[int] = []
    try:
        annuaire = str(VENV_BIN / "vieasso-annuaire")
        run([annuaire, "demo", "--count", "4", "--missions", "0", "--seed", str(SEED)], source.url)
        slugs = [a.slug for a in demo_data.associations(4, SEED)]
        writer = threading.Thread(target=lambda: asyncio.run(burst(source.url, slugs, published)))
        writer.start()
        wait_until(lambda: len(published) >= BURST // 6, timeout=60, what="the burst to start")
        backup = [str(VENV_BIN / "python"), "-m", "vieasso.common.backup"]
        began = len(published)
        run([*backup, "backup", str(tmp_path / "backup")], source.url)
        ended = len(published)
        writer.join(timeout=120)
    finally:
        for svc in services:
            svc.stop()
        source.stop()

    fresh = NatsServer(workdir=tmp_path / "fresh").start()
    try:
        run([*backup, "restore", str(tmp_path / "backup")], fresh.url)
        services = start_pair(fresh.url, tmp_path / "b")
        wait_until_agenda_idle(fresh.url)
        state = asyncio.run(stored_state(fresh.url))
    finally:
        for svc in services:
            svc.stop()
        fresh.stop()
    submitted = {
        f"{subject.rsplit('.', 1)[1]}.{json.loads(data)['event_id']}"
        for _, subject, data, _ in state["streams"]["AGENDA"]
        if subject.startswith("agenda.submissions.")
    }
    events = set(state["kv"]["agenda_events"])
    burst_keys = {f"{slugs[i % len(slugs)]}.atelier-{i}" for i in range(BURST)}
    assert len(submitted) >= began
    assert submitted <= events, f"lost after restore: {sorted(submitted - events)[:5]}"
    assert events <= burst_keys
    scenario.figure("published when the backup began", began)
    scenario.figure("published when it ended", ended)
    scenario.figure("submissions in the restored stream", len(submitted))
    scenario.figure("events after restore", len(events))
    print(  # noqa: T201
        f"\nbackup began after {began} and ended after {ended} of {BURST} submissions; "
        f"restored stream: {len(submitted)}, restored events: {len(events)}"
    )
