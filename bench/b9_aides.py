"""B9: the Aides-territoires sync, and matching every synced aid for one association.

A fresh nats-server (`sync_interval: always`) and the local fake of the documented API
(tests/support/aides_territoires.py: real HTTP, a thread of this process) serving 5,000 aids
of the recorded sample's shapes, each with its own id, 100 a page.

(a) Full sync: `vieasso-aides sync`'s job in-process (`entrypoints.sync.sync_once` on the
service's `standalone` unit): JWT, the commune's perimeter, 50 pages following `next`, every
record read and mapped, 5,000 compare-and-set creates and 5,000 facts. Baseline: the bare
HTTP fetch of the same requests with httpx (JWT, perimeter, 50 pages, JSON decoded), nothing
else (ratio = baseline ÷ figure: the share of the sync's time spent fetching).
(b) Incremental sync: 50 aids changed at the source (newer `date_updated`, new name), synced
again: the same pages read, 50 stores. Same baseline, measured again.
(c) Matching: `domain.matching.matches` of one association (one theme, a quartier, no staff,
founded 2015, its answers given) over the 5,000 synced aids as the service holds them; median
of 200 calls, target ≤ 20 ms (also its CPU time, as context on a shared machine).
Baseline: the bare visit of the same list (published ones kept by `plainly_excluded`, sorted
by next closing date), no reasons.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.report import Figure
from tests.support.aides_territoires import FakeAidesTerritoires, fake_aides_territoires, numbered
from tests.support.nats_server import NatsServer
from vieasso.aides.adapters.aides_territoires_sample import sample_records
from vieasso.aides.config import AidesSettings
from vieasso.aides.domain.deadlines import next_closing
from vieasso.aides.domain.follows import Answers, BudgetBand
from vieasso.aides.domain.matching import Profile, matches, plainly_excluded
from vieasso.aides.domain.schemes import AidScheme
from vieasso.aides.domain.sync_report import SyncReport
from vieasso.aides.entrypoints.sync import sync_once
from vieasso.aides.service import AidesService, standalone

TODAY = date(2026, 12, 7)
PROFILE = Profile(
    themes=frozenset({"culture"}), quartier="battant", employs_staff=False,
    founded_on=date(2015, 3, 1),
    answers=Answers(budget=BudgetBand.FROM_10K_TO_50K, volunteers=25,
                    project_start=date(2027, 5, 1), project_end=date(2027, 6, 30)),
)  # fmt: skip
MATCH_RUNS = 200


def _settings(nats_url: str, fake: FakeAidesTerritoires) -> AidesSettings:
    return AidesSettings(
        nats_url=nats_url, log_json=False, log_level="WARNING", aides_territoires_url=fake.url,
        aides_territoires_token=fake.token, aides_sync_backoff_seconds=0.05,
    )  # fmt: skip


async def _bare_fetch(fake: FakeAidesTerritoires) -> float:
    """The same requests as a sync, nothing done with the answers: seconds."""
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as http:
        login = await http.post(f"{fake.url}/api/connexion/", headers={"X-AUTH-TOKEN": fake.token})
        bearer = {"Authorization": f"Bearer {login.json()['token']}"}
        params = {"insees": "25056", "scale": "commune"}
        found = await http.get(f"{fake.url}/api/perimeters/", params=params, headers=bearer)
        perimeter = found.json()["results"][0]["id"].split("-", 1)[0]
        url: str | None = f"{fake.url}/api/aids/"
        query: dict[str, str] | None = {
            "perimeter_id": perimeter, "organization_type_slugs": "association",
            "itemsPerPage": "100",
        }  # fmt: skip
        while url is not None:
            body: dict[str, Any] = (await http.get(url, params=query, headers=bearer)).json()
            url, query = body.get("next"), None
    return time.perf_counter() - started


async def _timed_sync(
    service: AidesService, settings: AidesSettings
) -> tuple[float, SyncReport | None]:
    started = time.perf_counter()
    report = await sync_once(service.schemes(), service.sync_state, settings)
    return time.perf_counter() - started, report


def _matching(schemes: list[AidScheme], runs: int) -> tuple[float, float, float, int]:
    """Median ms of `matches` (wall clock, CPU time of this thread) and of the bare visit;
    how many aids were listed."""
    timings, cpu, bare = [], [], []
    listed = 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        listed = len(matches(PROFILE, schemes, TODAY))
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        started = time.perf_counter()
        kept = [s for s in schemes if s.published and not plainly_excluded(PROFILE, s)]
        kept.sort(key=lambda s: next_closing(s.deadlines, TODAY) or date.max)
        bare.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.median(cpu), statistics.median(bare), listed


async def _run(nats_url: str, fake: FakeAidesTerritoires, changes: int) -> list[Figure]:
    settings = _settings(nats_url, fake)
    count = len(fake.aids)
    pages = -(-count // 100)
    async with standalone(settings) as service:
        bare_full = await _bare_fetch(fake)
        full, report = await _timed_sync(service, settings)
        if report is None or report.created != count:
            raise RuntimeError(f"the full sync did not create every aid: {report}")
        later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        for i in range(0, count, count // changes)[:changes]:
            fake.aids[i] = fake.aids[i] | {"date_updated": later, "name": f"Aide modifiée {i}"}
        bare_again = await _bare_fetch(fake)
        incremental, report = await _timed_sync(service, settings)
        if report is None or report.updated != changes:
            raise RuntimeError(f"the incremental sync did not update {changes} aids: {report}")
        schemes = service.store.values()
    median, cpu, bare_match, listed = _matching(schemes, MATCH_RUNS)
    what = f"bare HTTP fetch of the same {pages} pages"
    return [
        Figure("B9", f"full sync of {count:,} aids ({pages} pages) into NATS", full, "s",
               bare_full, what, higher_is_better=False),
        Figure("B9", f"incremental sync, {changes} aids changed among {count:,}", incremental,
               "s", bare_again, what, higher_is_better=False),
        Figure("B9", f"matching all {len(schemes):,} synced aids for one association "
               f"({listed} listed), median of {MATCH_RUNS}", median, "ms", bare_match,
               "bare visit: filter + sort, no reasons", "≤ 20 ms median", higher_is_better=False),
        Figure("B9", "context: the same matching, CPU time of its thread (what the load above "
               "does not add), median", cpu, "ms", target="≤ 20 ms median",
               higher_is_better=False),
    ]  # fmt: skip


def machine_load() -> Figure:
    cores = os.cpu_count() or 1
    return Figure("B9", f"context: load average over the minute before the run ({cores} cores)",
                  os.getloadavg()[0], "runnable tasks")  # fmt: skip


def run(quick: bool) -> list[Figure]:
    count, changes = (500, 5) if quick else (5000, 50)
    load = machine_load()
    with tempfile.TemporaryDirectory(prefix="b9-aides-") as tmp:
        server = NatsServer(workdir=Path(tmp) / "nats").start()
        try:
            with fake_aides_territoires() as fake:
                fake.aids = numbered(sample_records(), count)
                figures = asyncio.run(_run(server.url, fake, changes))
        finally:
            server.stop()
    return [*figures, load]
