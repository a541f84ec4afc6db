"""B5 (annuaire part): import 5,000 associations, search latency over them, service memory
with 5,000 associations and 20,000 missions.

Everything runs against a fresh nats-server (`sync_interval: always`) started here:
- import: `vieasso-annuaire import FILE.csv` (the real CLI, process start included) of a
  5,000-row city spreadsheet; baseline: raw nats-py `kv.create` + fact publish of the same
  records, 8 at a time like the import, on the same server;
- search: `GET /api/associations?q=…` on the running service (`vieasso-annuaire serve`),
  and `GET /api/missions` once the missions are loaded: median of 42 distinct queries, each
  asked once (computed), and of repeated queries (answers are kept until the next change);
  baseline: `GET /healthz` on the same connection;
- memory: RSS of the service process group once healthy (indexes rebuilt from JetStream)
  with 5,000 associations and 20,000 missions; baseline: the same service with empty buckets.
"""

from __future__ import annotations

import asyncio
import csv
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import nats

from bench.memory import group_rss_mb
from bench.report import Figure
from tests.support.nats_server import NatsServer
from tests.support.processes import VENV_BIN
from tests.support.services import ServiceProcess, start_service_process
from vieasso.annuaire.adapters import demo_data
from vieasso.annuaire.adapters.csv_layouts import CITY_COLUMNS
from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.handlers.demo import load_demo
from vieasso.annuaire.service import standalone

SEED = 5
QUERIES = ("judo", "chorale planoise", "epicerie solidaire", "comite des fetes", "velotte")
FIRST_TIME = tuple(
    f"{word} {place}"
    for word in ("club", "atelier", "amis", "association", "comite", "jardins", "chorale")
    for place in ("battant", "planoise", "palente", "velotte", "chaprais", "montrapon")
)
"""Distinct queries: each answered for the first time (answers are kept until a change)."""


def _csv(path: Path, count: int) -> None:
    columns = list(CITY_COLUMNS.values())
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(columns)
        for a in demo_data.associations(count, SEED):
            f = a.fields
            address = f.address
            writer.writerow([
                f.name, f.short_name or "", f.purpose, f.rna_id or "", f.siren or "",
                f.siret or "", "|".join(f.themes), f.quartier or "",
                address.street if address else "", address.postal_code if address else "",
                address.city if address else "", f.email or "", f.phone or "",
                str(f.website or ""), "|".join(map(str, f.social_links)),
                "" if f.employs_staff is None else ("oui" if f.employs_staff else "non"),
                f.founded_on.isoformat() if f.founded_on else "", a.contact.name,
                a.contact.email, a.contact.phone or "",
            ])  # fmt: skip


def _import(path: Path, nats_url: str) -> float:
    env = {**os.environ, "VIEASSO_NATS_URL": nats_url, "VIEASSO_LOG_JSON": "false"}
    started = time.perf_counter()
    done = subprocess.run(
        [str(VENV_BIN / "vieasso-annuaire"), "import", str(path)],
        env=env, capture_output=True, text=True, check=False, timeout=1800,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"import failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed


async def _raw_baseline(nats_url: str, count: int) -> float:
    """The same records written with raw nats-py: create in KV, publish a fact, 8 at once."""
    records = [
        (a.slug, a.fields.model_dump_json().encode()) for a in demo_data.associations(count, 99)
    ]
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    kv = await js.create_key_value(bucket="bench_raw_associations", history=1)
    started = time.perf_counter()

    async def one(key: str, value: bytes) -> None:
        await kv.create(key, value)
        await js.publish(f"annuaire.associations.{key}.registered", value,
                         headers={"Nats-Msg-Id": f"raw-{key}"})  # fmt: skip

    for i in range(0, len(records), 8):
        await asyncio.gather(*(one(k, v) for k, v in records[i : i + 8]))
    elapsed = time.perf_counter() - started
    await js.delete_key_value("bench_raw_associations")
    await nc.close()
    return elapsed


async def _missions(nats_url: str, associations: int, missions: int) -> None:
    settings = AnnuaireSettings(nats_url=nats_url, log_json=False)
    async with standalone(settings) as app:
        await load_demo(app, count=associations, missions=missions, seed=SEED, concurrency=32)


def _latency_ms(client: httpx.Client, path: str, params: dict[str, str], n: int) -> float:
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return statistics.median(timings)


def _serve(nats_url: str, workdir: Path) -> ServiceProcess:
    service = start_service_process("annuaire", nats_url=nats_url, workdir=workdir)
    return service.wait_healthy(timeout=300)


def run(quick: bool) -> list[Figure]:
    count, missions = (300, 1200) if quick else (5000, 20_000)
    with tempfile.TemporaryDirectory(prefix="b5-annuaire-") as tmp:
        work = Path(tmp)
        server = NatsServer(workdir=work / "nats").start()
        try:
            empty = _serve(server.url, work)
            time.sleep(1.0)
            empty_rss = group_rss_mb(empty)
            empty.stop()
            path = work / "associations.csv"
            _csv(path, count)
            import_s = _import(path, server.url)
            raw_s = asyncio.run(_raw_baseline(server.url, count))
            service = _serve(server.url, work)
            with httpx.Client(base_url=service.url) as client:
                health_ms = _latency_ms(client, "/healthz", {}, 300)
                search_ms = statistics.median(
                    _latency_ms(client, "/api/associations", {"q": q}, 60) for q in QUERIES
                )
                first_ms = statistics.median(
                    _latency_ms(client, "/api/associations", {"q": q}, 1) for q in FIRST_TIME
                )
                total = client.get("/api/associations", params={"limit": 1}).json()["total"]
            service.stop()
            if total < count:
                raise RuntimeError(f"only {total} associations searchable after import")
            asyncio.run(_missions(server.url, count, missions))
            loaded = _serve(server.url, work)
            time.sleep(1.0)
            loaded_rss = group_rss_mb(loaded)
            with httpx.Client(base_url=loaded.url) as client:
                missions_first_ms = statistics.median(
                    _latency_ms(client, "/api/missions", {"q": q}, 1) for q in FIRST_TIME
                )
                missions_ms = statistics.median(
                    _latency_ms(client, "/api/missions", params, 40)
                    for params in ({}, {"theme": "sport"}, {"q": "accueil"})
                )
            loaded.stop()
        finally:
            server.stop()
    n = f"{count:,}"
    return [
        Figure("B5", f"annuaire import of {n} rows (CLI, process start included)",
               count / import_s, "rows/s", baseline=count / raw_s,
               baseline_what="raw nats-py kv.create + publish, 8 at once"),
        Figure("B5", f"annuaire search, first time a query is asked, {n} associations, median",
               first_ms, "ms", baseline=health_ms, baseline_what="GET /healthz",
               higher_is_better=False),
        Figure("B5", f"annuaire search, repeated query, {n} associations, median", search_ms,
               "ms", baseline=health_ms, baseline_what="GET /healthz", higher_is_better=False),
        Figure("B5", f"annuaire mission search, first time, {missions:,} missions, median",
               missions_first_ms, "ms", baseline=health_ms, baseline_what="GET /healthz",
               higher_is_better=False),
        Figure("B5", f"annuaire mission search, repeated, {missions:,} missions, median",
               missions_ms, "ms", baseline=health_ms, baseline_what="GET /healthz",
               higher_is_better=False),
        Figure("B5", f"annuaire RSS with {n} associations + {missions:,} missions",
               loaded_rss, "MB", baseline=empty_rss, baseline_what="empty buckets",
               target="< 250 MB", higher_is_better=False),
    ]  # fmt: skip
