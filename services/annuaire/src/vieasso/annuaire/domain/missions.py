"""Volunteer missions and their life: `open → filled | closed`, auto-closed after `ends_on`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from vieasso.annuaire.domain.commands import ChangeMission, MissionFields
from vieasso.annuaire.domain.errors import InvalidState
from vieasso.annuaire.domain.rules import make_slug
from vieasso.common.messages.annuaire import MissionPublic, MissionState
from vieasso.common.subjects import MissionChange

MISSION_ID_MAX = 80


class MissionRecord(MissionPublic):
    """What the `annuaire_missions` bucket stores under `<mission_id>`: the public mission
    and the kind of its last change (which fact announces this revision)."""

    last_change: MissionChange = MissionChange.PUBLISHED

    def public(self) -> MissionPublic:
        """The public mission (no validation again: a record is valid by construction)."""
        values = {name: getattr(self, name) for name in MissionPublic.model_fields}
        return MissionPublic.model_construct(set(MissionPublic.model_fields), **values)


def mission_id_base(association_slug: str, title: str) -> str:
    """`<association>-<title words>`: readable, and a safe subject token."""
    return make_slug(f"{association_slug} {title}", max_length=MISSION_ID_MAX - 4)


def publish(
    mission_id: str, association_slug: str, fields: MissionFields, now: datetime
) -> MissionRecord:
    return MissionRecord(
        id=mission_id,
        association_slug=association_slug,
        **fields.model_dump(),
        state=MissionState.OPEN,
        published_at=now,
        updated_at=now,
    )


def editable(mission: MissionRecord) -> dict[str, Any]:
    return mission.model_dump(include=set(MissionFields.model_fields), mode="json")


def merged_fields(mission: MissionRecord, change: ChangeMission) -> dict[str, Any]:
    fields = editable(mission)
    fields.update(change.model_dump(exclude_unset=True, exclude={"state"}, mode="json"))
    return fields


def apply_change(
    mission: MissionRecord, fields: MissionFields, state: str | None, now: datetime
) -> MissionRecord:
    if mission.state is MissionState.CLOSED:
        raise InvalidState("Cette mission est close : elle ne peut plus être modifiée.")
    new_state = MissionState(state) if state is not None else mission.state
    return mission.model_copy(
        update={
            **dict(fields),
            "state": new_state,
            "updated_at": now,
            "last_change": MissionChange.UPDATED,
        }
    )


def same_content(a: MissionRecord, b: MissionRecord) -> bool:
    skip = {"published_at", "updated_at", "closed_at", "last_change"}
    return a.model_dump(exclude=skip) == b.model_dump(exclude=skip)


def close(mission: MissionRecord, now: datetime) -> MissionRecord:
    if mission.state is MissionState.CLOSED:
        raise InvalidState("Cette mission est déjà close.")
    return mission.model_copy(
        update={
            "state": MissionState.CLOSED,
            "closed_at": now,
            "updated_at": now,
            "last_change": MissionChange.CLOSED,
        }
    )


def is_expired(mission: MissionPublic, today: date) -> bool:
    """Past its end date and not closed yet: the sweeper closes it."""
    return (
        mission.state is not MissionState.CLOSED
        and mission.ends_on is not None
        and mission.ends_on < today
    )
