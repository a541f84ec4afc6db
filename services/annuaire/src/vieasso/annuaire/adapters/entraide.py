"""The open annonces between associations per kind, for the home page (issue 17).

The ressources own the annonces; the annuaire only reads their facts
(``ressources.annonces.<slug>.published|closed|hidden`` on ``RESSOURCES``, public fields,
no personal data) and counts the open ones in memory. The counts are rebuilt at every start
by replaying those facts from the stream's first message, then follow them (`StreamReplay`,
an ephemeral consumer per replica): every replica counts the same facts, so two replicas
show the same home page, and nothing is stored twice. A fact that cannot be read goes to
the dead letters (``deadletter.annuaire.ressources.annonces.…``, its id derived from the
original's, so the replicas' copies are one) and the replay goes on.
"""

from __future__ import annotations

import asyncio

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from vieasso.common import subjects
from vieasso.common.entraide import KindCount, OpenAnnonces
from vieasso.common.nats.deadletter import publish_dead_letter
from vieasso.common.nats.replay import StreamReplay
from vieasso.common.tasks import stop_task

STREAM = "RESSOURCES"
SERVICE = "annuaire"


class EntraideCounts:
    def __init__(self) -> None:
        self._open = OpenAnnonces()
        self._replay: StreamReplay | None = None
        self._task: asyncio.Task[None] | None = None

    def counts(self) -> tuple[KindCount, ...]:
        return self._open.counts()

    async def start(self, js: JetStreamContext) -> None:
        """Replay every annonce fact, then follow them in the background."""

        async def reject(msg: Msg, error: str) -> None:
            await publish_dead_letter(js, SERVICE, msg, error)

        self._replay = StreamReplay(
            js,
            STREAM,
            subjects.ANNONCES_ALL,
            lambda msg: self._open.take(msg.subject, msg.data),
            reject,
        )
        await self._replay.catch_up()
        self._task = asyncio.create_task(self._replay.follow(), name="annuaire-entraide-counts")

    async def stop(self) -> None:
        if self._replay is None:
            return
        self._replay.halt()
        await stop_task(self._task)
        await self._replay.close()
        self._replay = None
