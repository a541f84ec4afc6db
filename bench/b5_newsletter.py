"""B5 (newsletter part): RSS of the newsletter service with 5,000 associations, 50,000
events and 100,000 subscribers.

A fresh nats-server (`sync_interval: always`) receives the directory and agenda facts and
the subscribers; then `vieasso-newsletter serve` starts and rebuilds its indexes from
JetStream (the digest index from the facts, the subscriber mirror from KV). Figure: RSS of
its process group once `/healthz` answers 200; baseline: the same service on empty streams.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import time
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
from nats.js import JetStreamContext

from bench.b4_newsletter import random_preferences
from bench.memory import group_rss_mb
from bench.report import Figure
from tests.newsletter import facts
from tests.support.nats_server import NatsServer
from tests.support.services import ServiceProcess, start_service_process
from vieasso.common.nats.provisioning import provision
from vieasso.common.reference.loader import load_quartiers, load_themes
from vieasso.newsletter.adapters.subscribers import SubscriberStore
from vieasso.newsletter.domain.subscriber import (
    Consent,
    Subscriber,
    SubscriberState,
    new_subscriber_id,
)

IN_FLIGHT = 256


async def _gated(calls: list[Coroutine[Any, Any, object]], limit: int = IN_FLIGHT) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(call: Coroutine[Any, Any, object]) -> None:
        async with gate:
            await call

    await asyncio.gather(*(one(c) for c in calls))


async def populate(js: JetStreamContext, associations: int, events: int, subscribers: int) -> None:
    rng = random.Random(5)
    now = datetime.now(UTC)
    themes = [t.code for t in load_themes()]
    quartiers = [q.code for q in load_quartiers()]
    published = [
        facts.association_validated(
            now - timedelta(days=rng.randint(0, 700)), name=f"Association {n}",
            themes=tuple(rng.sample(themes, 2)), quartier=rng.choice(quartiers),
        )
        for n in range(associations)
    ] + [
        facts.event_published(
            now + timedelta(hours=rng.randint(-24, 365 * 24)), title=f"Événement {n}",
            themes=tuple(rng.sample(themes, 1)), quartier=rng.choice(quartiers),
        )
        for n in range(events)
    ]  # fmt: skip
    await _gated(
        [js.publish(subject, message.model_dump_json().encode()) for subject, message in published]
    )
    store = SubscriberStore(await js.key_value("newsletter_subscribers"))
    await _gated(
        [
            store.add(
                Subscriber(
                    id=new_subscriber_id(),
                    email=f"lecteur-{n}@example.org",
                    preferences=random_preferences(rng, themes, quartiers),
                    state=SubscriberState.ACTIVE,
                    created_at=now,
                    updated_at=now,
                    consent=Consent(
                        requested_at=now, ip="192.0.2.1", form_version="bench", confirmed_at=now
                    ),
                )
            )
            for n in range(subscribers)
        ]
    )


def _serve(nats_url: str, workdir: Path) -> tuple[ServiceProcess, float]:
    started = time.perf_counter()
    service = start_service_process(
        "newsletter", nats_url=nats_url, workdir=workdir, env={"VIEASSO_DIGEST_SCHEDULE": "false"}
    )
    service.wait_healthy(timeout=600)
    return service, time.perf_counter() - started


def run(quick: bool) -> list[Figure]:
    associations, events, subscribers = (500, 5_000, 10_000) if quick else (5_000, 50_000, 100_000)
    workdir = Path(tempfile.mkdtemp(prefix="vieasso-b5n-"))
    server = NatsServer(workdir=workdir / "nats").start()
    try:

        async def prepare(fill: bool) -> None:
            nc = await nats.connect(server.url)
            js = nc.jetstream()
            await provision(js, 1)
            if fill:
                await populate(js, associations, events, subscribers)
            await nc.close()

        asyncio.run(prepare(fill=False))
        empty, _ = _serve(server.url, workdir / "empty")
        try:
            empty_rss = group_rss_mb(empty)
        finally:
            empty.stop()
        asyncio.run(prepare(fill=True))
        full, start_seconds = _serve(server.url, workdir / "full")
        try:
            rss = group_rss_mb(full)
        finally:
            full.stop()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"B5  newsletter ready in {start_seconds:.1f} s with {subscribers:,} subscribers")
    return [
        Figure(
            "B5", f"newsletter RSS, {associations:,} associations + {events:,} events + "
            f"{subscribers:,} subscribers", rss, "MB", baseline=empty_rss,
            baseline_what="same service, empty streams", target="< 250 MB",
            higher_is_better=False,
        )
    ]  # fmt: skip
