"""Directory and agenda facts, as the annuaire and agenda services publish them."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from vieasso.common import subjects
from vieasso.common.messages.agenda import (
    Audience,
    CanonicalEvent,
    EventContent,
    EventPublished,
    ResolvedLocation,
)
from vieasso.common.messages.annuaire import (
    AssociationPublic,
    AssociationState,
    AssociationValidated,
    MissionKind,
    MissionPublic,
    MissionPublished,
    MissionState,
)
from vieasso.common.messages.base import Message


def slug(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def association_validated(
    at: datetime, *, name: str, themes: tuple[str, ...], quartier: str | None
) -> tuple[str, Message]:
    s = slug("asso")
    association = AssociationPublic(
        slug=s,
        name=name,
        purpose=f"Objet de {name}.",
        themes=themes,
        quartier=quartier,
        state=AssociationState.VALIDATED,
        created_at=at - timedelta(days=3),
        updated_at=at,
        validated_at=at,
    )
    subject = subjects.association(s, subjects.AssociationChange.VALIDATED)
    return subject, AssociationValidated(association=association)


def mission_published(
    at: datetime, *, title: str, themes: tuple[str, ...], quartier: str | None
) -> tuple[str, Message]:
    mission = MissionPublic(
        id=slug("mission"),
        association_slug=slug("asso"),
        title=title,
        description=f"Description de {title}.",
        themes=themes,
        quartier=quartier,
        kind=MissionKind.PONCTUELLE,
        how_to_apply="Écrire à l'association.",
        state=MissionState.OPEN,
        published_at=at,
        updated_at=at,
    )
    subject = subjects.mission(mission.id, subjects.MissionChange.PUBLISHED)
    return subject, MissionPublished(mission=mission)


def event_published(
    start: datetime,
    *,
    title: str,
    themes: tuple[str, ...],
    quartier: str | None,
    audience: tuple[Audience, ...] = (Audience.TOUT_PUBLIC,),
) -> tuple[str, Message]:
    association, event_id = slug("asso"), slug("ev")
    event = CanonicalEvent(
        uid=f"{association}.{event_id}@test",
        sequence=0,
        association=association,
        association_name="Les Amis de Battant",
        event_id=event_id,
        content=EventContent(
            title=title,
            summary="Un résumé & des détails",
            start=start,
            end=start + timedelta(hours=2),
            themes=themes,
            audience=audience,
        ),
        location=ResolvedLocation(quartier=quartier),
        url=f"https://agenda.test/events/{association}/{event_id}",
        created_at=start - timedelta(days=10),
        last_modified=start - timedelta(days=10),
    )
    subject = subjects.event(association, subjects.EventChange.PUBLISHED)
    return subject, EventPublished(event=event)
