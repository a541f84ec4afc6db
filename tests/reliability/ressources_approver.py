"""A second process approving loans with the ressources' use cases, as the city's agents
would (the JSON API of decisions is not on this branch yet): `python -m
tests.reliability.ressources_approver NATS_URL FILE` approves in full every loan whose id is
a line of FILE, `CONCURRENCY` at a time, and prints one line per decision. The reliability
test kills it (-9) mid-burst."""

from __future__ import annotations

import asyncio
import secrets
import sys
from pathlib import Path

import nats

from tests.ressources.conftest import StreamPublisher
from vieasso.common.clock import SystemClock
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.domain.errors import LoanError
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.unit import Lending
from vieasso.ressources.service import RessourcesService

CONCURRENCY = 8


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def decide(unit: Lending, loan_id: str, gate: asyncio.Semaphore) -> None:
    async with gate:
        loan, _ = await unit.loans.get(loan_id)
        try:
            await approve(unit, loan_id, [line.requested for line in loan.lines])
        except LoanError as exc:
            say(f"not-approved {loan_id} {type(exc).__name__}")
            return
        say(f"approved {loan_id}")


async def main(nats_url: str, ids: list[str]) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    settings = RessourcesSettings(
        nats_url=nats_url, admin_token=secrets.token_urlsafe(24), log_json=False
    )
    service = RessourcesService(settings, StreamPublisher(js), SystemClock())
    unit = await service.start(js, background=False)
    gate = asyncio.Semaphore(CONCURRENCY)
    say("started")
    await asyncio.gather(*(decide(unit, loan_id, gate) for loan_id in ids))
    await service.stop()
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]).read_text().split()))
