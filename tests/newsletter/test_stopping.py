"""Stopping the newsletter's loops when a cancellation is swallowed on the way.

nats-py's `fetch` waits in `asyncio.wait_for` (Python 3.11), which swallows a cancellation
that arrives as the message it waits for does: the task is then "cancelling" but its
coroutine goes on. A loop that relies on `CancelledError` alone never ends, and neither does
the `stop()` awaiting it (seen: the teardown of `newsletter_app` hanging until
pytest-timeout, about one run of tests/newsletter in three). `FetchSwallowsCancel` is that
third-party behaviour made certain, on the real queue.
"""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from tests.newsletter.conftest import App
from vieasso.common.nats.replay import StreamReplay
from vieasso.newsletter.adapters.queue import DeliveryQueue
from vieasso.newsletter.entrypoints.sender import Sender

pytestmark = [pytest.mark.nats, pytest.mark.smtp]

STOP_BOUND = 10.0  # seconds: detects a hang, measures nothing


class FetchSwallowsCancel(DeliveryQueue):
    """The real queue, but a cancellation during `fetch` is swallowed (as wait_for does)."""

    def __init__(self, js: JetStreamContext, ack_wait: float) -> None:
        super().__init__(js, ack_wait)
        self.fetching = asyncio.Event()

    async def fetch(self, count: int, wait: float) -> list[Msg]:
        self.fetching.set()
        try:
            return await super().fetch(count, wait)
        except asyncio.CancelledError:
            return []


async def test_sender_stops_even_when_its_fetch_swallows_the_cancellation(
    newsletter_app: App,
) -> None:
    app = newsletter_app.newsletter
    queue = FetchSwallowsCancel(app.js, app.settings.send_ack_wait)
    sender = Sender(queue, app.deliverer, app.editions, concurrency=4)
    sender.start()
    await queue.fetching.wait()
    try:
        await asyncio.wait_for(sender.stop(), STOP_BOUND)
    finally:
        await queue.close()


class SwallowingReplay(StreamReplay):
    """A real replay whose consumer's fetch swallows a cancellation (as wait_for does)."""

    def __init__(self, js: JetStreamContext) -> None:
        super().__init__(js, "NEWSLETTER", "newsletter.>", lambda _msg: None)
        self.fetching = asyncio.Event()

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        sub = await super()._subscribe()
        fetch, fetching = sub.fetch, self.fetching

        async def swallowing(
            batch: int = 1,
            timeout: float | None = 5,  # noqa: ASYNC109 - nats-py's fetch signature
            heartbeat: float | None = None,
        ) -> list[Msg]:
            fetching.set()
            try:
                return await fetch(batch, timeout, heartbeat)
            except asyncio.CancelledError:
                return []

        sub.fetch = swallowing  # type: ignore[method-assign]
        return sub


async def test_a_stream_replay_stops_following_even_when_its_fetch_swallows_the_cancellation(
    newsletter_app: App,
) -> None:
    replay = SwallowingReplay(newsletter_app.newsletter.js)
    await replay.catch_up()
    replay.fetching.clear()
    following = asyncio.create_task(replay.follow())
    await replay.fetching.wait()
    replay.halt()
    following.cancel()
    try:
        await asyncio.wait_for(following, STOP_BOUND)
    except asyncio.CancelledError:
        pass
    finally:
        await replay.close()
    assert following.done()
