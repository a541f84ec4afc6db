"""B5 (agenda part): resident memory with 50,000 events and 5,000 associations.

The agenda process (granian's main process and its worker) after start-up and after serving
its feeds once (ICS, RSS, Atom, JSON-LD: rendered pieces cached). Baseline in the same run:
the same process with no events.
"""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import nats

from bench.b1_agenda_ingest import AgendaPlatform, fill_directory
from bench.b2_agenda_ics import synthetic_records
from bench.report import Figure
from vieasso.agenda.adapters.store import BUCKET, encode

MB = 1024 * 1024


def rss_of_tree(pid: int) -> int:
    """Resident bytes of `pid` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


async def fill(url: str, events: int, associations: int) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await fill_directory(js, associations)
    for record in synthetic_records(events, associations=associations):
        await js.publish_async(f"$KV.{BUCKET}.{record.key}", encode(record))
    await js.publish_async_completed()
    await nc.close()


def serve_feeds(base: str) -> None:
    for ext in ("ics", "rss", "atom", "jsonld"):
        for encoding in ("identity", "gzip"):
            request = urllib.request.Request(  # noqa: S310
                f"{base}/feeds/agenda.{ext}", headers={"Accept-Encoding": encoding}
            )
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                response.read()


def measure(platform: AgendaPlatform) -> int:
    platform.start_agenda(timeout=120)
    serve_feeds(platform.base)
    assert platform.service is not None
    assert platform.service.popen is not None
    rss = rss_of_tree(platform.service.popen.pid)
    platform.stop_agenda()
    return rss


def run(quick: bool) -> list[Figure]:
    events, associations = (5_000, 500) if quick else (50_000, 5_000)
    platform = AgendaPlatform()
    try:
        empty = measure(platform)
        asyncio.run(fill(platform.nats.url, events, associations))
        loaded = measure(platform)
    finally:
        platform.close()
    return [
        Figure(
            bench="B5",
            what=f"agenda RSS with {events:,} events, {associations:,} associations, feeds served",
            value=loaded / MB,
            unit="MB",
            baseline=empty / MB,
            baseline_what="same process, no events",
            target="< 250 MB",
            higher_is_better=False,
        )
    ]
