"""The season's maximum per association, claimed before a request is stored.

The tally of the association's season (`adapters.seasons`) lists the requests counted; a
new request reads it from the server, drops the requests no longer counted (refused or
cancelled; never stored a minute after they claimed their place: a crash), refuses when
the maximum is reached, and otherwise writes the tally with its own id by compare-and-set,
retried when another request wrote first. So two requests of one association racing, in
two tasks or two processes, can never both take the last place.
"""

from __future__ import annotations

import asyncio
import random

from vieasso.ressources.domain.errors import LoanNotFound, RequestRefused, TryAgain
from vieasso.ressources.domain.fairness import (
    SeasonEntry,
    SeasonTally,
    counted,
    season_of,
    season_refusal,
)
from vieasso.ressources.domain.loans import COUNTED, Period
from vieasso.ressources.handlers.unit import PENDING_STALE, Lending

PAUSE, MAX_PAUSE = 0.004, 0.25  # seconds: retry pauses, as for the availability records


async def claim_season(unit: Lending, slug: str, period: Period, loan_id: str) -> None:
    """Count `loan_id` in its association's season, or raise `RequestRefused` (`saison`)."""
    rules = unit.fairness
    if rules.max_loans_per_season <= 0:
        return
    season = season_of(period.starts_on, rules.season_start_month)
    for attempt in range(unit.seasons.attempts):
        tally, revision = await unit.seasons.read(slug, season)
        live = [entry for entry in tally.entries if await _still_counted(unit, entry)]
        ids = {entry.loan_id for entry in live}
        # loans stored before the tallies existed, as the watched copy knows them
        older = counted(rules, slug, season, unit.loans.mirror.items.values()) - ids
        refusal = season_refusal(rules, len(ids) + len(older))
        if refusal:
            raise RequestRefused([("saison", refusal)])
        claimed = SeasonEntry(loan_id=loan_id, at=unit.clock.now())
        if await unit.seasons.write(slug, season, SeasonTally(entries=(*live, claimed)),
                                    last=revision):  # fmt: skip
            return
        pause = min(MAX_PAUSE, PAUSE * 2**attempt)
        await asyncio.sleep(random.uniform(0, pause))  # noqa: S311 - jitter, not a secret
    raise TryAgain()


async def _still_counted(unit: Lending, entry: SeasonEntry) -> bool:
    known = unit.loans.mirror.items.get(entry.loan_id)
    if known is not None and known.state not in COUNTED:
        return False  # refused or cancelled: never counted again
    if known is not None:
        return True
    try:
        loan, _ = await unit.loans.get(entry.loan_id)
    except LoanNotFound:
        return unit.clock.now() - entry.at < PENDING_STALE  # being stored, or lost in a crash
    return loan.state in COUNTED
