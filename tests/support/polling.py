"""Waiting in async tests for what happens in the background: poll with a deadline, never
sleep a fixed time as synchronisation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def eventually(condition: Callable[[], bool], *, within: float, what: str) -> None:
    """Poll `condition` until it holds; fail after `within` seconds (a hang, not a speed)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.02)
