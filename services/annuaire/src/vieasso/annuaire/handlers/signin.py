"""Signing in to the association space by a one-time link mailed to its private contact.

Asking for a link answers the same whatever was typed: nothing tells whether an association
exists, is validated or was just sent a link. Following a link shows a button (mail
scanners fetch links); pressing it uses the link (once) and opens a session bound to the
private contact it was mailed to (`vieasso.common.web.session_store`).
"""

from __future__ import annotations

from vieasso.annuaire.domain import signin as domain
from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.errors import DomainError
from vieasso.annuaire.domain.signin import LinkRecord
from vieasso.annuaire.handlers import mails
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.messages.annuaire import AssociationState

MAX_NAMESAKES = 3


class LinkRefused(DomainError):
    """The link is unknown, used, expired, or its association or contact changed."""

    def __init__(self) -> None:
        super().__init__(
            "Ce lien de connexion n’est plus valable : il a déjà servi ou a expiré. "
            "Demandez-en un nouveau."
        )


def named(app: Annuaire, text: str) -> list[AssociationRecord]:
    """The validated associations `text` names: by identifier (or page address), else by
    exact name (case and accents ignored; namesakes each get their own link)."""
    record = app.index.association(domain.wanted_slug(text))
    if record is None:
        found = [
            v.value
            for v in list(app.index.associations.items.values())
            if domain.same_name(v.value.name, text)
        ]
    else:
        found = [record]
    return [r for r in found if r.state is AssociationState.VALIDATED][:MAX_NAMESAKES]


async def ask_for_link(app: Annuaire, text: str) -> None:
    """Mail a 15-minute link to each association `text` names, within its hourly limit."""
    for record in named(app, text):
        if record.private_contact is not None and not await app.link_limit.hit(record.slug):
            await mails.sign_in_link(app, record)


async def _usable(app: Annuaire, token: str) -> tuple[LinkRecord, int, str]:
    found = await app.links.find(token)
    if found is None:
        raise LinkRefused
    link, revision = found
    current = await app.associations.get(link.slug)
    record = current.value if current is not None else None
    contact = record.private_contact if record is not None else None
    email = str(contact.email) if contact is not None else None
    if (
        record is None
        or record.state is not AssociationState.VALIDATED
        or not domain.opens(link, token, email, app.clock.now())
        or email is None
    ):
        raise LinkRefused
    return link, revision, email


async def check_link(app: Annuaire, token: str) -> str:
    """The slug of the space a link opens, without using it (raises `LinkRefused`)."""
    link, _, _ = await _usable(app, token)
    return link.slug


async def use_link(app: Annuaire, token: str) -> tuple[str, str]:
    """Use the link (once: compare-and-set delete): its slug and the contact's address, for
    the session. Raises `LinkRefused` when it cannot (or can no longer) be used."""
    link, revision, email = await _usable(app, token)
    if not await app.links.use(token, revision):
        raise LinkRefused
    return link.slug, email
