"""The clocks tests inject (`vieasso.common.clock`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from vieasso.common.clock import ShiftedClock


def test_a_shifted_clock_runs_as_time_does_from_another_moment() -> None:
    shift = timedelta(hours=-9, minutes=-20)
    clock = ShiftedClock(shift)
    before = datetime.now(UTC)
    first = clock.now()
    after = datetime.now(UTC)
    assert before + shift <= first <= after + shift
    assert first.tzinfo is UTC
    time.sleep(0.01)
    assert clock.now() - first >= timedelta(seconds=0.01)
