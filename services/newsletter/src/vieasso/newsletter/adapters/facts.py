"""Replays the directory, agenda, entraide and aid-scheme facts into the digest's index,
then follows them.

The index lives in memory and is rebuilt from JetStream at every start (SPEC §2), so the
consumers are ephemeral (`StreamReplay`) reading each stream from its first message;
health turns 200 only once both are caught up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nats.js import JetStreamContext

from vieasso.common import subjects
from vieasso.common.nats.replay import StreamReplay
from vieasso.common.tasks import stop_task

FEEDS = (
    ("ANNUAIRE", "annuaire.>"),
    ("AGENDA", subjects.EVENTS_ALL),
    ("RESSOURCES", subjects.ANNONCES_ALL),  # offers and needs for the associations' letter
    ("AIDES", subjects.SCHEMES_ALL),  # aid deadlines for the associations' letter
)


class FactsFeed:
    def __init__(self, js: JetStreamContext, apply: Callable[[str, bytes], None]) -> None:
        self._feeds = [
            StreamReplay(js, stream, subject, lambda msg: apply(msg.subject, msg.data))
            for stream, subject in FEEDS
        ]
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Replay everything, then follow in the background."""
        for feed in self._feeds:
            await feed.catch_up()
        self._tasks = [asyncio.create_task(feed.follow()) for feed in self._feeds]

    async def stop(self) -> None:
        for feed in self._feeds:
            feed.halt()
        for task in self._tasks:
            await stop_task(task)
        for feed in self._feeds:
            await feed.close()
