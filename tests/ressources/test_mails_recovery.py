"""No lending mail is lost and none is asked twice: a process killed between a loan's write
and its mail request, a mail request JetStream refused, reminders the day before pickup and
return (Europe/Paris) run twice and by two replicas. Real nats-server, COURRIER queue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from nats.js import JetStreamContext

from tests.conftest import random_slug
from tests.ressources.conftest import (
    Catalogue,
    StreamPublisher,
    day,
    own_nats_url,
    settings_for,
)
from tests.ressources.mails_support import asked_for, asked_until, loan_service
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.base import Message
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.publish import PublishError
from vieasso.ressources.domain.loans import Loan
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.mails import LoanMails
from vieasso.ressources.handlers.reminders import send_reminders, sweep_mails
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import mark_ready, pick_up
from vieasso.ressources.handlers.unit import Lending
from vieasso.ressources.service import RessourcesService

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reminder sweeps read every loan: this module's loans only."""
    yield from own_nats_url(tmp_path_factory, "nats-mail-recovery")


WINDOW = timedelta(days=3)


async def crashed(loan: Loan) -> None:
    """The process died after the loan's write and fact, before its mail request."""


def one_of(
    model_id: str, starts: int, ends: int, kind: ResourceKind = ResourceKind.EQUIPMENT
) -> LoanRequest:
    return LoanRequest(
        starts_on=day(starts),
        ends_on=day(ends),
        lines=(RequestLine(resource_id=model_id, kind=kind),),
    )


async def test_a_request_whose_mail_was_not_asked_before_a_crash_is_asked_at_restart_once(
    js: JetStreamContext, nats_url: str, catalogue: Catalogue, clock: FrozenClock
) -> None:
    barnum = await catalogue.model(2)
    slug = random_slug("asso")
    async with loan_service(js, nats_url, clock) as first:
        unit = first.lending()
        unit.after_step = crashed
        loan = await request_loan(unit, slug, one_of(barnum.id, 4, 5))
    assert await asked_for(js, slug) == []

    settings = settings_for(nats_url, ressources_max_loans_per_season=0)
    for _ in range(2):  # restarted twice: asked once
        service = RessourcesService(settings, StreamPublisher(js), clock)
        await service.start(js)  # background: the mail sweeper's first round
        try:
            (demande,) = await asked_until(js, slug, 1)
        finally:
            await service.stop()
    assert demande["key"] == f"pret.{loan.id}.demande"
    assert len(await asked_for(js, slug)) == 1


class Flaky:
    """A publisher whose mail requests JetStream refuses while `down` is set."""

    def __init__(self, js: JetStreamContext) -> None:
        self.inner = StreamPublisher(js)
        self.down = False

    async def __call__(self, subject: str, message: Message) -> None:
        if self.down and subject.startswith("courrier."):
            raise PublishError("no ack")
        await self.inner(subject, message)


@pytest.fixture
async def flaky(
    js: JetStreamContext, nats_url: str, catalogue: Catalogue, clock: FrozenClock
) -> AsyncIterator[tuple[RessourcesService, Flaky]]:
    publish = Flaky(js)
    settings = settings_for(nats_url, ressources_max_loans_per_season=0)
    service = RessourcesService(settings, publish, clock)
    await service.start(js, background=False)
    try:
        yield service, publish
    finally:
        await service.stop()


async def test_a_refused_mail_request_does_not_fail_the_decision_and_the_next_sweep_asks_it(
    flaky: tuple[RessourcesService, Flaky], catalogue: Catalogue, js: JetStreamContext,
    clock: FrozenClock,
) -> None:  # fmt: skip
    service, publish = flaky
    assert service.mails is not None
    barnum = await catalogue.model(2)
    slug = random_slug("asso")
    loan = await request_loan(service.lending(), slug, one_of(barnum.id, 4, 5))
    publish.down = True
    approved = await approve(service.lending(), loan.id, [1])  # stored, announced: no raise
    assert [r["template"] for r in await asked_for(js, slug)] == ["pret-demande"]
    steps, _ = await sweep_mails(
        service.mails, [service.loans.items[loan.id]], clock.now(), window=WINDOW, from_hour=8
    )
    assert steps == 0  # still down: kept for the next round
    publish.down = False
    steps, _ = await sweep_mails(
        service.mails, [service.loans.items[loan.id]], clock.now(), window=WINDOW, from_hour=8
    )
    assert steps == 1
    steps, _ = await sweep_mails(
        service.mails, [service.loans.items[loan.id]], clock.now(), window=WINDOW, from_hour=8
    )
    assert steps == 0
    _, decision = await asked_until(js, slug, 2)
    assert (decision["key"], decision["params"]["decision"]) == (
        f"pret.{approved.id}.decision",
        "accordee",
    )


async def held(
    unit: Lending,
    model_id: str,
    starts: int,
    ends: int,
    *,
    kind: ResourceKind = ResourceKind.EQUIPMENT,
) -> tuple[str, Loan]:
    slug = random_slug("asso")
    loan = await request_loan(unit, slug, one_of(model_id, starts, ends, kind))
    return slug, await approve(unit, loan.id, [1])


async def test_reminders_the_day_before_pickup_and_return_once_per_loan_even_run_twice(
    js: JetStreamContext, nats_url: str, catalogue: Catalogue, clock: FrozenClock
) -> None:
    barnum = await catalogue.model(10, deposit_eur=50, storage_place="Magasin municipal")
    room = await catalogue.room()
    async with loan_service(js, nats_url, clock) as service:
        unit = service.lending()
        approved_slug, approved = await held(unit, barnum.id, 1, 2)
        ready_slug, ready = await held(unit, barnum.id, 1, 3)
        await mark_ready(unit, ready.id)
        out_slug, out = await held(unit, barnum.id, 0, 1)
        await mark_ready(unit, out.id)
        await pick_up(unit, out.id)
        later_slug, _ = await held(unit, barnum.id, 2, 3)
        room_slug, _ = await held(unit, room.id, 1, 1, kind=ResourceKind.ROOM)
        waiting_slug = random_slug("asso")
        await request_loan(unit, waiting_slug, one_of(barnum.id, 1, 2))
        assert service.mails is not None
        loans = service.loans.items.values()

        night = datetime(2027, 3, 1, 6, 30, tzinfo=UTC)  # 07:30 in Paris: too early
        assert await send_reminders(service.mails, loans, night, from_hour=8) == []
        morning = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)  # 08:00 in Paris
        first = await send_reminders(service.mails, loans, morning, from_hour=8)
        again = await send_reminders(
            service.mails, loans, morning + timedelta(hours=1), from_hour=8
        )
        other_replica = LoanMails(
            StreamPublisher(js), service.entries, service.directory, "http://x.test"
        )
        await send_reminders(other_replica, loans, morning, from_hour=8)
    assert sorted(first) == sorted([approved.id, ready.id, out.id])
    assert again == []

    for slug, loan, template in (
        (approved_slug, approved, "pret-rappel-retrait"),
        (ready_slug, ready, "pret-rappel-retrait"),
        (out_slug, out, "pret-rappel-retour"),
    ):
        reminders = [
            r for r in await asked_until(js, slug, 3) if r["template"].startswith("pret-rappel")
        ]
        assert [r["template"] for r in reminders] == [template], slug
        assert reminders[0]["key"] == f"pret.{loan.id}.{template.removeprefix('pret-')}"
    (retrait,) = [
        r for r in await asked_for(js, approved_slug) if r["template"] == "pret-rappel-retrait"
    ]
    assert retrait["params"]["pickup_on"] == str(day(1))
    assert (retrait["params"]["place"], retrait["params"]["deposit_eur"]) == (
        "Magasin municipal",
        50,
    )
    assert retrait["params"]["lines"] == [{"label": "Barnum 3×3 m", "quantity": 1}]
    (retour,) = [r for r in await asked_for(js, out_slug) if r["template"] == "pret-rappel-retour"]
    assert retour["params"]["return_on"] == str(day(1))
    for slug in (later_slug, room_slug, waiting_slug):
        assert not [r for r in await asked_for(js, slug) if r["template"].startswith("pret-rappel")]
