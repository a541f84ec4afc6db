"""The Aides-territoires sync on a real nats-server (its own, fresh: the sync withdraws every
synced aid a complete listing lacks) against the local fake of the documented API: full
sync over several pages, incremental sync, removal, a page failing once and a rate limit
retried, a page failing for good, malformed records skipped and reported, no token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from typer.testing import CliRunner

from tests.aides.test_aides_territoires_mapping import sample
from tests.support.aides_territoires import (
    FakeAidesTerritoires,
    fake_aides_territoires,
    numbered,
)
from tests.support.nats_server import NatsServer
from vieasso.aides.adapters.aides_territoires import AidesTerritoires
from vieasso.aides.config import AidesSettings
from vieasso.aides.domain.schemes import SchemeState
from vieasso.aides.domain.sync_report import SyncReport
from vieasso.aides.entrypoints.cli import app
from vieasso.aides.entrypoints.sync import sync_once
from vieasso.aides.handlers.sync import NO_TOKEN
from vieasso.aides.service import AidesService, standalone
from vieasso.common.clock import FrozenClock

pytestmark = pytest.mark.nats

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(workdir=tmp_path / "own-nats").start()
    yield server
    server.stop()


@pytest.fixture
def fake() -> Iterator[FakeAidesTerritoires]:
    with fake_aides_territoires() as served:
        yield served


def many(count: int) -> list[Any]:
    return numbered(sample(), count)


def settings_for(nats_url: str, fake: FakeAidesTerritoires, **changes: Any) -> AidesSettings:
    values: dict[str, Any] = {
        "nats_url": nats_url, "log_json": False, "aides_territoires_url": fake.url,
        "aides_territoires_token": fake.token, "aides_sync_backoff_seconds": 0.01,
    } | changes  # fmt: skip
    return AidesSettings(**values)


@asynccontextmanager
async def aides(settings: AidesSettings, clock: FrozenClock) -> AsyncIterator[AidesService]:
    async with standalone(settings, clock) as service:
        yield service


async def sync(service: AidesService, settings: AidesSettings, **kw: Any) -> SyncReport:
    report = await sync_once(service.schemes(), service.sync_state, settings, **kw)
    assert report is not None
    return report


async def facts(nats_url: str) -> dict[str, int]:
    """How many facts of each change the AIDES stream holds."""
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info("AIDES", subjects_filter="aides.schemes.>")
        counts: dict[str, int] = {}
        for subject, n in (info.state.subjects or {}).items():
            change = subject.rsplit(".", 1)[1]
            counts[change] = counts.get(change, 0) + n
        return counts
    finally:
        await nc.close()


async def test_full_sync_reads_every_page_and_stores_every_live_aid(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(250)
    settings = settings_for(own_nats.url, fake)
    pages: list[tuple[int, int]] = []
    async with aides(settings, FrozenClock(NOW)) as service:
        report = await sync(service, settings, progress=lambda d, t: pages.append((d, t)))
        stored = {s.id: s for s in service.store.values()}
        cursor = await service.sync_state.cursor()
        saved = await service.sync_state.report()
    assert (report.pages, report.fetched, report.created, report.complete) == (3, 250, 250, True)
    assert (report.updated, report.withdrawn, report.unchanged, report.skipped_count) == (0,) * 4
    assert pages == [(1, 3), (2, 3), (3, 3)]
    assert fake.pages_served() == [1, 2, 3]
    first = next(s for s in fake.requests if s.path == "/api/aids/")
    assert first.query == {
        "perimeter_id": ["70417"], "organization_type_slugs": ["association"],
        "itemsPerPage": ["100"],
    }  # fmt: skip
    assert [s.path for s in fake.requests].count("/api/connexion/") == 1
    assert len(stored) == 250
    assert all(s.state is SchemeState.PUBLISHED for s in stored.values())
    assert stored["at-200000"].funders == tuple(sample()[0]["financers"])
    newest = max(datetime.fromisoformat(r["date_updated"]) for r in fake.aids)
    assert cursor.date_updated == newest
    assert cursor.complete_at == NOW
    assert saved is not None
    assert saved.created == 250
    assert await facts(own_nats.url) == {"published": 250}


async def test_incremental_sync_stores_only_the_aids_updated_since(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(150)
    settings = settings_for(own_nats.url, fake)
    clock = FrozenClock(NOW)
    async with aides(settings, clock) as service:
        await sync(service, settings)
        versions = {s.id: s.version for s in service.store.values()}
        later = "2026-12-06T18:00:00+01:00"
        for i in (3, 77, 149):
            fake.aids[i] = fake.aids[i] | {"date_updated": later, "name": f"Nouveau nom {i}"}
        clock.advance(timedelta(hours=1))
        report = await sync(service, settings)
        after = {s.id: s for s in service.store.values()}
        cursor = await service.sync_state.cursor()
    assert (report.created, report.updated, report.unchanged, report.withdrawn) == (0, 3, 147, 0)
    changed = {i for i, s in after.items() if s.version != versions[i]}
    assert changed == {"at-200003", "at-200077", "at-200149"}
    assert after["at-200077"].name == "Nouveau nom 77"
    assert cursor.date_updated == datetime.fromisoformat(later)
    assert await facts(own_nats.url) == {"published": 150, "updated": 3}


async def test_an_aid_gone_or_no_longer_live_is_withdrawn(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(30)
    settings = settings_for(own_nats.url, fake)
    async with aides(settings, FrozenClock(NOW)) as service:
        await sync(service, settings)
        gone = fake.aids.pop(10)
        fake.aids[0] = fake.aids[0] | {"is_live": False}
        report = await sync(service, settings)
        stored = {s.id: s for s in service.store.values()}
        again = await sync(service, settings)
    assert (report.withdrawn, report.unchanged, report.updated) == (2, 28, 0)
    assert stored[f"at-{gone['id']}"].state is SchemeState.WITHDRAWN
    assert stored["at-200000"].state is SchemeState.WITHDRAWN
    assert sum(s.published for s in stored.values()) == 28
    assert (again.withdrawn, again.unchanged) == (0, 29)  # withdrawn once, not at every run
    assert await facts(own_nats.url) == {"published": 30, "withdrawn": 2}


async def test_a_failing_page_and_a_rate_limit_are_retried(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(250)
    fake.failures = {2: 1}
    fake.rate_limit_once = {3}
    settings = settings_for(own_nats.url, fake)
    async with aides(settings, FrozenClock(NOW)) as service:
        report = await sync(service, settings)
    assert (report.complete, report.created, report.retries) == (True, 250, 2)
    statuses = [
        (s.query.get("page", ["1"])[0], s.status) for s in fake.requests if s.path == "/api/aids/"
    ]
    assert statuses == [("1", 200), ("2", 500), ("2", 200), ("3", 429), ("3", 200)]


async def test_a_page_failing_for_good_stops_the_run_and_withdraws_nothing(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(250)
    settings = settings_for(own_nats.url, fake)
    async with aides(settings, FrozenClock(NOW)) as service:
        await sync(service, settings)
        cursor = await service.sync_state.cursor()
        fake.aids.pop(0)
        fake.failures = {2: 99}
        report = await sync(service, settings)
        stored = {s.id: s for s in service.store.values()}
        assert await service.sync_state.cursor() == cursor
        assert await service.sync_state.report() == report
    assert report.complete is False
    assert report.error == "Aides-territoires a répondu 500."
    assert (report.pages, report.withdrawn, report.retries) == (1, 0, 4)
    assert stored["at-200000"].state is SchemeState.PUBLISHED


async def test_a_listing_shorter_than_announced_or_empty_withdraws_nothing(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(30)
    settings = settings_for(own_nats.url, fake)
    async with aides(settings, FrozenClock(NOW)) as service:
        await sync(service, settings)
        fake.aids.pop(5)
        fake.count_more = 1  # pages ended before the count said
        short = await sync(service, settings)
        fake.aids, fake.count_more = [], 0  # e.g. a renamed filter: nothing matches
        empty = await sync(service, settings)
        stored = {s.id: s for s in service.store.values()}
    assert short.error == "Aides-territoires a annoncé 30 aides mais n'en a envoyé que 29."
    assert empty.error == "La liste d'Aides-territoires est vide."
    assert (short.withdrawn, empty.withdrawn) == (0, 0)
    assert all(s.state is SchemeState.PUBLISHED for s in stored.values())
    assert await facts(own_nats.url) == {"published": 30}


async def test_malformed_records_are_skipped_and_reported(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(5)
    fake.aids[1] = fake.aids[1] | {"submission_deadline": "bientôt"}
    fake.aids.insert(3, "pas un objet")
    fake.aids[4] = fake.aids[4] | {"financers": [], "instructors": []}
    settings = settings_for(own_nats.url, fake)
    async with aides(settings, FrozenClock(NOW)) as service:
        report = await sync(service, settings)
        ids = {s.id for s in service.store.values()}
    assert (report.complete, report.fetched, report.created, report.skipped_count) == (
        True,
        6,
        3,
        3,
    )
    assert [(s.source_id, s.reason) for s in report.skipped] == [
        ("200001", "champ(s) illisible(s) : submission_deadline"),
        (None, "l'enregistrement n'est pas un objet JSON"),
        ("200003", "aucun porteur ni instructeur"),
    ]
    assert ids == {"at-200000", "at-200002", "at-200004"}


async def test_an_expired_jwt_is_renewed_once(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(120)
    settings = settings_for(own_nats.url, fake)
    async with aides(settings, FrozenClock(NOW)) as service:
        original, expired = fake.answer, list[str]()

        def expiring(method: str, target: str, headers: Any) -> Any:
            if "page=2" in target and not expired:  # the JWT's 24 hours end after page 1
                expired.append(target)
                fake.expire_tokens()
            return original(method, target, headers)

        fake.answer = expiring  # type: ignore[method-assign]
        report = await sync(service, settings)
    assert report.complete
    assert report.created == 120
    assert [s.path for s in fake.requests].count("/api/connexion/") == 2


async def test_without_a_token_nothing_runs(
    own_nats: NatsServer, fake: FakeAidesTerritoires, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.aids = many(3)
    settings = settings_for(own_nats.url, fake, aides_territoires_token=None)
    async with aides(settings, FrozenClock(NOW)) as service:
        assert await sync_once(service.schemes(), service.sync_state, settings) is None
        assert await service.sync_state.report() is None
        assert service.store.values() == []
    monkeypatch.setenv("VIEASSO_NATS_URL", own_nats.url)
    monkeypatch.setenv("VIEASSO_AIDES_TERRITOIRES_URL", fake.url)
    monkeypatch.delenv("VIEASSO_AIDES_TERRITOIRES_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 0, result.output
    assert " ".join(result.output.split()) == NO_TOKEN
    assert fake.requests == []


def test_sync_command_shows_progress_and_the_report(
    own_nats: NatsServer, fake: FakeAidesTerritoires, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.aids = [*many(4), {"id": "x"}]
    monkeypatch.setenv("VIEASSO_NATS_URL", own_nats.url)
    monkeypatch.setenv("VIEASSO_AIDES_TERRITOIRES_URL", fake.url)
    monkeypatch.setenv("VIEASSO_AIDES_TERRITOIRES_TOKEN", fake.token)
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "pages" in text
    assert "1/1" in text
    assert "1 page(s), 5 fiche(s) ; 4 ajoutée(s), 0 mise(s) à jour, 0 retirée(s)" in text
    assert "1 ignorée(s)" in text
    assert "ignorée x : champ(s) illisible(s) : id, name" in text
    complete = CliRunner().invoke(app, ["sync", "--complete"])
    assert complete.exit_code == 0, complete.output
    assert "0 ajoutée(s), 0 mise(s) à jour, 0 retirée(s), 4 inchangée(s)" in complete.output
    assert fake.pages_served() == [1, 1]


async def test_a_page_that_hangs_is_retried_and_next_never_leaves_the_site(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(150)
    fake.stall_once = {2: 3.0}
    fake.next_base = "http://aides-territoires.invalid"  # the API names its own host in `next`
    async with AidesTerritoires(fake.url, fake.token, backoff=0.01, timeout=0.5) as client:
        pages = [page async for page in client.aids(await client.perimeter_id("25056"))]
    assert [(p.number, len(p.results)) for p in pages] == [(1, 100), (2, 50)]
    assert client.retries == 1
    assert fake.pages_served() == [1, 2]


async def test_a_refused_token_is_reported_and_nothing_else_is_asked(
    own_nats: NatsServer, fake: FakeAidesTerritoires
) -> None:
    fake.aids = many(3)
    settings = settings_for(own_nats.url, fake, aides_territoires_token="not-the-token")
    async with aides(settings, FrozenClock(NOW)) as service:
        report = await sync(service, settings)
        assert await service.sync_state.report() == report
        assert service.store.values() == []
    assert report.error == "Aides-territoires refuse le jeton d'accès configuré."
    assert [(s.path, s.status) for s in fake.requests] == [("/api/connexion/", 401)]
