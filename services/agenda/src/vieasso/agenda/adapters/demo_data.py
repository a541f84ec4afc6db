"""Deterministic demo events for the validated associations of the directory.

Event ids and message ids are stable, so running the demo again publishes nothing new.
Dates are taken from the first run's day (events already in the agenda are skipped).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from vieasso.agenda.domain.feeds import PARIS
from vieasso.common.messages.agenda import EventSubmission
from vieasso.common.messages.annuaire import AssociationPublic, VenuePublic

_NAMESPACE = uuid.UUID("a3d5c0b2-7e41-4f0c-8c55-1b9e7f6a2d10")
TITLES = (
    ("Portes ouvertes", "Venez découvrir nos activités et rencontrer les bénévoles."),
    ("Assemblée générale", "Bilan de l'année, projets et élection du bureau."),
    ("Atelier découverte", "Une séance d'initiation ouverte à toutes et à tous."),
    ("Soirée conviviale", "Un moment d'échange autour d'un verre."),
    ("Conférence", "Une intervention suivie d'un temps de questions."),
    ("Permanence d'accueil", "Informations et inscriptions."),
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def _message(association: AssociationPublic, event_id: str, **fields: Any) -> EventSubmission:
    return EventSubmission(
        message_id=uuid.uuid5(_NAMESPACE, f"{association.slug}.{event_id}"),
        association=association.slug,
        event_id=event_id,
        **fields,
    )


def demo_events(
    associations: list[AssociationPublic],
    venues: list[VenuePublic],
    known_themes: set[str],
    today: date,
) -> list[EventSubmission]:
    """About three dozen events over the next weeks, with the special cases of SPEC §4 and
    one event for associations (audience `associations`, SPEC §8)."""
    chosen = sorted(associations, key=lambda a: a.slug)[:36]
    rooms = sorted((v for v in venues if not v.archived), key=lambda v: v.id)
    events: list[EventSubmission] = []
    for i, association in enumerate(chosen):
        day = today + timedelta(days=2 + (i * 5) % 45)
        title, summary = TITLES[i % len(TITLES)]
        themes = [t for t in association.themes if t in known_themes][:2]
        where: dict[str, Any]
        if rooms and i % 3 != 2:  # noqa: PLR2004
            where = {"venue_id": rooms[i % len(rooms)].id}
        else:
            where = {
                "place": {
                    "name": f"Local de {association.short_name or association.name}",
                    "address": "12 Grande Rue",
                    "postal_code": "25000",
                }
            }
        events.append(
            _message(
                association,
                "demo-1",
                title=title,
                summary=summary,
                start=_at(day, 14 + i % 5, 30 if i % 2 else 0),
                end=_at(day, 17 + i % 5),
                themes=themes,
                free=i % 4 != 0,
                price=None if i % 4 else "5 € ; gratuit pour les adhérents",
                **where,
            )
        )
    if chosen:
        events += _special(chosen, rooms, today)
    return events


def _special(
    chosen: list[AssociationPublic], rooms: list[VenuePublic], today: date
) -> list[EventSubmission]:
    first, second, third = chosen[0], chosen[len(chosen) // 2], chosen[-1]
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 + 7)
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 + 1)
    venue: dict[str, Any] = {"venue_id": rooms[0].id} if rooms else {}
    if not rooms:
        venue = {"place": {"name": "Salle", "address": "1 rue Battant", "postal_code": "25000"}}
    return [
        _message(
            first,
            "demo-brocante",
            title="Brocante et vide-greniers",
            summary="Deux jours de chine dans le quartier.",
            all_day=True,
            start=saturday,
            end=saturday + timedelta(days=1),
            place={
                "name": "Promenade Chamars",
                "address": "Promenade Chamars",
                "postal_code": "25000",
            },
            free=True,
            audience=["tout_public", "familles"],
        ),
        _message(
            second,
            "demo-hebdo",
            title="Atelier hebdomadaire",
            summary="Tous les mardis soir, sauf pendant les vacances.",
            start=_at(tuesday, 18, 30),
            end=_at(tuesday, 20),
            rrule="FREQ=WEEKLY;COUNT=8",
            exdates=[_at(tuesday + timedelta(weeks=2), 18, 30)],
            **(
                venue
                or {"place": {"name": "Salle", "address": "1 rue Battant", "postal_code": "25000"}}
            ),
        ),
        _message(
            third,
            "demo-visio",
            title="Réunion d'information en ligne",
            summary="Présentation de l'association et des missions de bénévolat.",
            start=_at(today + timedelta(days=9), 19),
            end=_at(today + timedelta(days=9), 20),
            attendance_mode="online",
            online_url="https://visio.exemple.fr/vie-associative",
            free=True,
        ),
        _message(
            first,
            "demo-blablasso",
            title="Blablasso : rencontre entre associations",
            summary="Projets, bénévoles, matériel à partager : une soirée pour se connaître.",
            start=_at(today + timedelta(days=12), 18, 30),
            end=_at(today + timedelta(days=12), 20, 30),
            audience=["associations"],  # for associations, not residents: their letter
            free=True,
            **venue,
        ),
    ]
