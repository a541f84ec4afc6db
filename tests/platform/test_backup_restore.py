"""Backup and restore (SPEC §7): a platform with demo data is backed up while it runs, the
backup is restored into a FRESH nats-server, the services start on it, and every KV record,
every stream message and every feed and export are the same, byte for byte.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.js.errors import KeyNotFoundError

from tests.newsletter.courrier_support import annuaire_publish, polled
from tests.platform.conftest import Scenario
from tests.platform.platform_state import (
    PlatformRun,
    differences,
    public_documents,
    settled_state,
    stored_state,
    wait_until_agenda_idle,
)
from tests.support.nats_server import NatsServer
from tests.support.processes import VENV_BIN
from tests.support.smtp import SmtpServer
from vieasso.annuaire.adapters import demo_data
from vieasso.common.courrier import request_mail
from vieasso.common.messages.courrier import Template, ToAssociation
from vieasso.common.nats.catalogue import BUCKETS

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(300)]

SEED = 17
COUNT = 12


def backup_cli(nats_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIEASSO_NATS_URL": nats_url, "VIEASSO_LOG_JSON": "false"}
    return subprocess.run(
        [str(VENV_BIN / "python"), "-m", "vieasso.common.backup", *argv],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


async def undeliverable_contact(url: str, smtp: SmtpServer) -> None:
    """A mail the annuaire asks for, refused for good by the contact's server: a record in
    `newsletter_courrier` (the city's list of undeliverable contacts)."""
    association = demo_data.associations(COUNT, SEED)[0]
    smtp.handler.fail_next[association.contact.email.lower()] = 550
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await request_mail(
            annuaire_publish(js), "annuaire", key="refus.demo",
            to=ToAssociation(association=association.slug),
            template=Template.INSCRIPTION_REFUSEE, params={"reason": "Demande incomplète."},
        )  # fmt: skip
        kv = await js.key_value("newsletter_courrier")

        async def marked() -> bool:
            try:
                return bool(await kv.get(f"undeliverable.{association.slug}"))
            except KeyNotFoundError:
                return False

        await polled(marked, seconds=60)
    finally:
        await nc.close()


def populate(run: PlatformRun, url: str, smtp: SmtpServer) -> list[str]:
    """Demo data in every stream and bucket, the services done with it; returns the buckets
    left empty on purpose (`aides_sync`: written by the Aides-territoires sync only)."""
    run.cli("annuaire", "demo", "--count", str(COUNT), "--missions", "8", "--seed", str(SEED))
    run.cli("agenda", "demo")
    run.cli("newsletter", "demo")
    run.cli("newsletter", "send-digest", timeout=180)
    asyncio.run(undeliverable_contact(url, smtp))
    wait_until_agenda_idle(url)
    run.cli("ressources", "demo")  # its catalogue and loans
    run.cli("aides", "demo")  # the city's schemes, two associations' answers and follows
    return ["aides_sync"]


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(maildir=tmp_path / "mail").start()
    yield server
    server.stop()


def test_restored_platform_serves_identical_records_and_feeds(
    tmp_path: Path, smtp: SmtpServer, scenario: Scenario
) -> None:
    scenario.describe(
        name="Backup and restore into a fresh server",
        load=f"demo data: {COUNT} associations, missions, events, subscribers, one digest "
        "sent, one association's contact undeliverable",
        faults="the source server and services gone; restore into a fresh nats-server",
        inputs="python -m vieasso.common.backup backup / restore, services started again",
        checked="every stream message (seq, subject, headers, data) and KV record (value, "
        "revision) equal; every feed (ICS/RSS/Atom/JSON-LD, per association), export and "
        "listing equal byte for byte",
    )
    source = NatsServer(workdir=tmp_path / "source").start()
    run = PlatformRun(source.url, tmp_path / "services", smtp)
    try:
        run.start()
        left_empty = populate(run, source.url, smtp)
        slugs = [a.slug for a in demo_data.associations(COUNT, SEED)]
        documents = public_documents(run, slugs)
        stored = asyncio.run(settled_state(source.url))

        began = time.monotonic()
        saved = backup_cli(source.url, "backup", str(tmp_path / "backup"))
        backup_seconds = time.monotonic() - began
        assert saved.returncode == 0, saved.stderr
    finally:
        run.stop()
        source.stop()
    size = sum(f.stat().st_size for f in (tmp_path / "backup").iterdir())

    fresh = NatsServer(workdir=tmp_path / "fresh").start()
    restored_run = PlatformRun(
        fresh.url, tmp_path / "services-2", smtp,
        admin_token=run.admin_token, token_secret=run.token_secret,
    )  # fmt: skip
    try:
        began = time.monotonic()
        restored = backup_cli(fresh.url, "restore", str(tmp_path / "backup"))
        restore_seconds = time.monotonic() - began
        assert restored.returncode == 0, restored.stderr
        restored_state = asyncio.run(stored_state(fresh.url))  # before any service touches it
        assert restored_state == stored, differences(stored, restored_state)

        restored_run.start()
        wait_until_agenda_idle(fresh.url)
        after = public_documents(restored_run, slugs)
        touched = asyncio.run(stored_state(fresh.url))
        assert touched["kv"] == stored["kv"], differences(stored, touched, kinds=("kv",))
    finally:
        restored_run.stop()
        fresh.stop()

    assert {path: status for path, (status, _) in documents.items()} == dict.fromkeys(
        documents, 200
    )
    for path, document in documents.items():
        assert after[path] == document, f"{path} differs after the restore"
    empty = [b.name for b in BUCKETS if b.backed_up and not stored["kv"][b.name]]
    assert empty == left_empty
    scenario.figure("backup size (KiB)", size / 1024)
    scenario.figure("backup, CLI incl. start (s)", backup_seconds)
    scenario.figure("restore, CLI incl. start (s)", restore_seconds)
    scenario.figure("stream messages", sum(len(m) for m in stored["streams"].values()))
    scenario.figure("KV records", sum(len(r) for r in stored["kv"].values()))
    scenario.figure("documents compared", len(documents))
    print(  # noqa: T201
        f"\n{saved.stdout.strip()} / {restored.stdout.strip()}\n"
        f"backup: {size / 1024:.1f} KiB, {backup_seconds:.2f} s (CLI, process included); "
        f"restore: {restore_seconds:.2f} s; "
        f"{sum(len(m) for m in stored['streams'].values())} stream messages, "
        f"{sum(len(r) for r in stored['kv'].values())} KV records, {len(documents)} documents"
    )
