"""B8: the ressources' availability of a whole catalogue, and approvals on contested stock.

Everything runs against a fresh nats-server with `sync_interval: always` started here.

(a) Availability: 500 equipment models (stock 2–20) and 20,000 reservations spread over two
years, written through the service's stores (`AvailabilityStore.change`: each model's
allocations added by compare-and-set, each checked against the stock by
`AvailabilityRecord.allocate`). Figure: free units of every model for a random 7-day range —
``GET /api/disponibilites?du=&au=`` on the service process, median and p99 of 300 ranges;
as context, the same computation in-process (`handlers.spans.catalogue_free` on a
`RessourcesService` started on the server), without HTTP.
Baseline: the same records read once from the bucket into plain tuples, free units computed
for the same ranges with the same sweep, no service (ratio = baseline ÷ figure).

(b) Approvals: 400 requests of one unit each of one model, all for the same days (the model's
stock equals the requests, so every approval succeeds, but all of them compete for the one
availability record), approved by 16 concurrent tasks through the use case
(`handlers.decisions.approve`: the loan marked by compare-and-set, the units allocated by
compare-and-set on the contested record, the loan stored approved, the fact published).
Baseline: raw nats-py `kv.get` + `kv.update(last=revision)` on one key by 16 concurrent
tasks (retried at once on a wrong revision) until 400 writes succeed, with a value the size
of the availability record half-way, on the same server. Context: the same raw writes
spread over 16 keys (no contention).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import nats
from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError

from bench.report import Figure
from tests.support.nats_server import NatsServer
from tests.support.services import start_service_process
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.ressources.adapters.availability import BUCKET as AVAILABILITY
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.domain.availability import AvailabilityRecord
from vieasso.ressources.domain.catalogue import EquipmentModel, Notice, entry_key
from vieasso.ressources.domain.errors import NotAvailable
from vieasso.ressources.domain.loans import Period
from vieasso.ressources.domain.periods import Allocation, equipment_span
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.spans import catalogue_free
from vieasso.ressources.handlers.unit import Lending
from vieasso.ressources.service import RessourcesService

SEED = 8
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday
FIRST_DAY = NOW.date()
DAYS = 730
RANGE_DAYS = 7
QUERIES = 300
CONCURRENCY = 16
ROUTE = "/api/disponibilites"
ADMIN = "bench-admin-token-b8-ressources-0123456789"


def _settings(nats_url: str) -> RessourcesSettings:
    return RessourcesSettings(
        nats_url=nats_url,
        log_json=False,
        admin_token=ADMIN,
        ressources_max_loans_per_season=0,
        ressources_republish_window_seconds=0,
    )


def _model(i: int, rng: random.Random) -> EquipmentModel:
    return EquipmentModel(
        id=f"modele-{i:04d}",
        name=f"Modèle {i:04d}",
        category="mobilier",
        stock=rng.randint(2, 20),
        storage_place="Centre technique municipal",
        buffer_days=1,
        notice=Notice(min_days=0, max_days=730),
        updated_at=NOW,
    )


def _reservations(model: EquipmentModel, count: int, rng: random.Random) -> AvailabilityRecord:
    """`count` allocations of `model` over two years, each checked against the stock."""
    record = AvailabilityRecord(entry_id=model.id, kind=ResourceKind.EQUIPMENT)
    made = 0
    while made < count:
        starts = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 8))
        first, last = equipment_span(starts, starts + timedelta(days=rng.randint(0, 6)), 1)
        quantity = rng.randint(1, max(1, model.stock // 3))
        allocation = Allocation(
            loan_id=f"pret-{model.id}-{made}", quantity=quantity, first=first, last=last
        )
        try:
            record = record.allocate(allocation, model.stock, model.name) or record
        except NotAvailable:
            continue
        made += 1
    return record


async def _load_catalogue(unit: Lending, js: JetStreamContext, models: int, total: int) -> None:
    rng = random.Random(SEED)
    catalogue = await js.key_value("ressources_catalogue")
    per_model = [total // models + (1 if i < total % models else 0) for i in range(models)]
    made = [(m := _model(i, rng), _reservations(m, per_model[i], rng)) for i in range(models)]

    async def one(model: EquipmentModel, wanted: AvailabilityRecord) -> None:
        await catalogue.put(entry_key(model.kind, model.id), model.model_dump_json().encode())

        def add_all(record: AvailabilityRecord) -> AvailabilityRecord | None:
            for allocation in wanted.allocations:
                record = record.allocate(allocation, model.stock, model.name) or record
            return record

        await unit.availability.change(ResourceKind.EQUIPMENT, model.id, add_all)

    for start in range(0, models, 32):
        await asyncio.gather(*(one(*pair) for pair in made[start : start + 32]))


def _ranges(count: int) -> list[tuple[date, date]]:
    rng = random.Random(SEED + 1)
    starts = (FIRST_DAY + timedelta(days=rng.randrange(DAYS - RANGE_DAYS)) for _ in range(count))
    return [(d, d + timedelta(days=RANGE_DAYS - 1)) for d in starts]


Plain = dict[str, tuple[int, int, list[tuple[int, int, int]]]]


async def _plain_records(js: JetStreamContext) -> Plain:
    """Every model's stock, buffer and allocations read once from the buckets, as tuples."""
    catalogue, availability = (
        await js.key_value("ressources_catalogue"),
        await js.key_value(AVAILABILITY),
    )
    plain: Plain = {}
    for key in await availability.keys():
        record = json.loads((await availability.get(key)).value or b"{}")
        model = json.loads((await catalogue.get(key)).value or b"{}")
        spans = [
            (_ordinal(a["first"]), _ordinal(a["last"]), a["quantity"])
            for a in record["allocations"]
        ]
        plain[model["id"]] = (model["stock"], model["buffer_days"], spans)
    return plain


def _ordinal(slot: dict[str, str]) -> int:
    return 2 * date.fromisoformat(slot["day"]).toordinal() + (slot["half"] != "matin")


def plain_free(plain: Plain, du: date, au: date) -> list[tuple[str, int]]:
    """The baseline: free units of every model for the range, from tuples in memory."""
    found = []
    for model_id, (stock, buffer_days, spans) in plain.items():
        lo, hi = 2 * du.toordinal(), 2 * (au + timedelta(days=buffer_days)).toordinal() + 1
        steps = []
        for first, last, quantity in spans:
            if first <= hi and lo <= last:
                steps.append((max(first, lo), quantity))
                steps.append((min(last, hi) + 1, -quantity))
        steps.sort()
        peak = used = 0
        for _, delta in steps:
            used += delta
            peak = max(peak, used)
        found.append((model_id, max(0, stock - peak)))
    return found


def _timed_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _p99(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=100)[98]


def _over_http(url: str, ranges: list[tuple[date, date]]) -> list[float]:
    with httpx.Client(base_url=url, timeout=30) as client:

        def get(du: date, au: date) -> None:
            params = {"du": du.isoformat(), "au": au.isoformat()}
            client.get(ROUTE, params=params).raise_for_status()

        get(*ranges[0])
        return [_timed_ms(partial(get, du, au)) for du, au in ranges]


async def _connected(settings: RessourcesSettings) -> tuple[NatsRuntime, RessourcesService]:
    runtime = NatsRuntime(settings, service="ressources")
    await runtime.broker.connect()
    await provision(runtime.js, 1, service=runtime.service)
    service = RessourcesService(settings, runtime.publish, FrozenClock(NOW), closed=lambda _: False)
    await service.start(runtime.js, background=False)
    return runtime, service


async def _availability(
    nats_url: str, workdir: Path, models: int, reservations: int
) -> list[Figure]:
    settings = _settings(nats_url)
    runtime, service = await _connected(settings)
    try:
        loading = time.perf_counter()
        await _load_catalogue(service.lending(), runtime.js, models, reservations)
        print(f"  loaded {reservations:,} reservations in {time.perf_counter() - loading:.1f} s")
        plain = await _plain_records(runtime.js)
    finally:
        await service.stop()
        await runtime.broker.stop()
    ranges = _ranges(QUERIES)
    process = start_service_process("ressources", nats_url=nats_url, workdir=workdir)
    try:
        timings = _over_http(process.wait_healthy(timeout=120).url, ranges)
    finally:
        process.stop()
    runtime, service = await _connected(settings)
    try:
        unit = service.lending()

        def computed(du: date, au: date) -> None:
            catalogue_free(unit, Period(starts_on=du, ends_on=au))

        computed(*ranges[0])
        alone = [_timed_ms(partial(computed, du, au)) for du, au in ranges]
    finally:
        await service.stop()
        await runtime.broker.stop()
    plain_free(plain, *ranges[0])
    baseline = [_timed_ms(partial(plain_free, plain, du, au)) for du, au in ranges]
    label = f"{models} models, {reservations:,} reservations over 2 years, 7-day range"
    base_what = "the same records as tuples in memory, same sweep, no service"
    how = f"GET {ROUTE} on the service process"
    return [
        Figure("B8", f"availability of the whole catalogue, median — {label} ({how})",
               statistics.median(timings), "ms", statistics.median(baseline), base_what,
               "≤ 20 ms", higher_is_better=False),
        Figure("B8", f"availability of the whole catalogue, p99 — {label} ({how})",
               _p99(timings), "ms", _p99(baseline), base_what, "", higher_is_better=False),
        Figure("B8", f"context: the same computation in-process, no HTTP, median — {label}",
               statistics.median(alone), "ms", statistics.median(baseline), base_what, "",
               higher_is_better=False),
    ]  # fmt: skip


async def _requests(unit: Lending, model: EquipmentModel, count: int) -> list[str]:
    starts = NOW.date() + timedelta(days=30)
    request = LoanRequest(
        starts_on=starts,
        ends_on=starts + timedelta(days=2),
        lines=(RequestLine(resource_id=model.id, quantity=1),),
    )
    return [(await request_loan(unit, f"asso-{i:04d}", request)).id for i in range(count)]


async def _workers(count: int, job: Callable[[int], Awaitable[None]]) -> float:
    """Run `job(0..count-1)` on CONCURRENCY tasks; the elapsed seconds."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            await job(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started


async def _approvals_per_s(nats_url: str, count: int) -> tuple[float, int]:
    runtime, service = await _connected(_settings(nats_url))
    try:
        unit = service.lending()
        model = _model(9999, random.Random(SEED)).model_copy(
            update={"id": "modele-dispute", "stock": count}
        )
        kv = await runtime.js.key_value("ressources_catalogue")
        await kv.put(entry_key(model.kind, model.id), model.model_dump_json().encode())
        loan_ids = await _requests(unit, model, count)

        async def one(i: int) -> None:
            await approve(unit, loan_ids[i], [1])

        elapsed = await _workers(count, one)
        record, _ = await unit.availability.read(ResourceKind.EQUIPMENT, model.id)
        if len(record.allocations) != count:
            raise RuntimeError(f"{len(record.allocations)} allocations for {count} approvals")
        half = record.model_copy(update={"allocations": record.allocations[: count // 2]})
        return count / elapsed, len(half.model_dump_json().encode())
    finally:
        await service.stop()
        await runtime.broker.stop()


async def _raw_cas_per_s(nats_url: str, count: int, size: int, *, keys: int) -> float:
    """`count` successful get + update(last=) writes by CONCURRENCY tasks over `keys` keys."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    kv = await js.create_key_value(bucket=f"bench_raw_cas_{keys}", history=1)
    value = b"x" * size
    for k in range(keys):
        await kv.put(f"k{k}", value)

    async def one(i: int) -> None:
        key = f"k{i % keys}"
        while True:
            entry = await kv.get(key)
            try:
                await kv.update(key, value, last=entry.revision)
            except KeyWrongLastSequenceError:
                continue
            return

    elapsed = await _workers(count, one)
    await js.delete_key_value(f"bench_raw_cas_{keys}")
    await nc.close()
    return count / elapsed


async def _approvals(nats_url: str, count: int) -> list[Figure]:
    approvals, size = await _approvals_per_s(nats_url, count)
    contested = await _raw_cas_per_s(nats_url, count, size, keys=1)
    spread = await _raw_cas_per_s(nats_url, count, size, keys=CONCURRENCY)
    what = (
        f"{count} approvals of one unit on one model, {CONCURRENCY} concurrent tasks "
        "(sync_interval: always)"
    )
    raw = f"raw kv.get + kv.update(last=) on one key, {CONCURRENCY} tasks, {size // 1024} KB values"
    return [
        Figure("B8", what, approvals, "/s", contested, raw, "≥ 0.3× raw CAS"),
        Figure("B8", f"context: raw kv.get + kv.update(last=) spread over {CONCURRENCY} keys "
               f"(no contention), {CONCURRENCY} tasks, same values", spread, "writes/s"),
    ]  # fmt: skip


def machine_load() -> Figure:
    """The machine is shared (other builds and tests run beside the benchmarks): its load
    when the run starts, so that the figures can be read with it."""
    cores = os.cpu_count() or 1
    return Figure("B8", f"context: load average over the minute before the run ({cores} cores)",
                  os.getloadavg()[0], "runnable tasks")  # fmt: skip


def run(quick: bool) -> list[Figure]:
    models, reservations, approvals = (50, 2000, 80) if quick else (500, 20_000, 400)
    load = machine_load()
    with tempfile.TemporaryDirectory(prefix="b8-ressources-") as tmp:
        work = Path(tmp)
        server = NatsServer(workdir=work / "nats").start()
        try:
            figures = asyncio.run(_availability(server.url, work, models, reservations))
            figures += asyncio.run(_approvals(server.url, approvals))
        finally:
            server.stop()
    return [*figures, load]
