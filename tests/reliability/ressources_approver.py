"""A second process approving loans with the ressources' use cases, as the city's agents
would (the JSON API of decisions is not on this branch yet): `python -m
tests.reliability.ressources_approver NATS_URL FILE DIE_AFTER` approves in full every loan
whose id is a line of FILE, `CONCURRENCY` at a time, prints one line per decision, and kills
itself (SIGKILL, as `kill -9`) once DIE_AFTER decisions are printed, the others still in
flight. Killed from outside instead, it could have ended its burst between two polls of
the test (the last 220 decisions, most of them « not available », take under 0.2 s)."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
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


class Decisions:
    def __init__(self, die_after: int) -> None:
        self.printed = 0
        self.die_after = die_after

    def say(self, line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        self.printed += 1
        if self.printed >= self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)  # mid-burst: the other decisions in flight


async def decide(
    unit: Lending, loan_id: str, gate: asyncio.Semaphore, decisions: Decisions
) -> None:
    async with gate:
        loan, _ = await unit.loans.get(loan_id)
        try:
            await approve(unit, loan_id, [line.requested for line in loan.lines])
        except LoanError as exc:
            decisions.say(f"not-approved {loan_id} {type(exc).__name__}")
            return
        decisions.say(f"approved {loan_id}")


async def main(nats_url: str, ids: list[str], die_after: int) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    settings = RessourcesSettings(
        nats_url=nats_url, admin_token=secrets.token_urlsafe(24), log_json=False
    )
    service = RessourcesService(settings, StreamPublisher(js), SystemClock())
    unit = await service.start(js, background=False)
    gate = asyncio.Semaphore(CONCURRENCY)
    sys.stdout.write("started\n")
    decisions = Decisions(die_after)
    await asyncio.gather(*(decide(unit, loan_id, gate, decisions) for loan_id in ids))
    await service.stop()
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]).read_text().split(), int(sys.argv[3])))
