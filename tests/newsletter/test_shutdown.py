"""Stopping the newsletter ends, whatever its background loops are doing at that moment.

The sender (delivery batches), the subscriber mirror and the facts feed wait in nats-py's
`fetch`, which awaits every answer through `asyncio.wait_for`. On Python 3.11 a cancellation
landing in the same loop step as an answer is lost (`vieasso.common.tasks`): here the answer
is the server's 408 that ends an idle pull request (every two seconds for the sender), put in
the subscription's queue just before `stop()` cancels, as when the server's answer and the
stop coincide. That made the teardown of `newsletter_app` hang (issue 12, item 10).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from tests.newsletter.conftest import App
from vieasso.newsletter.service import Newsletter

REQUEST_TIMEOUT = {"Status": "408", "Description": "Request Timeout"}  # as the server sends it
Loop = tuple[JetStreamContext.PullSubscription | None, Callable[[], Coroutine[Any, Any, None]]]


def _sender(newsletter: Newsletter) -> Loop:
    assert newsletter.sender is not None
    return newsletter.queue._sub, newsletter.sender.stop


def _subscriber_mirror(newsletter: Newsletter) -> Loop:
    return newsletter.mirror._replay._sub, newsletter.mirror.stop


def _facts_feed(newsletter: Newsletter) -> Loop:
    return newsletter.feed._feeds[0]._sub, newsletter.feed.stop


def _waiting(pull: JetStreamContext.PullSubscription | None) -> bool:
    """Whether the loop is inside a fetch, waiting for the server's answer."""
    return pull is not None and bool(pull._sub._pending_next_msgs_calls)


@pytest.mark.parametrize("loop", [_sender, _subscriber_mirror, _facts_feed])
async def test_a_fetch_loop_stops_when_an_answer_arrives_as_it_is_cancelled(
    newsletter_app: App, loop: Callable[[Newsletter], Loop]
) -> None:
    deadline = time.monotonic() + 10
    while not _waiting(pull := loop(newsletter_app.newsletter)[0]):
        assert time.monotonic() < deadline, "the loop never waited for messages"
        await asyncio.sleep(0.02)
    assert pull is not None
    subscription = pull._sub
    answer = Msg(subscription._conn, subject=subscription.subject, headers=REQUEST_TIMEOUT)

    subscription._pending_queue.put_nowait(answer)  # the answer, as the stop begins
    stopping = asyncio.create_task(loop(newsletter_app.newsletter)[1]())
    # A hang, not a speed bound: the stop takes milliseconds. (Not `asyncio.timeout`: its
    # cancellation would reach the loop, end it, and hide the hang.)
    done, _ = await asyncio.wait({stopping}, timeout=15)
    assert done, "the stop hangs: the loop lost its cancellation and goes on fetching"
