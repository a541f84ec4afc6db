"""Loading the demo directory (idempotent): validated associations, then their missions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from vieasso.annuaire.adapters import demo_data
from vieasso.annuaire.adapters.csv_layouts import Row
from vieasso.annuaire.domain.commands import MissionFields
from vieasso.annuaire.domain.errors import DomainError
from vieasso.annuaire.handlers.imports import Action, ImportReport, import_rows
from vieasso.annuaire.handlers.missions import publish_mission
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.messages.annuaire import AssociationState, MissionState


@dataclass(frozen=True)
class DemoReport:
    associations: ImportReport
    missions_published: int
    missions_present: int


def _has_mission(app: Annuaire, slug: str, title: str) -> bool:
    """An open or filled mission with this title already exists (closed ones do not count)."""
    for mission_id in app.index.missions_of.get(slug, ()):
        mission = app.index.mission(mission_id)
        if mission and mission.title == title and mission.state is not MissionState.CLOSED:
            return True
    return False


async def load_demo(
    app: Annuaire, *, count: int, missions: int, seed: int, concurrency: int = 16
) -> DemoReport:
    demo = demo_data.associations(count, seed)
    rows = [Row(line=i + 1, fields=a.fields, contact=a.contact) for i, a in enumerate(demo)]
    report = await import_rows(app, rows, state=AssociationState.VALIDATED, concurrency=concurrency)
    slugs = [r.slug for r in report.results if r.slug and r.action is not Action.REFUSED]
    wanted = demo_data.missions(slugs, missions, seed, app.today()) if slugs else []
    todo: list[tuple[str, MissionFields]] = []
    seen: set[tuple[str, str]] = set()
    for slug, fields in wanted:
        if (slug, fields.title) not in seen and not _has_mission(app, slug, fields.title):
            todo.append((slug, fields))
        seen.add((slug, fields.title))
    published = 0
    for start in range(0, len(todo), concurrency):
        chunk = todo[start : start + concurrency]
        results = await asyncio.gather(
            *(publish_mission(app, slug, fields) for slug, fields in chunk),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, DomainError):
                raise result
            published += not isinstance(result, BaseException)
    return DemoReport(report, published, len(wanted) - len(todo))
