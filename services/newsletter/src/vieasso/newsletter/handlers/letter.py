"""The associations' letter (SPEC §8): who receives it, their mails, leaving it.

Recipients are the validated associations of the directory with a private contact
(`ContactDirectory`, the only source of their addresses) that did not opt out
(`LetterChoices`, replayed from the ``NEWSLETTER`` stream) and whose contact address did not
hard-bounce (`Undeliverable`). A delivery names the association by its slug; the address is
read again when the mail leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Literal

from vieasso.common.clock import Clock
from vieasso.common.directory import AssociationContact, ContactDirectory
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.messages.courrier import LetterChoice
from vieasso.common.messages.newsletter import Delivery
from vieasso.common.validation import ascii_digits
from vieasso.newsletter.adapters.letter_choices import LetterChoices
from vieasso.newsletter.adapters.rendering import PREFERENCES, UNSUBSCRIBE
from vieasso.newsletter.adapters.undeliverable import Undeliverable
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.content import EditionContent
from vieasso.newsletter.domain.letter import LetterSelector, Profile
from vieasso.newsletter.domain.tokens import Purpose
from vieasso.newsletter.handlers.links import Links
from vieasso.newsletter.handlers.rendered import EditionMail

log = logging.getLogger(__name__)

Source = Literal["lien-desabonnement", "lien-en-un-clic"]


def profile(contact: AssociationContact, entraide: Collection[str] = ()) -> Profile:
    """`entraide`: the associations that opted in to the annonces close to them."""
    return Profile(
        contact.slug, frozenset(contact.themes), contact.quartier, contact.slug in entraide,
        contact.employs_staff,
    )  # fmt: skip


class AssociationLetter:
    def __init__(  # noqa: PLR0917 - the use case's collaborators
        self,
        contacts: ContactDirectory,
        choices: LetterChoices,
        undeliverable: Undeliverable,
        links: Links,
        association_space: str,
        settings: NewsletterSettings,
        clock: Clock,
    ) -> None:
        self._contacts = contacts
        self.choices = choices
        self._undeliverable = undeliverable
        self._links = links
        self._space = association_space
        self._settings = settings
        self._clock = clock
        self.entraide_readers: Collection[str] = frozenset()  # the index's live set

    def _receiving(self, contact: AssociationContact | None) -> str | None:
        if contact is None or contact.state is not AssociationState.VALIDATED:
            return None
        if not contact.email or not self.choices.subscribed(contact.slug):
            return None
        return contact.email

    async def recipients(self) -> list[AssociationContact]:
        """Who receives an edition built now, by slug."""
        bounced = await self._undeliverable.all()
        found = []
        for contact in self._contacts.all():
            email = self._receiving(contact)
            if email is not None and bounced.get(contact.slug) != self._undeliverable.digest(email):
                found.append(contact)
        return sorted(found, key=lambda c: c.slug)

    async def plan(self, content: EditionContent) -> tuple[list[Delivery], int]:
        """The deliveries of an edition (associations with something to read) and how many
        distinct contents they make."""
        if content.empty:
            return [], 0
        selector = LetterSelector(content, self._settings.digest_max_items)
        deliveries = []
        for contact in await self.recipients():
            items = selector.select(profile(contact, self.entraide_readers))
            if items:
                deliveries.append(Delivery(subscriber_id=contact.slug, items=items))
        return deliveries, selector.distinct_contents

    async def address(self, slug: str) -> str | None:
        """The address to send to now, or None (left, opted out, no contact, bounced)."""
        email = self._receiving(self._contacts.get(slug))
        if email is None or await self._undeliverable.blocked(slug, email):
            return None
        return email

    def message(self, mail: EditionMail, slug: str, email: str, items: tuple[int, ...]) -> bytes:
        links = {PREFERENCES: self._space, UNSUBSCRIBE: self._links.letter_unsubscribe(slug)}
        return mail.compose(self._settings, slug, email, items, links=links, date=self._clock.now())

    async def bounced(self, slug: str, email: str, reason: str) -> None:
        """A hard bounce: skip this address until the association's contact changes."""
        code = reason.split(" ", 1)[0]
        await self._undeliverable.mark(
            slug, email, self._clock.now(), int(code) if ascii_digits(code) else None, reason
        )
        log.info("association's contact undeliverable", extra={"association": slug})

    async def leave(self, token: str, source: Source) -> str:
        """The association of the (signed) link leaves the letter: its `LetterChoice` is
        published on the ``NEWSLETTER`` stream. Raises `InvalidToken`."""
        slug = self._links.verify(token, Purpose.LETTER_UNSUBSCRIBE).subscriber_id
        await self.choices.record(
            LetterChoice(
                association=slug,
                subscribed=False,
                source=source,
                form_version=self._settings.form_version,
            )
        )
        log.info("association left the letter", extra={"association": slug, "source": source})
        return slug
