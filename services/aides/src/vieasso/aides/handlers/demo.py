"""Loads the demo schemes (`vieasso-aides demo`), published, through the same use case as the
city's forms: each created, updated or left as it is, so running it twice changes nothing.
Then two of the directory's demo associations answer the questions and follow their two
most urgent matched aids (what their space and calendar show in `make run`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from vieasso.aides.adapters.bucket import WatchedBucket
from vieasso.aides.adapters.demo_schemes import SCHEMES
from vieasso.aides.domain.calendar import local_day
from vieasso.aides.domain.follows import Answers, AssociationFile, BudgetBand
from vieasso.aides.domain.matching import Profile, matches
from vieasso.aides.domain.schemes import AidScheme, SchemeState
from vieasso.aides.handlers.follows import follow, save_answers
from vieasso.aides.handlers.schemes import Schemes, store
from vieasso.common.directory import DirectoryView
from vieasso.common.messages.annuaire import AssociationState

DEMO_FOLLOWERS = 2
DEMO_ANSWERS = Answers(budget=BudgetBand.UNDER_10K, volunteers=12)


@dataclass
class DemoReport:
    written: int = 0
    unchanged: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # id → reason
    followers: list[str] = field(default_factory=list)  # slugs that follow demo aids


async def load_demo(unit: Schemes) -> DemoReport:
    report = DemoReport()
    now = unit.clock.now()
    for data in SCHEMES:
        found = unit.store.get(str(data["id"]))
        try:
            scheme = AidScheme.model_validate(
                {**data, "state": SchemeState.PUBLISHED, "created_at": now, "updated_at": now}
            )
        except ValidationError as exc:
            report.refused[str(data["id"])] = str(exc)
            continue
        saved = await store(unit, scheme, last=found.revision if found else None)
        if found is not None and saved.version == found.value.version:
            report.unchanged += 1
        else:
            report.written += 1
    return report


async def load_demo_follows(
    unit: Schemes, files: WatchedBucket[AssociationFile], directory: DirectoryView
) -> list[str]:
    """Two validated associations of the directory (the first by slug) answer and follow;
    none when the directory has no association yet (the annuaire's demo comes first)."""
    today = local_day(unit.clock.now())
    validated = sorted(
        (a for a in directory.associations() if a.state is AssociationState.VALIDATED),
        key=lambda a: a.slug,
    )
    followers = []
    for association in validated[:DEMO_FOLLOWERS]:
        await save_answers(files, unit.clock, association.slug, DEMO_ANSWERS.model_dump())
        profile = Profile(
            themes=frozenset(association.themes), quartier=association.quartier,
            employs_staff=association.employs_staff, founded_on=association.founded_on,
            answers=DEMO_ANSWERS,
        )  # fmt: skip
        urgent = [m for m in matches(profile, unit.published(), today) if m.next_closing][:2]
        for found in urgent:
            await follow(files, unit.clock, association.slug, found.scheme.id, lambda _: True)
        followers.append(association.slug)
    return followers
