"""The scheduled backup job of deploy/ (`python -m vieasso.common.backup schedule`): it backs
up periodically into ROOT/<UTC time>, keeps the newest N, and `status` (the container's health
check) says whether a recent complete backup exists."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
from pathlib import Path

import pytest
from nats.js import JetStreamContext

from tests.support.nats_server import NatsServer
from tests.support.processes import VENV_BIN, Process, wait_until
from vieasso.common.backup.archive import catalogue_streams
from vieasso.common.nats.provisioning import provision

pytestmark = [pytest.mark.nats, pytest.mark.timeout(90)]
SECRET = secrets.token_hex(8)


def backup_command(*argv: str) -> list[str]:
    return [str(VENV_BIN / "python"), "-m", "vieasso.common.backup", *argv]


def status(root: Path, max_age: int) -> int:
    return subprocess.run(
        backup_command("status", str(root), "--max-age", str(max_age)),
        capture_output=True, timeout=30, check=False,
    ).returncode  # fmt: skip


async def test_schedule_backs_up_periodically_keeps_the_newest_and_reports_health(
    nats_server: NatsServer, js: JetStreamContext, tmp_path: Path
) -> None:
    await provision(js, replicas=1)
    root = tmp_path / "backups"
    assert status(root, 3600) == 1  # nothing yet: unhealthy
    job = Process(
        backup_command("schedule", str(root), "--every", "1.2", "--keep", "2"),
        log=tmp_path / "schedule.log",
        env={
            "VIEASSO_NATS_URL": nats_server.url.replace("//", f"//admin:{SECRET}@"),
            "VIEASSO_LOG_JSON": "true",
        },
    ).start()
    try:
        await asyncio.to_thread(
            wait_until,
            lambda: job.output().count('"backup done"') >= 3,
            timeout=60,
            what="three backups",
        )
    finally:
        job.stop()
    kept = sorted(p.name for p in root.iterdir())
    assert len(kept) == 2, kept  # the oldest ones were removed, no partial left behind
    for name in kept:
        manifest = json.loads((root / name / "manifest.json").read_text())
        assert [e["stream"] for e in manifest["streams"]] == catalogue_streams()
    assert status(root, 3600) == 0
    assert SECRET not in job.output()
