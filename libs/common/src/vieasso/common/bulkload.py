"""Loading a large index at start without paying for the cyclic garbage collector.

Building tens of thousands of small containers (the agenda's 50,000 events, the newsletter's
100,000 subscribers) triggers a collection every 700 allocations, each of the oldest
generation scanning every object built so far: measured at two thirds of the agenda's
snapshot load. Nothing collectable is made during such a load, so the collector is paused,
and what was loaded is then frozen (moved out of the collector's sight, `gc.freeze`) so
that later collections do not scan it again and again while the service runs.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for a bulk load, then freeze what was loaded."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
