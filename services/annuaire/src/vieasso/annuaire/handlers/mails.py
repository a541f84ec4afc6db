"""The mails the annuaire asks the newsletter to send to an association (SPEC §8).

Each request names the association by slug (the newsletter reads its private contact in the
directory's bucket), never by address, and carries an idempotency key: published again with
the same key (a retried action, a sweeper's next round), it is sent at most once. A request
the stream does not acknowledge raises `PublishError`: the action fails visibly (503).
An association without a private contact (some imports) gets no mail: there is nobody to
write to.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.missions import MissionRecord
from vieasso.annuaire.domain.signin import (
    SIGN_IN_LIFETIME,
    SIGN_IN_MINUTES,
    WELCOME_LIFETIME,
    Purpose,
    link_key,
)
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.courrier import request_mail
from vieasso.common.messages.courrier import Template, ToAssociation

SERVICE = "annuaire"
LINK_PATH = "/espace-association/lien"


async def _ask(
    app: Annuaire, slug: str, key: str, template: Template, params: dict[str, Any]
) -> None:
    await request_mail(
        app.publish,
        SERVICE,
        key=key,
        to=ToAssociation(association=slug),
        template=template,
        params=params,
    )


async def _new_link(
    app: Annuaire, record: AssociationRecord, email: str, purpose: Purpose, lifetime: timedelta
) -> tuple[str, str]:
    """A one-time link of `record`'s space mailed to `email`: its URL, its token's hash."""
    token = await app.links.create(record.slug, purpose, email, app.clock.now(), lifetime)
    return f"{app.public_url}{LINK_PATH}/{token}", link_key(token)


async def sign_in_link(app: Annuaire, record: AssociationRecord) -> None:
    """A 15-minute link, each under its own key (each request is a new mail)."""
    if record.private_contact is None:
        return
    email = str(record.private_contact.email)
    link, hashed = await _new_link(app, record, email, "connexion", SIGN_IN_LIFETIME)
    params = {"link": link, "valid_minutes": SIGN_IN_MINUTES}
    key = f"connexion.{record.slug}.{hashed[:16]}"
    await _ask(app, record.slug, key, Template.CONNEXION, params)


async def welcome(app: Annuaire, record: AssociationRecord) -> None:
    """The city validated the association: welcome, with a 7-day link. One key per
    association: asked again (a retried validation), it is still sent once."""
    if record.private_contact is None:
        return
    email = str(record.private_contact.email)
    link, _ = await _new_link(app, record, email, "bienvenue", WELCOME_LIFETIME)
    until = app.clock.now() + WELCOME_LIFETIME
    params = {"link": link, "valid_until": until}
    await _ask(app, record.slug, f"validation.{record.slug}", Template.BIENVENUE, params)


async def refused(app: Annuaire, record: AssociationRecord, reason: str) -> None:
    if record.private_contact is not None:
        params = {"reason": reason}
        await _ask(app, record.slug, f"refus.{record.slug}", Template.INSCRIPTION_REFUSEE, params)


async def token_changed(
    app: Annuaire,
    record: AssociationRecord,
    token_hash: str,
    by: Literal["ville", "association"],
    *,
    issued: bool,
) -> None:
    """`jeton-emis` / `jeton-revoque`, keyed by the token concerned (its hash's prefix)."""
    if record.private_contact is None:
        return
    template = Template.JETON_EMIS if issued else Template.JETON_REVOQUE
    key = f"{template.value}.{record.slug}.{token_hash[:16]}"
    await _ask(app, record.slug, key, template, {"by": by})


async def mission_closed(app: Annuaire, mission: MissionRecord) -> None:
    """The sweeper closes `mission` (its end date passed). One key per mission."""
    association = app.index.association(mission.association_slug)
    if association is None or association.private_contact is None:
        return
    url = f"{app.public_url}/missions/{mission.id}"
    params = {"mission_title": mission.title, "mission_url": url}
    key = f"mission-close.{mission.id}"
    await _ask(app, mission.association_slug, key, Template.MISSION_CLOSE, params)
