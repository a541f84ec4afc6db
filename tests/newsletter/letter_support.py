"""Helpers of the associations' letter tests: associations in the directory's bucket (with
their private contact, as the annuaire stores them) and their facts."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from nats.js import JetStreamContext

from tests.newsletter import facts
from vieasso.common import subjects
from vieasso.common.messages.agenda import Audience
from vieasso.common.messages.annuaire import (
    AssociationPublic,
    AssociationRegistered,
    AssociationState,
    AssociationValidated,
)
from vieasso.common.messages.base import Message
from vieasso.common.messages.courrier import LetterChoice
from vieasso.common.subjects import LetterChange

FOR_ASSOCIATIONS = (Audience.ASSOCIATIONS,)


def code(prefix: str) -> str:
    """A theme or quartier code no other test uses (sections are cut at a few items)."""
    return f"{prefix}{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Asso:
    """An association of the directory and, when it has one, its contact's address."""

    record: AssociationPublic
    email: str | None

    @property
    def slug(self) -> str:
        return self.record.slug

    @property
    def name(self) -> str:
        return self.record.name

    def fact(self) -> tuple[str, Message]:
        """Its directory fact (validated, or registered while pending)."""
        if self.record.state is AssociationState.VALIDATED:
            change = subjects.AssociationChange.VALIDATED
            fact: Message = AssociationValidated(association=self.record)
        else:
            change = subjects.AssociationChange.REGISTERED
            fact = AssociationRegistered(association=self.record)
        return subjects.association(self.slug, change), fact


def asso(
    at: datetime,
    name: str,
    *,
    themes: tuple[str, ...] = (),
    quartier: str | None = None,
    state: AssociationState = AssociationState.VALIDATED,
    contact: bool = True,
) -> Asso:
    slug = facts.slug("asso")
    record = AssociationPublic(
        slug=slug,
        name=name,
        purpose=f"Objet de {name}.",
        themes=themes,
        quartier=quartier,
        state=state,
        created_at=at - timedelta(days=3),
        updated_at=at,
        validated_at=at if state is not AssociationState.PENDING else None,
    )
    return Asso(record, f"contact-{slug}@example.org" if contact else None)


async def put_in_directory(js: JetStreamContext, *associations: Asso) -> None:
    """Write them into ``annuaire_associations`` as the annuaire does (private contact in)."""
    kv = await js.key_value("annuaire_associations")
    for a in associations:
        value = a.record.model_dump(mode="json")
        if a.email is not None:
            value["private_contact"] = {"name": "Camille Martin", "email": a.email}
        await kv.put(a.slug, json.dumps(value).encode())


async def opt_out(js: JetStreamContext, slug: str) -> None:
    """The association space's choice, as the annuaire publishes it."""
    choice = LetterChoice(
        association=slug, subscribed=False, source="espace-association", form_version="test"
    )
    await js.publish(
        subjects.letter_choice(slug, LetterChange.UNSUBSCRIBED),
        choice.model_dump_json().encode(),
        headers={"Nats-Msg-Id": str(choice.message_id)},
    )


async def publish(js: JetStreamContext, *facts_: tuple[str, Message]) -> None:
    for subject, fact in facts_:
        await js.publish(
            subject, fact.model_dump_json().encode(), headers={"Nats-Msg-Id": str(fact.message_id)}
        )


def meeting(start: datetime, title: str) -> tuple[str, Message]:
    """The fact of an event meant for associations (audience `associations`)."""
    return facts.event_published(
        start, title=title, themes=(), quartier=None, audience=FOR_ASSOCIATIONS
    )
