"""The sync seen from outside: the recorded sample loaded by `vieasso-aides
demo-aides-territoires` (once), shown on the public search next to the city's schemes; the
city's report page (no token said in French); the scheduled run in the service, off at 0."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext
from typer.testing import CliRunner

from tests.aides.aides_app import NOW, running_aides
from tests.support.aides_territoires import FakeAidesTerritoires, fake_aides_territoires
from tests.support.nats_server import NatsServer
from tests.support.pages import assert_french_page
from vieasso.aides.adapters.aides_territoires_sample import sample_records
from vieasso.aides.bootstrap import create_app
from vieasso.aides.config import AidesSettings
from vieasso.aides.domain.sync_report import SyncReport
from vieasso.aides.entrypoints.cli import app as cli
from vieasso.aides.handlers.sync import NO_TOKEN
from vieasso.aides.service import AidesService
from vieasso.common.clock import FrozenClock
from vieasso.common.web import ServiceStarting

pytestmark = pytest.mark.nats


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(workdir=tmp_path / "own-nats").start()
    yield server
    server.stop()


@pytest.fixture
async def own_js(own_nats: NatsServer) -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(own_nats.url)
    yield nc.jetstream()
    await nc.close()


def test_demo_loads_the_recorded_sample_once(
    own_nats: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIEASSO_NATS_URL", own_nats.url)
    count = len(sample_records())
    first = CliRunner().invoke(cli, ["demo-aides-territoires"])
    assert first.exit_code == 0, first.output
    assert f"{count} ajoutée(s), 0 mise(s) à jour, 0 retirée(s), 0 inchangée(s)" in first.output
    again = CliRunner().invoke(cli, ["demo-aides-territoires"])
    assert again.exit_code == 0, again.output
    assert f"0 ajoutée(s), 0 mise(s) à jour, 0 retirée(s), {count} inchangée(s)" in again.output


async def test_public_search_lists_synced_aids_beside_the_city_and_the_city_sees_the_report(
    own_nats: NatsServer, own_js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIEASSO_NATS_URL", own_nats.url)
    for command in ("demo", "demo-aides-territoires"):
        done = await asyncio.to_thread(CliRunner().invoke, cli, [command])
        assert done.exit_code == 0, done.output
    async with running_aides(own_nats.url, own_js) as client:
        public = assert_french_page(await client.http.get("/aides"))
        assert "Former les bénévoles associatifs (FDVA 1)" in public  # Aides-territoires
        assert 'href="/aides/fonds-participation-habitants"' in public  # the city's
        assert 'href="/aides/at-160102"' in public
        anonymous = await client.http.get("/espace-ville/aides/synchronisation/bilan")
        assert anonymous.status_code == 303
        cookie = await client.city()
        listing = assert_french_page(await client.http.get("/espace-ville/aides", headers=cookie))
        assert 'href="/espace-ville/aides/synchronisation/bilan"' in listing
        page = assert_french_page(
            await client.http.get("/espace-ville/aides/synchronisation/bilan", headers=cookie)
        )
    text = " ".join(page.replace("’", "'").split())
    assert NO_TOKEN.replace("’", "'") in text.replace("&#39;", "'")
    assert f'<th scope="row">Ajoutées</th><td>{len(sample_records())}</td>' in page


def _settings(nats_url: str, fake: FakeAidesTerritoires, minutes: int) -> AidesSettings:
    return AidesSettings(
        nats_url=nats_url, log_json=False, aides_territoires_url=fake.url,
        aides_territoires_token=fake.token, aides_sync_interval_minutes=minutes,
        aides_sync_backoff_seconds=0.01,
    )  # fmt: skip


async def _started(app: FastAPI) -> None:
    """Until the service's start-up step (which starts the schedule) is done."""
    service: AidesService = app.state.aides
    deadline = asyncio.get_running_loop().time() + 30.0
    while asyncio.get_running_loop().time() < deadline:
        with contextlib.suppress(ServiceStarting):
            service.schemes()
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the aides service did not start within 30 s")


async def _report(service: AidesService, within: float = 30.0) -> SyncReport:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if (report := await service.sync_state.report()) is not None:
            return report
        await asyncio.sleep(0.05)
    raise AssertionError(f"no sync report within {within} s")


async def test_the_service_syncs_on_its_schedule_and_not_at_zero(own_nats: NatsServer) -> None:
    with fake_aides_territoires() as fake:
        fake.aids = sample_records()[:7]
        off = create_app(_settings(own_nats.url, fake, 0), clock=FrozenClock(NOW))
        async with off.router.lifespan_context(off):
            await _started(off)
            assert off.state.aides_sync.running is False
        assert fake.requests == []
        on = create_app(_settings(own_nats.url, fake, 60), clock=FrozenClock(NOW))
        async with on.router.lifespan_context(on):
            await _started(on)
            assert on.state.aides_sync.running is True
            report = await _report(on.state.aides)
    assert (report.complete, report.created) == (True, 7)
