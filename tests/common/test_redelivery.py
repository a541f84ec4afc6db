"""The retry delays of a message that keeps failing (`vieasso.common.nats.redelivery`)."""

from __future__ import annotations

from typing import cast

from nats.js import JetStreamContext

from vieasso.common.nats.redelivery import ATTEMPTS, MAX_DELIVER, MAX_RETRY_DELAY, Redelivery


def test_the_delay_doubles_with_each_delivery_up_to_a_minute() -> None:
    policy = Redelivery(cast(JetStreamContext, None), "agenda", retry_delay=2.0)
    delays = [policy.delay(n) for n in range(1, ATTEMPTS + 1)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0, 60.0, 60.0]
    assert sum(delays) >= 6 * 60  # six minutes of a passing fault are retried, not given up
    assert policy.delay(10_000) == MAX_RETRY_DELAY


def test_max_deliver_leaves_deliveries_to_dead_letter_after_the_attempts() -> None:
    assert MAX_DELIVER > ATTEMPTS
