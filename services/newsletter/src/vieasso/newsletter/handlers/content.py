"""Keeping the digest's index current from the directory, agenda, entraide and aides facts."""

from __future__ import annotations

from vieasso.common.entraide import FactRefused, read_annonce_fact
from vieasso.common.messages.agenda import EventFact
from vieasso.common.messages.aides import SchemeFact
from vieasso.common.messages.annonces import AnnonceLetterChoice
from vieasso.common.messages.annuaire import AssociationFact, MissionFact
from vieasso.newsletter.domain.index import ContentIndex


def apply_fact(index: ContentIndex, subject: str, data: bytes) -> None:
    """Parse one fact and update the index (idempotent; unknown subjects ignored)."""
    parts = subject.split(".")
    if len(parts) != 4:  # noqa: PLR2004 - <stream>.<kind>.<id>.<change>
        return
    kind, change = parts[1], parts[3]
    if parts[0] == "annuaire" and kind == "associations":
        index.association_changed(AssociationFact.model_validate_json(data).association)
    elif parts[0] == "annuaire" and kind == "missions":
        index.mission_changed(MissionFact.model_validate_json(data).mission)
    elif parts[0] == "ressources" and kind == "annonces":
        _annonce(index, subject, data)
    elif parts[0] == "aides" and kind == "schemes":
        fact = SchemeFact.model_validate_json(data)
        if fact.scheme.id == parts[2]:
            index.scheme_changed(fact.scheme, withdrawn=change == "withdrawn")
    elif parts[0] == "agenda" and kind == "events":
        event = EventFact.model_validate_json(data).event
        index.event_changed(event, cancelled=change == "cancelled")


def _annonce(index: ContentIndex, subject: str, data: bytes) -> None:
    """Offers and needs between associations, and who wants them in the letter; a body
    naming another association than its subject is skipped."""
    try:
        fact = read_annonce_fact(subject, data)
    except FactRefused:
        return
    if isinstance(fact, AnnonceLetterChoice):
        index.entraide_choice(fact.association, subscribed=fact.subscribed)
    elif fact is not None:
        index.annonce_changed(fact)
