"""B4: one digest edition to 20,000 subscribers with varied interests.

A nats-server (`sync_interval: always`) and the SMTP sink (`python -m devtools.mailsink`,
saving every mail as .eml) run as their own processes. The measured run is the real
command, `vieasso-newsletter send-digest`, in its own process: rate = recipients / (edition
finished − edition created), both read from the edition record; its peak RSS (VmHWM) is
polled from /proc. Baseline, same run, same sink: raw aiosmtplib sending pre-serialised
mails of the same size over the same number of connections (8), from this process; the
mean of two runs, each into an emptied mail directory after `sync`.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosmtplib
import nats
from nats.js import JetStreamContext

from bench.report import Figure
from tests.newsletter import facts
from tests.support.nats_server import NatsServer
from tests.support.processes import REPO, VENV_BIN, Process, free_port, port_open, wait_until
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.nats.provisioning import provision
from vieasso.common.reference.loader import load_quartiers, load_themes
from vieasso.newsletter.adapters.editions import EditionStore
from vieasso.newsletter.adapters.subscribers import SubscriberStore
from vieasso.newsletter.domain.edition import edition_id
from vieasso.newsletter.domain.subscriber import (
    Consent,
    Preferences,
    Subscriber,
    SubscriberState,
    Topic,
    new_subscriber_id,
)

CONNECTIONS = 8
BASELINE_RUNS = 2  # it moved by a fifth between runs minutes apart
WRITERS = 64


class MailSink:
    """`python -m devtools.mailsink` in its own process."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.maildir = workdir / "mail"
        self.process = Process(
            [sys.executable, "-m", "devtools.mailsink", "--port", str(self.port),
             "--maildir", str(self.maildir)],
            log=workdir / "mailsink.log",
        ).start()  # fmt: skip
        wait_until(lambda: port_open(self.port), timeout=15, what="the SMTP sink")

    def count(self) -> int:
        return sum(1 for _ in self.maildir.glob("*.eml"))

    def clear(self) -> None:
        shutil.rmtree(self.maildir, ignore_errors=True)
        self.maildir.mkdir(parents=True)

    def stop(self) -> None:
        self.process.stop()


def random_preferences(rng: random.Random, themes: list[str], quartiers: list[str]) -> Preferences:
    topics = [t for t in Topic if rng.random() < 0.7] or [Topic.EVENEMENTS]
    return Preferences(
        themes=tuple(sorted(rng.sample(themes, rng.choice((0, 1, 2, 3))))),
        quartiers=tuple(sorted(rng.sample(quartiers, rng.choice((0, 0, 1, 2))))),
        topics=tuple(topics),
    )


async def populate(js: JetStreamContext, subscribers: int, rng: random.Random) -> None:
    """Facts of a busy week and `subscribers` confirmed subscribers with varied interests."""
    now = datetime.now(UTC)
    themes = [t.code for t in load_themes()]
    quartiers = [q.code for q in load_quartiers()]
    published = []
    for n in range(40):
        published.append(facts.association_validated(
            now - timedelta(hours=rng.randint(2, 150)), name=f"Association {n}",
            themes=tuple(rng.sample(themes, 2)), quartier=rng.choice(quartiers),
        ))  # fmt: skip
    for n in range(40):
        published.append(facts.mission_published(
            now - timedelta(hours=rng.randint(2, 150)), title=f"Mission bénévole {n}",
            themes=tuple(rng.sample(themes, 1)), quartier=rng.choice([*quartiers, None]),
        ))  # fmt: skip
    for n in range(150):
        published.append(facts.event_published(
            now + timedelta(hours=rng.randint(2, 20 * 24)), title=f"Événement {n}",
            themes=tuple(rng.sample(themes, 1)), quartier=rng.choice(quartiers),
        ))  # fmt: skip
    for subject, message in published:
        await js.publish(subject, message.model_dump_json().encode())
    store = SubscriberStore(await js.key_value("newsletter_subscribers"))
    gate = asyncio.Semaphore(WRITERS)

    async def add(n: int, preferences: Preferences) -> None:
        async with gate:
            await store.add(Subscriber(
                id=new_subscriber_id(), email=f"lecteur-{n}@example.org", preferences=preferences,
                state=SubscriberState.ACTIVE, created_at=now, updated_at=now,
                consent=Consent(requested_at=now, form_version="bench", confirmed_at=now),
            ))  # fmt: skip

    await asyncio.gather(
        *(add(n, random_preferences(rng, themes, quartiers)) for n in range(subscribers))
    )


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def send_digest(nats_url: str, sink: MailSink, workdir: Path) -> tuple[float, float]:
    """Run `vieasso-newsletter send-digest`; (wall seconds, peak RSS MB)."""
    env = {
        "VIEASSO_NATS_URL": nats_url,
        "VIEASSO_SMTP_PORT": str(sink.port),
        "VIEASSO_SMTP_POOL_SIZE": str(CONNECTIONS),
        "VIEASSO_DIGEST_SCHEDULE": "false",
        "VIEASSO_LOG_JSON": "false",
        "COLUMNS": "100",
    }
    started = time.perf_counter()
    process = Process(
        [str(VENV_BIN / "vieasso-newsletter"), "send-digest"], log=workdir / "send.log", env=env
    ).start()
    peak = 0.0
    assert process.popen is not None
    while process.popen.poll() is None:
        peak = max(peak, peak_rss_mb(process.popen.pid))
        time.sleep(0.1)
    if process.popen.returncode != 0:
        raise RuntimeError(f"send-digest failed:\n{process.output()[-3000:]}")
    return time.perf_counter() - started, peak


async def baseline(port: int, mails: int, size: int) -> float:
    """Raw aiosmtplib: pre-serialised mails over CONNECTIONS connections; mails/s."""
    body = (b"x" * 75 + b"\r\n") * (size // 77)
    messages = [
        b"From: lettre@example.org\r\nTo: lecteur-%d@example.org\r\nSubject: B4\r\n\r\n" % n + body
        for n in range(mails)
    ]
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for n, message in enumerate(messages):
        queue.put_nowait((n, message))

    async def connection() -> None:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as smtp:
            while not queue.empty():
                n, message = queue.get_nowait()
                await smtp.sendmail("lettre@example.org", [f"lecteur-{n}@example.org"], message)

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return mails / (time.perf_counter() - started)


async def edition_rate(nats_url: str) -> tuple[float, int, int]:
    """(mails/s from the edition record, recipients, distinct contents)."""
    nc = await nats.connect(nats_url)
    try:
        store = EditionStore(await nc.jetstream().key_value("newsletter_editions"))
        eid = edition_id(Frequency.HEBDOMADAIRE, datetime.now(UTC), ZoneInfo("Europe/Paris"))
        found = await store.get(eid)
        assert found is not None, "no edition"
        edition = found[0]
        assert edition.finished_at is not None
        seconds = (edition.finished_at - edition.created_at).total_seconds()
        return edition.delivered / seconds, edition.delivered, edition.distinct_contents
    finally:
        await nc.close()


def run(quick: bool) -> list[Figure]:
    subscribers = 1_000 if quick else 20_000
    workdir = Path(tempfile.mkdtemp(prefix="vieasso-b4-"))
    server = NatsServer(workdir=workdir / "nats").start()
    sink = MailSink(workdir)
    os.chdir(REPO)
    try:

        async def prepare() -> None:
            nc = await nats.connect(server.url)
            js = nc.jetstream()
            await provision(js, 1)
            await populate(js, subscribers, random.Random(4))
            await nc.close()

        asyncio.run(prepare())
        wall, peak = send_digest(server.url, sink, workdir)
        rate, delivered, distinct = asyncio.run(edition_rate(server.url))
        assert sink.count() == delivered, (sink.count(), delivered)
        sizes = [p.stat().st_size for p in list(sink.maildir.glob("*.eml"))[:200]]
        size = sum(sizes) // max(1, len(sizes))
        raws = []
        for _ in range(BASELINE_RUNS):
            sink.clear()
            os.sync()  # the deleted mails' writes do not land in the baseline's time
            raws.append(asyncio.run(baseline(sink.port, delivered, size)))
        raw = statistics.mean(raws)
    finally:
        sink.stop()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"B4  {delivered:,} mails of ~{size / 1024:.0f} KB, {distinct:,} distinct contents; "
        f"send-digest wall time {wall:.1f} s (process start, index load, build, send); "
        f"raw baseline runs: {', '.join(f'{r:.0f}' for r in raws)} mails/s",
        flush=True,
    )
    return [
        Figure(
            "B4", f"digest edition, {delivered:,} mails, {CONNECTIONS} connections", rate,
            "mails/s", baseline=raw,
            baseline_what=f"raw aiosmtplib, pre-serialised, mean of {BASELINE_RUNS} runs",
            target="≥ 600 mails/s and ≥ 0.7×",
        ),
        Figure(
            "B4", "send-digest peak RSS", peak, "MB", target="< 300 MB", higher_is_better=False
        ),
    ]  # fmt: skip
