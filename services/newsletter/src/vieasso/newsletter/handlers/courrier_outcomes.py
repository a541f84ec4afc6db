"""What the newsletter says about each mail request (``courrier.sent/failed.<service>``,
stream ``COURRIER_OUTCOMES``: by key, never an address; ids derived from the service, the
key and the outcome, so that saying it again is deduplicated) and what it remembers of the
associations' contacts refused for good (`CourrierStore`, a keyed hash of the address)."""

from __future__ import annotations

import logging

from vieasso.common import subjects
from vieasso.common.clock import Clock
from vieasso.common.messages.courrier import CourrierFailed, CourrierRequest, CourrierSent
from vieasso.common.nats.publish import Publish
from vieasso.newsletter.adapters.courrier_store import CourrierStore
from vieasso.newsletter.domain import courrier as rules
from vieasso.newsletter.domain.courrier import Addressee, Attempt

log = logging.getLogger(__name__)


class Outcomes:
    def __init__(self, publish: Publish, store: CourrierStore, secret: bytes, clock: Clock):
        self._publish = publish
        self.store = store
        self._secret = secret
        self._clock = clock

    async def sent(self, service: str, request: CourrierRequest) -> None:
        sent = CourrierSent(
            message_id=rules.outcome_id(service, request.key, sent=True),
            key=request.key,
            to=request.to,
            template=request.template,
        )
        await self._publish(subjects.courrier_outcome(service, sent=True), sent)

    async def failed(
        self, service: str, request: CourrierRequest, reason: str, *, undeliverable: bool = False
    ) -> None:
        failed = CourrierFailed(
            message_id=rules.outcome_id(service, request.key, sent=False),
            key=request.key,
            to=request.to,
            template=request.template,
            reason=rules.scrubbed(reason),
            undeliverable=undeliverable,
        )
        await self._publish(subjects.courrier_outcome(service, sent=False), failed)

    async def blocked(self, service: str, request: CourrierRequest, to: Addressee) -> bool:
        """The association's contact was refused for good before: not mailed again (the
        city sees it). A contact changed since then is mailed, and the mark cleared."""
        if to.slug is None:
            return False
        marked = await self.store.undeliverable(to.slug)
        if marked is None:
            return False
        if marked.address_hash != rules.address_hash(to.addresses[0], self._secret):
            await self.store.clear(to.slug)
            return False
        reason = f"contact marked undeliverable on {marked.at:%Y-%m-%d}: {marked.reason}"
        await self.failed(service, request, reason, undeliverable=True)
        log.warning("mail not sent: contact undeliverable", extra={"association": to.slug})
        return True

    async def bounced(
        self, service: str, request: CourrierRequest, to: Addressee, attempt: Attempt
    ) -> None:
        """Refused for good: the association's contact marked undeliverable (unless the
        delivery that got the bounce did it), a city team's address logged."""
        if to.slug is None:
            log.error("a city team's address was refused", extra={"key": request.key})
        elif not attempt.handled_before or await self.store.undeliverable(to.slug) is None:
            record = rules.Undeliverable(
                address_hash=rules.address_hash(to.addresses[0], self._secret),
                at=self._clock.now(),
                code=attempt.code,
                reason=attempt.smtp or "refused",
            )
            await self.store.mark(to.slug, record)
            log.warning("association contact marked undeliverable", extra={"association": to.slug})
        reason = f"refused by the recipient's server: {attempt.smtp}"
        await self.failed(service, request, reason, undeliverable=True)
