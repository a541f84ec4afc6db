"""B1: 20,000 submissions published on NATS by an external client → all in the agenda index.

The agenda runs as its own process (`vieasso-agenda serve`) on a nats-server with
`sync_interval: always`; "in the index" = every submission acknowledged by the agenda's
durable consumer (it acknowledges only after the event is in KV, its fact published and the
in-memory index updated). Baseline, same server, same messages, same publisher: a raw
nats-py pull consumer (another process) that fetches and acknowledges them.
`AgendaPlatform` is shared with B3 and B6.
"""

from __future__ import annotations

import asyncio
import json
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

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="vieasso-bench-"))
        self.nats = NatsServer(workdir=self.workdir / "nats").start()
        self.port = free_port()
        self.service: Process | None = None
        self.cache_dir = self.workdir / "agenda-cache"  # the catalog snapshot (B6)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_agenda(self, *, timeout: float = 60) -> float:
        """Start `vieasso-agenda serve`; seconds until `/healthz` answered 200."""
        env = {
            "VIEASSO_NATS_URL": self.nats.url,
            "VIEASSO_AGENDA_PORT": str(self.port),
            "VIEASSO_LOG_LEVEL": "WARNING",
            "VIEASSO_AGENDA_FEED_MAX_EVENTS": "1000",
            "VIEASSO_AGENDA_CACHE_DIR": str(self.cache_dir),
        }
        started = time.perf_counter()
        self.service = Process(
            [str(VENV_BIN / "vieasso-agenda"), "serve"],
            log=self.workdir / f"agenda-{self.port}.log",
            env=env,
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


def run(quick: bool) -> list[Figure]:
    count = 2_000 if quick else 20_000
    platform = AgendaPlatform()
    try:
        raw = asyncio.run(_raw_run(platform, count))
        agenda = asyncio.run(_agenda_run(platform, count))
    finally:
        platform.close()
    return [
        Figure(
            bench="B1",
            what=f"{count:,} submissions → all in the agenda index (sync_interval: always)",
            value=count / agenda,
            unit="msg/s",
            baseline=count / raw,
            baseline_what="raw nats-py publish + pull consume/ack, same server and messages",
            target="≥ 1,000 msg/s and ≥ 0.3×",
        )
    ]


if __name__ == "__main__":  # the baseline's consumer process
    asyncio.run(_raw_consumer(sys.argv[1], int(sys.argv[2])))
