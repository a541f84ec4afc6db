"""The fast path's URL → bytes memory: kept until the catalog changes or local midnight
(Europe/Paris), when every feed's window moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.feedcache import FeedCache, Rendered
from vieasso.common.clock import FrozenClock

PARIS = ZoneInfo("Europe/Paris")
URL = ("/feeds/agenda.ics", b"theme=sport")


def cache_at(local: datetime) -> tuple[FeedCache, FrozenClock, Catalog]:
    clock = FrozenClock(local)
    catalog = Catalog()
    return FeedCache(catalog, clock, public_url="https://x.example", max_events=10), clock, catalog


def rendered(body: bytes) -> Rendered:
    return Rendered(body, datetime(2026, 3, 28, tzinfo=UTC), "text/calendar; charset=utf-8")


def test_kept_until_local_midnight_then_forgotten() -> None:
    # The night of the March switch: midnight is 23:00 UTC before, and the day is 23 h long.
    feeds, clock, _ = cache_at(datetime(2026, 3, 28, 20, 0, tzinfo=PARIS))
    answer = rendered(b"BEGIN:VCALENDAR")
    feeds.remember(*URL, answer)
    assert feeds.recall(*URL) is answer
    assert feeds.recall("/feeds/agenda.ics", b"") is None
    clock.advance(timedelta(hours=3, minutes=59, seconds=59))  # 23:59:59 local
    assert feeds.recall(*URL) is answer
    clock.advance(timedelta(seconds=1))  # 00:00 local, 23:00 UTC
    assert clock.now() == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert feeds.recall(*URL) is None

    again = rendered(b"BEGIN:VCALENDAR again")
    feeds.remember("/feeds/agenda.rss", b"", again)
    assert feeds.recall(*URL) is None  # yesterday's answer was dropped, not revived
    assert feeds.recall("/feeds/agenda.rss", b"") is again
    clock.advance(timedelta(hours=22, minutes=59, seconds=59))  # 29 March is 23 h long
    assert feeds.recall("/feeds/agenda.rss", b"") is again
    clock.advance(timedelta(seconds=1))  # 30 March, 00:00 local (22:00 UTC)
    assert feeds.recall("/feeds/agenda.rss", b"") is None


def test_forgotten_when_the_catalog_changes() -> None:
    feeds, _, catalog = cache_at(datetime(2026, 6, 1, 12, 0, tzinfo=PARIS))
    feeds.remember(*URL, rendered(b"x"))
    catalog.begin_load()
    assert feeds.recall(*URL) is not None
    catalog.end_load()  # the catalog tells its listeners it changed
    assert feeds.recall(*URL) is None
