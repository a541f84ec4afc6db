"""`stop_task`: a background task is stopped in bounded time, whatever it does with the
cancellation."""

from __future__ import annotations

import asyncio
import logging

import pytest

from vieasso.common.tasks import stop_task


async def test_a_loop_that_loses_its_cancellation_in_wait_for_is_stopped() -> None:
    answers: asyncio.Queue[bytes] = asyncio.Queue()
    rounds = 0

    async def loop() -> None:  # what the fetch loops do, nats-py's `next_msg` included
        nonlocal rounds
        while True:
            rounds += 1
            try:
                await asyncio.wait_for(answers.get(), timeout=5)
            except TimeoutError:
                continue

    task = asyncio.create_task(loop())
    while rounds == 0:  # noqa: ASYNC110 - until the loop waits for its first answer
        await asyncio.sleep(0)
    answers.put_nowait(b"408")  # an answer, as the stop begins
    stopping = asyncio.create_task(stop_task(task, within=10))
    done, _ = await asyncio.wait({stopping}, timeout=15)  # a hang, not a speed bound
    assert done
    assert stopping.result() is True
    assert task.cancelled()


async def test_a_task_that_never_ends_is_given_up_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    give_in = asyncio.Event()

    async def stubborn() -> None:
        while not give_in.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="vieasso.common.tasks"):
        assert await stop_task(task, within=1.0) is False
    assert "stubborn" in caplog.text
    assert not task.done()
    give_in.set()
    assert await stop_task(task) is True


async def test_a_task_that_failed_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def failing() -> None:
        raise RuntimeError("broken")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="vieasso.common.tasks"):
        assert await stop_task(task) is True
    assert "broken" in caplog.text
