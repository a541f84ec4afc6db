"""Use cases on volunteer missions: publish, edit (or mark filled), close, auto-close."""

from __future__ import annotations

import logging

from vieasso.annuaire.domain import missions as domain
from vieasso.annuaire.domain.checks import check_mission
from vieasso.annuaire.domain.commands import ChangeMission, MissionFields
from vieasso.annuaire.domain.errors import AlreadyExists, ConflictError, InvalidState, NotFound
from vieasso.annuaire.domain.missions import MissionRecord
from vieasso.annuaire.domain.rules import slug_candidates
from vieasso.annuaire.handlers import mails
from vieasso.annuaire.handlers.facts import mission_fact
from vieasso.annuaire.handlers.unit import Annuaire, revalidate
from vieasso.common.messages.annuaire import AssociationState, MissionState

log = logging.getLogger(__name__)

MISSION_NOT_FOUND = "Mission introuvable."


async def _save(app: Annuaire, mission: MissionRecord, last: int) -> MissionRecord:
    revision = await app.missions.update(mission.id, mission, last=last)
    await mission_fact(app.publish, mission, revision)
    return mission


async def publish_mission(app: Annuaire, slug: str, fields: MissionFields) -> MissionRecord:
    association = app.index.association(slug)
    if association is None:
        raise NotFound("Association introuvable.")
    if association.state is not AssociationState.VALIDATED:
        raise InvalidState("Seule une association validée peut publier des missions.")
    check_mission(fields, app.index.known, app.today())
    now = app.clock.now()
    for mission_id in slug_candidates(domain.mission_id_base(slug, fields.title), max_length=80):
        if app.index.mission(mission_id) is not None:
            continue
        mission = domain.publish(mission_id, slug, fields, now)
        try:
            revision = await app.missions.create(mission_id, mission)
        except AlreadyExists:
            continue
        await mission_fact(app.publish, mission, revision)
        return mission
    raise AlreadyExists("Trop de missions portent déjà ce titre : précisez-le.")


async def _current(app: Annuaire, slug: str, mission_id: str) -> tuple[MissionRecord, int]:
    current = await app.missions.get(mission_id)
    if current is None or current.value.association_slug != slug:
        raise NotFound(MISSION_NOT_FOUND)
    return current.value, current.revision


async def change_mission(
    app: Annuaire,
    slug: str,
    mission_id: str,
    change: ChangeMission,
    *,
    expected_revision: int | None = None,
) -> MissionRecord:
    mission, revision = await _current(app, slug, mission_id)
    if expected_revision is not None and expected_revision != revision:
        raise ConflictError()
    if mission.state is MissionState.CLOSED:
        raise InvalidState("Cette mission est close : elle ne peut plus être modifiée.")
    fields = revalidate(MissionFields, domain.merged_fields(mission, change))
    check_mission(fields, app.index.known, app.today())
    updated = domain.apply_change(mission, fields, change.state, app.clock.now())
    if domain.same_content(updated, mission):
        return mission
    return await _save(app, updated, revision)


async def close_mission(app: Annuaire, slug: str, mission_id: str) -> MissionRecord:
    mission, revision = await _current(app, slug, mission_id)
    return await _save(app, domain.close(mission, app.clock.now()), revision)


async def close_missions_of(app: Annuaire, slug: str) -> list[str]:
    """Close every mission of an association that leaves the directory."""
    closed = []
    for mission_id in sorted(app.index.missions_of.get(slug, ())):
        mission = app.index.mission(mission_id)
        if mission is not None and mission.state is not MissionState.CLOSED:
            await close_mission(app, slug, mission_id)
            closed.append(mission_id)
    return closed


async def close_expired_missions(app: Annuaire) -> list[str]:
    """Close every mission past its end date (run periodically). A lost race waits for the
    next round: the other writer's version is kept.

    The association's mail (`mission-close`, one key per mission) is asked *before* the
    close is saved: a failed request leaves the mission open for the next round, which asks
    again; a request asked twice is sent once."""
    today = app.today()
    closed = []
    expired = [
        m for v in list(app.index.missions.items.values()) if domain.is_expired(m := v.value, today)
    ]
    for mission in expired:
        try:
            current, revision = await _current(app, mission.association_slug, mission.id)
            if domain.is_expired(current, today):
                await mails.mission_closed(app, current)
                await _save(app, domain.close(current, app.clock.now()), revision)
                closed.append(mission.id)
        except (ConflictError, NotFound):
            log.info("mission changed while closing; next round", extra={"mission": mission.id})
    return closed
