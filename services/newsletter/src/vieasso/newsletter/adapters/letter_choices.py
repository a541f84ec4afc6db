"""The associations' choices about their letter, from the ``NEWSLETTER`` stream.

``newsletter.associations.<slug>.subscribed`` / ``.unsubscribed`` (`LetterChoice`: the slug,
the choice, when, from where, which form; no address) are published by the association
space (the annuaire) and by this service's one-click link. They are kept on the stream like
a consent and are the only record of the choice: replayed at every start (before any
letter is built, like the subscribers' departures) and followed afterwards. The last
choice of an association wins; an association that never chose receives the letter. A fact
whose body does not match its subject (another slug, the other choice) is skipped.
"""

from __future__ import annotations

import asyncio
import logging

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError

from vieasso.common import subjects
from vieasso.common.messages.courrier import LetterChoice
from vieasso.common.nats.publish import Publish
from vieasso.common.nats.replay import StreamReplay
from vieasso.common.subjects import LetterChange
from vieasso.common.tasks import stop_task

log = logging.getLogger(__name__)

STREAM = "NEWSLETTER"


def subject_of(choice: LetterChoice) -> str:
    change = LetterChange.SUBSCRIBED if choice.subscribed else LetterChange.UNSUBSCRIBED
    return subjects.letter_choice(choice.association, change)


class LetterChoices:
    def __init__(self, js: JetStreamContext, publish: Publish) -> None:
        self._publish = publish
        self._subscribed: dict[str, bool] = {}
        self._replay = StreamReplay(js, STREAM, subjects.LETTER_CHOICES_ALL, self._take)
        self._task: asyncio.Task[None] | None = None

    def _take(self, msg: Msg) -> None:
        try:
            choice = LetterChoice.model_validate_json(msg.data)
        except ValidationError:
            log.warning("unreadable letter choice skipped", extra={"subject": msg.subject})
            return
        if msg.subject != subject_of(choice):
            log.warning("letter choice unlike its subject skipped", extra={"subject": msg.subject})
            return
        self._subscribed[choice.association] = choice.subscribed

    async def start(self) -> None:
        """Replay every choice, then follow the new ones in the background."""
        await self._replay.catch_up()
        self._task = asyncio.create_task(self._replay.follow(), name="letter-choices")

    def subscribed(self, slug: str) -> bool:
        return self._subscribed.get(slug, True)

    def opted_out(self) -> set[str]:
        return {slug for slug, subscribed in self._subscribed.items() if not subscribed}

    async def record(self, choice: LetterChoice) -> None:
        """Publish the choice (acknowledged by JetStream, or raises `PublishError`); this
        process applies it at once, the others when they read it."""
        await self._publish(subject_of(choice), choice)
        self._subscribed[choice.association] = choice.subscribed

    async def stop(self) -> None:
        self._replay.halt()
        await stop_task(self._task)
        await self._replay.close()
