"""kill -9 during a burst of approvals on contested stock: nothing is ever lent twice, no
request is lost, units held by an approval the kill cut are released.

The approvals run in a second process with the ressources' use cases (`ressources_approver`:
the JSON API of decisions is not on this branch yet), beside a real `vieasso-ressources
serve` whose sweeper releases what a crashed approval held. Both are killed (-9) in the
middle of the burst; the service is restarted; the city then decides what is left.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from nats.js import JetStreamContext

from tests.reliability.conftest import Scenario
from tests.reliability.streams import eventually
from tests.ressources.conftest import Catalogue, StreamPublisher, settings_for
from tests.support.processes import VENV_BIN, Process
from tests.support.services import ServiceProcess, StartService
from vieasso.common.clock import SystemClock
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.provisioning import provision
from vieasso.ressources.domain.catalogue import EquipmentModel
from vieasso.ressources.domain.errors import Conflict, LoanError, NotAvailable
from vieasso.ressources.domain.loans import HOLDING, Loan, LoanState
from vieasso.ressources.domain.periods import Allocation, free_units, overbooked
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.spans import span_of
from vieasso.ressources.handlers.unit import Lending
from vieasso.ressources.service import RessourcesService

pytestmark = [pytest.mark.nats, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

MODELS, STOCK, LOANS = 3, 40, 240
TAKEN_OVER = "tried again after a cut decision went stale"
KILL_AFTER = 20  # decisions printed by the approver before it kills itself; then the service
FAST_SWEEP = {
    "VIEASSO_RESSOURCES_OVERDUE_SWEEP_SECONDS": "1",
    "VIEASSO_RESSOURCES_MAIL_SWEEP_SECONDS": "5",
}


def first_monday(after: date) -> date:
    return after + timedelta(days=(7 - after.weekday()) % 7 or 7)


def plan(models: list[EquipmentModel], monday: date) -> list[LoanRequest]:
    """Loans over Monday to Thursday, each asking 1 to 3 units of one or two models."""
    requests = []
    for i in range(LOANS):
        starts = monday + timedelta(days=i % 3)
        lines = [RequestLine(resource_id=models[i % MODELS].id, quantity=1 + i % 3)]
        if i % 4 == 0:
            lines.append(RequestLine(resource_id=models[(i + 1) % MODELS].id, quantity=1))
        requests.append(
            LoanRequest(starts_on=starts, ends_on=starts + timedelta(days=1), lines=tuple(lines))
        )
    return requests


def decisions(approver: Process) -> int:
    return sum(1 for line in approver.output().splitlines() if "approved " in line)


async def held_by_loans(
    unit: Lending, models: list[EquipmentModel], ids: list[str]
) -> tuple[dict[str, list[Allocation]], list[Loan]]:
    """Per model, the allocations the stored loans say they hold (recomputed, not read)."""
    loans = [(await unit.loans.get(loan_id))[0] for loan_id in ids]
    by_id = {m.id: m for m in models}
    held: dict[str, list[Allocation]] = {m.id: [] for m in models}
    for loan in loans:
        if loan.state not in HOLDING:
            continue
        for line in loan.lines:
            if line.granted:
                first, last = span_of(by_id[line.resource_id], loan.period)
                held[line.resource_id].append(
                    Allocation(loan_id=loan.id, quantity=line.granted, first=first, last=last)
                )
    return held, loans


async def stored_match_loans(unit: Lending, models: list[EquipmentModel], ids: list[str]) -> bool:
    """Every allocation stored belongs to a loan holding exactly those units, and back."""
    held, _ = await held_by_loans(unit, models, ids)
    for model in models:
        record, _ = await unit.availability.read(ResourceKind.EQUIPMENT, model.id)
        if sorted(record.allocations, key=lambda a: a.loan_id) != sorted(
            held[model.id], key=lambda a: a.loan_id
        ):
            return False
    return True


async def burst_cut_by_kills(
    nats_url: str, ids: list[str], start_service: StartService, tmp_path: Path
) -> tuple[ServiceProcess, int]:
    """The approver and the service, both killed (-9) mid-burst; the service restarted.
    Returns it and how many decisions the approver printed."""
    service = start_service("ressources", env=FAST_SWEEP).wait_healthy(timeout=60)
    listing = tmp_path / "loans.txt"
    listing.write_text("\n".join(ids))
    module = "tests.reliability.ressources_approver"
    approver = Process(
        [str(VENV_BIN / "python"), "-m", module, nats_url, str(listing), str(KILL_AFTER)],
        log=tmp_path / "approver.log",
    ).start()
    await eventually(lambda: _ended(approver), within=90, what="the approver killed mid-burst")
    assert decisions(approver) == KILL_AFTER, approver.output()[-2000:]
    service.process.kill()
    service = start_service("ressources", port=service.port, env=FAST_SWEEP)
    await asyncio.to_thread(service.wait_healthy, 60)
    return service, decisions(approver)


async def _ended(approver: Process) -> bool:
    return not approver.running


async def decide_the_rest(unit: Lending, ids: list[str]) -> Counter[str]:
    """The city approves in full every request still waiting: approved, or not available.
    A decision the kill cut is taken over once stale (`Conflict` until then): tried again."""
    outcomes: Counter[str] = Counter()
    waiting = list(ids)
    deadline = asyncio.get_running_loop().time() + 150
    while waiting:
        assert asyncio.get_running_loop().time() < deadline, f"still undecided: {waiting}"
        again = []
        for loan_id in waiting:
            loan, _ = await unit.loans.get(loan_id)
            if loan.state is not LoanState.REQUESTED:
                continue
            try:
                await approve(unit, loan_id, [line.requested for line in loan.lines])
                outcomes["approved"] += 1
            except Conflict:
                again.append(loan_id)
                outcomes[TAKEN_OVER] += 1
            except LoanError as exc:
                outcomes[type(exc).__name__] += 1
        waiting = again
        if waiting:
            await asyncio.sleep(1)  # a cut decision goes stale after PENDING_STALE
    return outcomes


async def check_stock_and_requests(
    unit: Lending, models: list[EquipmentModel], ids: list[str]
) -> Counter[LoanState]:
    """No slot over stock (stored and recomputed), every request there in a legal state,
    stored allocations those of the holding loans, nothing that fits left waiting."""
    held, loans = await held_by_loans(unit, models, ids)
    assert len(loans) == LOANS, "a stored request is gone"
    states = Counter(loan.state for loan in loans)
    assert set(states) <= {LoanState.REQUESTED, LoanState.APPROVED}, states
    for model in models:
        record, _ = await unit.availability.read(ResourceKind.EQUIPMENT, model.id)
        assert overbooked(record.allocations, STOCK) == [], f"{model.id} stored over stock"
        assert overbooked(held[model.id], STOCK) == [], f"{model.id} loans over stock"
    assert await stored_match_loans(unit, models, ids)
    by_id = {m.id: m for m in models}
    for loan in loans:
        if loan.state is LoanState.REQUESTED:
            spans = {
                line.resource_id: span_of(by_id[line.resource_id], loan.period)
                for line in loan.lines
            }
            assert any(
                free_units(held[line.resource_id], STOCK, *spans[line.resource_id]) < line.requested
                for line in loan.lines
            ), f"{loan.id} fits and was left waiting"
    return states


async def test_kill_during_approvals_on_contested_stock_never_overbooks_nor_loses_a_request(
    js: JetStreamContext,
    nats_url: str,
    start_service: StartService,
    tmp_path: Path,
    scenario: Scenario,
) -> None:
    scenario.describe(
        name="kill -9 ressources during a burst of approvals on contested stock",
        load=f"{LOANS} requests over Monday–Thursday on {MODELS} models of {STOCK} units "
        "(1–3 units each, a quarter on two models), approved in full 8 at a time by a second "
        "process with the use cases (no decisions API on this branch yet)",
        faults=f"kill -9 of the approving process and of `vieasso-ressources serve` after "
        f"{KILL_AFTER} decisions; the service restarted at once",
        inputs="valid requests, most of which cannot all be granted",
        checked="no half-day over stock in the stored availability records nor recomputed "
        "from the loans; every stored request still there, requested or approved; units held "
        "by approvals the kill cut released by the restarted service's sweeper; afterwards "
        "every request still waiting truly does not fit",
    )
    await provision(js, 1)
    catalogue = Catalogue(js)
    models = [await catalogue.model(STOCK, name=f"Barnum {i}") for i in range(MODELS)]
    settings = settings_for(nats_url, ressources_max_loans_per_season=0)
    city = RessourcesService(settings, StreamPublisher(js), SystemClock())
    unit = await city.start(js, background=False)
    try:
        monday = first_monday(datetime.now(UTC).date() + timedelta(days=30))
        ids = []
        for request in plan(models, monday):
            ids.append((await request_loan(unit, f"asso-{secrets.token_hex(4)}", request)).id)
        service, cut_at = await burst_cut_by_kills(nats_url, ids, start_service, tmp_path)
        dangling = not await stored_match_loans(unit, models, ids)
        cut = sum([(await unit.loans.get(i))[0].pending is not None for i in ids])
        released = await eventually(
            lambda: stored_match_loans(unit, models, ids),
            within=150,
            what="units of cut approvals released",
        )
        outcomes = await decide_the_rest(unit, ids)
        assert set(outcomes) <= {"approved", NotAvailable.__name__, TAKEN_OVER}, outcomes
        states = await check_stock_and_requests(unit, models, ids)
        await asyncio.to_thread(service.wait_healthy, 30)
    finally:
        await city.stop()

    scenario.figure("requests", LOANS)
    scenario.figure("decisions before the kill", cut_at)
    scenario.figure("decisions cut under way", cut)
    scenario.figure("units held by cut approvals at restart", "yes" if dangling else "no")
    scenario.figure("restart → held units released (s)", released)
    scenario.figure("approved after the restart", outcomes["approved"])
    scenario.figure("approvals refused until a cut decision went stale", outcomes[TAKEN_OVER])
    scenario.figure("approved", states[LoanState.APPROVED])
    scenario.figure("still requested (do not fit)", states[LoanState.REQUESTED])
