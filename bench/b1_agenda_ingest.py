"""B1: 20,000 submissions published on NATS by an external client → all in the agenda index.

The agenda runs as its own process (`vieasso-agenda serve`) on a nats-server with
`sync_interval: always`; "in the index" = every submission acknowledged by the agenda's
durable consumer (it acknowledges only after the event is in KV, its fact published and the
in-memory index updated). Baseline, same server, same messages, same publisher: a raw
nats-py pull consumer (another process) that fetches and acknowledges them.
`AgendaPlatform` is shared with B3 and B6.

Two more figures explain the first. With `sync_interval: always` nats-server fsyncs every
stored message, so the disk's fsync rate bounds the stored messages per second: the raw
baseline stores one message per submission, the agenda three (the submission, the event
in `agenda_events`, its fact), so the agenda can reach at most about a third of the raw
rate on one server. The same pair of runs with JetStream's default `sync_interval` (2 min)
shows what the agenda process itself sustains when the disk is not the limit.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from bench.report import Figure
from tests.support.nats_server import NatsServer
from tests.support.processes import VENV_BIN, Process, free_port, wait_until
from vieasso.common import subjects
from vieasso.common.messages.agenda import EventSubmission
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.nats.provisioning import provision

NOW = datetime.now(UTC).replace(microsecond=0)
ASSOCIATIONS = 200
RAW_STREAM, RAW_SUBJECT = "BENCHRAW", "benchraw.submissions"


class AgendaPlatform:
    """A nats-server (sync_interval: always) and, when started, the agenda service."""

    def __init__(self, *, sync_interval: str = "always") -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="vieasso-bench-"))
        self.nats = NatsServer(workdir=self.workdir / "nats", sync_interval=sync_interval).start()
        self.port = free_port()
        self.service: Process | None = None
        self.cache_dir = self.workdir / "agenda-cache"  # the catalog snapshot (B6)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def agenda_env(self) -> dict[str, str]:
        return {
            "VIEASSO_NATS_URL": self.nats.url,
            "VIEASSO_AGENDA_PORT": str(self.port),
            "VIEASSO_LOG_LEVEL": "WARNING",
            "VIEASSO_AGENDA_FEED_MAX_EVENTS": "1000",
            "VIEASSO_AGENDA_CACHE_DIR": str(self.cache_dir),
        }

    def start_agenda(self, *, timeout: float = 60) -> float:
        """Start `vieasso-agenda serve`; seconds until `/healthz` answered 200."""
        started = time.perf_counter()
        self.service = Process(
            [str(VENV_BIN / "vieasso-agenda"), "serve"],
            log=self.workdir / f"agenda-{self.port}.log",
            env=self.agenda_env(),
        ).start()
        wait_until(lambda: healthy(self.base), timeout=timeout, interval=0.01, what="agenda")
        return time.perf_counter() - started

    def stop_agenda(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None

    def close(self) -> None:
        self.stop_agenda()
        self.nats.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def healthy(base: str) -> bool:
    url = f"{base}/healthz"
    with suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310
        return bool(response.status == 200)
    return False


async def fill_directory(js: JetStreamContext, count: int = ASSOCIATIONS) -> list[str]:
    await provision(js, 1)
    kv = await js.key_value("annuaire_associations")
    slugs = [f"association-{i}" for i in range(count)]
    for slug in slugs:
        record = AssociationPublic(
            slug=slug,
            name=f"Association {slug}",
            purpose="Animer la vie du quartier.",
            state=AssociationState.VALIDATED,
            created_at=NOW,
            updated_at=NOW,
        )
        await kv.put(slug, record.model_dump_json().encode())
    return slugs


def submissions(count: int, slugs: list[str]) -> list[tuple[str, bytes, str]]:
    """(slug, body, message id) of `count` distinct events over the next months."""
    out = []
    for i in range(count):
        slug = slugs[i % len(slugs)]
        start = NOW + timedelta(days=1 + i % 300, hours=i % 9)
        message = EventSubmission(
            association=slug,
            event_id=f"ev-{i}",
            title=f"Atelier numéro {i}",
            summary="Une rencontre ouverte à toutes et à tous.",
            start=start,
            end=start + timedelta(hours=2),
            place={
                "name": "Maison de quartier",
                "address": "3 rue Battant",
                "postal_code": "25000",
            },
        )
        out.append((slug, message.model_dump_json().encode(), str(message.message_id)))
    return out


async def publish_all(js: JetStreamContext, messages: list[tuple[str, bytes]]) -> None:
    """The external client: JetStream publishes with acks, many in flight."""
    for subject, body in messages:
        await js.publish_async(subject, body, headers={"Nats-Msg-Id": subject + str(hash(body))})
    await js.publish_async_completed()


async def _pending(js: JetStreamContext, stream: str, durable: str) -> int:
    info = await js.consumer_info(stream, durable)
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


async def _agenda_run(platform: AgendaPlatform, count: int) -> float:
    nc = await nats.connect(platform.nats.url)
    js = nc.jetstream()
    slugs = await fill_directory(js)
    platform.start_agenda()
    data = [(subjects.submission(s), body) for s, body, _ in submissions(count, slugs)]
    started = time.perf_counter()
    await publish_all(js, data)
    while await _pending(js, "AGENDA", "agenda-submissions") > 0:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    kv = await js.key_value("agenda_events")
    stored = (await kv.status()).values
    await nc.close()
    if stored < count:
        raise AssertionError(f"B1: only {stored} of {count} events stored")
    return elapsed


async def _raw_run(platform: AgendaPlatform, count: int) -> float:
    nc = await nats.connect(platform.nats.url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=RAW_STREAM, subjects=[f"{RAW_SUBJECT}.*"]))
    consumer = Process(
        [sys.executable, "-m", "bench.b1_agenda_ingest", platform.nats.url, str(count)],
        log=platform.workdir / "raw-consumer.log",
    ).start()
    await asyncio.sleep(1.0)  # the consumer subscribes before the first publish
    data = [(f"{RAW_SUBJECT}.{s}", body) for s, body, _ in submissions(count, ["x"] * 200)]
    data = [(subject.replace(".x", f".s{i % 200}"), body) for i, (subject, body) in enumerate(data)]
    started = time.perf_counter()
    await publish_all(js, data)
    while consumer.running:  # noqa: ASYNC110 - another process
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    await nc.close()
    return elapsed


async def _raw_consumer(url: str, count: int) -> None:
    """Baseline consumer: fetch 500 at a time, decode the JSON, acknowledge each."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    sub = await js.pull_subscribe(f"{RAW_SUBJECT}.*", durable="raw", stream=RAW_STREAM)
    seen = 0
    while seen < count:
        with suppress(TimeoutError, nats.errors.TimeoutError):
            for msg in await sub.fetch(500, timeout=1):
                json.loads(msg.data)
                await msg.ack()
                seen += 1
    await nc.flush()
    await nc.close()


def fsync_rate(directory: Path, seconds: float = 2.0) -> float:
    """Appends of 1 KB, each followed by fsync, per second, on the disk under `directory`:
    with `sync_interval: always` nats-server syncs every stored message, so this bounds
    the stored messages per second of the whole server."""
    path = directory / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    count, started = 0, time.perf_counter()
    try:
        while time.perf_counter() - started < seconds:
            os.write(fd, b"x" * 1024)
            os.fsync(fd)
            count += 1
    finally:
        os.close(fd)
        path.unlink()
    return count / (time.perf_counter() - started)


def _pair(count: int, sync_interval: str) -> tuple[float, float, float]:
    """(agenda seconds, raw seconds, fsyncs/s) on a fresh server."""
    platform = AgendaPlatform(sync_interval=sync_interval)
    try:
        fsyncs = fsync_rate(platform.workdir)
        raw = asyncio.run(_raw_run(platform, count))
        agenda = asyncio.run(_agenda_run(platform, count))
    finally:
        platform.close()
    return agenda, raw, fsyncs


def run(quick: bool) -> list[Figure]:
    count = 2_000 if quick else 20_000
    agenda, raw, fsyncs = _pair(count, "always")
    # Context, not the SPEC's condition: the same run without a sync per stored message
    # shows what the agenda itself sustains when the disk is not the limit.
    lazy_agenda, lazy_raw, _ = _pair(count, "2m")
    return [
        Figure(
            bench="B1",
            what=f"{count:,} submissions → all in the agenda index (sync_interval: always)",
            value=count / agenda,
            unit="msg/s",
            baseline=count / raw,
            baseline_what="raw nats-py publish + pull consume/ack, same server and messages",
            target="≥ 1,000 msg/s and ≥ 0.3×",
        ),
        Figure(
            bench="B1",
            what="disk under the store: 1 KB appends each followed by fsync (one writer); "
            "a submission costs 3 synced writes (submission, event, fact), the raw baseline 1",
            value=fsyncs,
            unit="fsync/s",
        ),
        Figure(
            bench="B1",
            what=f"context: the same {count:,} submissions with sync_interval: 2m "
            "(JetStream's default, not the SPEC's condition)",
            value=count / lazy_agenda,
            unit="msg/s",
            baseline=count / lazy_raw,
            baseline_what="raw nats-py publish + pull consume/ack, same server and messages",
        ),
    ]


if __name__ == "__main__":  # the baseline's consumer process
    asyncio.run(_raw_consumer(sys.argv[1], int(sys.argv[2])))
