"""Per-client rate limit: sliding window, bounded memory (LRU), IPv6 counted per /64."""

from __future__ import annotations

from vieasso.common.http.ratelimit import RateLimit, client_key, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_holds_in_the_window_and_frees_as_it_slides() -> None:
    clock = Clock()
    limit = RateLimit(2, 60, clock=clock)

    assert limit.hit("a") == 0.0
    clock.now += 30
    assert limit.hit("a") == 0.0
    assert limit.hit("a") == 30.0  # the first hit leaves the window in 30 s
    assert limit.hit("b") == 0.0
    clock.now += 30
    assert limit.hit("a") == 0.0


def test_memory_is_bounded_by_evicting_the_least_recently_seen_key() -> None:
    limit = RateLimit(1, 60, max_keys=3, clock=Clock())
    for key in ("a", "b", "c"):
        limit.hit(key)
    assert limit.hit("a") > 0  # "a" seen again: now the most recent

    limit.hit("d")  # evicts "b", the least recently seen

    assert len(limit) == 3
    assert limit.hit("a") > 0  # still counted
    assert limit.hit("c") > 0
    assert limit.hit("b") == 0.0  # forgotten: starts afresh


def test_a_flood_of_addresses_never_resets_an_active_visitors_counter() -> None:
    """Beyond `max_keys` the old limiter cleared every counter at once; the LRU forgets only
    the least recently seen, so a visitor who keeps trying stays limited."""
    limit = RateLimit(1, 60, max_keys=100, clock=Clock())
    limit.hit("198.51.100.4")
    for i in range(1000):
        limit.hit(f"10.0.{i // 256}.{i % 256}")
        if i % 50 == 0:
            assert limit.hit("198.51.100.4") > 0, f"counter lost after {i} other addresses"

    assert len(limit) == 100


def test_ipv6_visitors_are_counted_per_64() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("198.51.100.4") == "198.51.100.4"
    assert client_key(None) == "?"


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert retry_after(0.2) == {"Retry-After": "1"}
    assert retry_after(29.01) == {"Retry-After": "30"}
