"""Stopping a background task in bounded time.

``task.cancel(); await task`` can wait for ever on Python 3.11: when what a task awaits
through `asyncio.wait_for` completes in the same loop step as the cancellation, `wait_for`
returns the result instead of raising `CancelledError` (CPython gh-86296, fixed in 3.12 only).
nats-py awaits every message that way (`Subscription.next_msg`, hence `fetch` and the KV
watchers), so a loop cancelled as a fetch's answer arrives (even the server's 408 at the end of
an idle pull request) goes round again, and its stop hangs. `stop_task` cancels again while
the task runs, and gives up with a warning after `within` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

STOP_WITHIN = 10.0  # seconds for a task to end once cancelled
RECANCEL_EVERY = 0.5  # seconds: a task still running then lost its cancellation


async def stop_task(task: asyncio.Task[Any] | None, *, within: float = STOP_WITHIN) -> bool:
    """Cancel `task` until it ends, for `within` seconds at most; whether it ended.

    Its exception, if it failed rather than being cancelled, is logged (not raised: a stop
    goes on with the next step).
    """
    if task is None:
        return True
    if not await cancel_until_done(task, within=within):
        return False
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("task %s failed", task.get_name(), exc_info=exc)
    return True


async def cancel_until_done(task: asyncio.Task[Any], *, within: float = STOP_WITHIN) -> bool:
    """Cancel `task`, again every `RECANCEL_EVERY` seconds while it runs, for `within` seconds
    at most; whether it ended (its outcome is left in it). A warning says when it did not."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not task.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            log.warning(
                "task %s still running %.0f s after it was cancelled; left behind",
                task.get_name(),
                within,
            )
            return False
        task.cancel()
        await asyncio.wait({task}, timeout=min(RECANCEL_EVERY, remaining))
    return True
