"""Sending one delivery: ledger first, then SMTP, retries, bounces.

Order of writes for one (edition, subscriber):
1. ledger `sending` (compare-and-set: only one worker ever gets past this point), taken
   at most one delivery ahead of each pooled connection (`SmtpPool.lease`);
2. the SMTP transaction;
3. ledger `sent` / `bounced` / `failed`, or `deferred` before waiting to try again.
A crash between 1 and 3 leaves `sending`: the delivery is not sent again (at most once),
and the edition counts it `uncertain` — the server may or may not have accepted it; at
most two deliveries per SMTP connection (one on the wire, one about to be) are ever in that
state.

The associations' letter goes the same way, its recipient being an association (its slug)
whose contact is read from the directory at send time (`AssociationLetter.address`). A hard
bounce there marks the address undeliverable (`adapters/undeliverable.py`) instead of
suspending a subscriber; a crash between the ledger's `bounced` and the mark only means the
next letter tries that address once more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from vieasso.common.clock import Clock
from vieasso.common.messages.newsletter import Delivery, LetterAudience
from vieasso.common.subjects import Departure
from vieasso.newsletter.adapters.ledger import Claim, Ledger
from vieasso.newsletter.adapters.mirror import SubscriberMirror
from vieasso.newsletter.adapters.rendering import PREFERENCES, UNSUBSCRIBE
from vieasso.newsletter.adapters.smtp import SmtpPool, SmtpUnavailable
from vieasso.newsletter.adapters.subscribers import ConcurrentChange, SubscriberStore
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.delivery import LedgerEntry, LedgerState, Outcome, backoff, classify
from vieasso.newsletter.domain.subscriber import SubscriberState
from vieasso.newsletter.handlers.links import Links
from vieasso.newsletter.handlers.rendered import EditionMail

if TYPE_CHECKING:
    from vieasso.newsletter.handlers.letter import AssociationLetter

log = logging.getLogger(__name__)

Progress = Callable[[LedgerState], None]


class Deliverer:
    def __init__(  # noqa: PLR0917 - the use case's collaborators
        self,
        ledger: Ledger,
        mirror: SubscriberMirror,
        store: SubscriberStore,
        pool: SmtpPool,
        links: Links,
        settings: NewsletterSettings,
        clock: Clock,
    ) -> None:
        self._ledger = ledger
        self._mirror = mirror
        self._store = store
        self._pool = pool
        self._links = links
        self._settings = settings
        self._clock = clock
        self._ahead = asyncio.Semaphore(settings.smtp_pool_size)  # claimed, waiting to send
        self.progress: list[Progress] = []
        self.letter: AssociationLetter | None = None  # the associations' letter's recipients

    def message(
        self, mail: EditionMail, subscriber_id: str, email: str, items: tuple[int, ...]
    ) -> bytes:
        now = self._clock.now()
        links = {
            PREFERENCES: self._links.preferences(subscriber_id, now),
            UNSUBSCRIBE: self._links.unsubscribe(subscriber_id),
        }
        return mail.compose(self._settings, subscriber_id, email, items, links=links, date=now)

    async def deliver(self, mail: EditionMail, delivery: Delivery) -> LedgerState:
        state = await self._deliver(mail, delivery)
        for report in self.progress:
            report(state)
        return state

    async def _deliver(self, mail: EditionMail, delivery: Delivery) -> LedgerState:
        eid, sid = mail.edition.id, delivery.subscriber_id
        if mail.edition.audience is LetterAudience.ASSOCIATIONS:
            return await self._deliver_letter(mail, delivery)
        reader = self._mirror.get(sid)
        if reader is None or not reader.active:
            await self._ledger.skip(eid, sid, self._clock.now())
            return LedgerState.SKIPPED
        raw = self.message(mail, sid, reader.email, delivery.items)
        return await self._send(eid, sid, reader.email, raw, partial(self._suspend, sid))

    async def _deliver_letter(self, mail: EditionMail, delivery: Delivery) -> LedgerState:
        """The associations' letter: the association's contact read now (a contact changed,
        an opt-out or a bounce since the edition was built is respected)."""
        eid, slug, letter = mail.edition.id, delivery.subscriber_id, self.letter
        email = await letter.address(slug) if letter is not None else None
        if letter is None or email is None:
            await self._ledger.skip(eid, slug, self._clock.now())
            return LedgerState.SKIPPED
        raw = letter.message(mail, slug, email, delivery.items)
        return await self._send(
            eid, slug, email, raw, partial(letter.bounced, slug, email), letter=True
        )

    async def _send(
        self,
        eid: str,
        sid: str,
        email: str,
        raw: bytes,
        bounced: Callable[[str], Awaitable[None]],
        *,
        letter: bool = False,
    ) -> LedgerState:
        s = self._settings
        while True:
            # The ledger says `sending` at most one delivery ahead of each connection: a
            # crash leaves in doubt the mails on the wire and one waiting per connection,
            # while the next claim (a synced KV write) overlaps the current transaction
            # instead of keeping the connection idle.
            async with AsyncExitStack() as held:
                async with self._ahead:
                    claim = await self._ledger.claim(eid, sid, self._clock.now())
                    if claim.revision is None:
                        if letter:
                            return claim.state or LedgerState.SENDING
                        return await self._handled(sid, claim)
                    lease = await held.enter_async_context(self._pool.lease())
                code: int | None = None
                detail = "connection"
                try:
                    reply = await lease.send(s.mail_from_address, email, raw)
                except SmtpUnavailable:
                    outcome = Outcome.RETRY
                else:
                    code, detail = reply.code, reply.message
                    outcome = classify(code, detail)
            state = {
                Outcome.SENT: LedgerState.SENT,
                Outcome.BOUNCE: LedgerState.BOUNCED,
                Outcome.FAIL: LedgerState.FAILED,
                Outcome.RETRY: LedgerState.DEFERRED,
            }[outcome]
            if state is LedgerState.DEFERRED and claim.attempts >= s.send_max_attempts:
                state = LedgerState.FAILED
            entry = LedgerEntry(
                state=state, attempts=claim.attempts, at=self._clock.now(), code=code
            )
            await self._ledger.record(eid, sid, claim.revision, entry)
            if state is LedgerState.BOUNCED:
                await bounced(f"{code} {detail}")
            if state is not LedgerState.DEFERRED:
                return state
            await asyncio.sleep(backoff(claim.attempts, s.send_retry_base, s.send_retry_max))

    async def _handled(self, subscriber_id: str, claim: Claim) -> LedgerState:
        """A delivery handled before; a bounce recorded by a run stopped before it suspended
        the subscriber is followed through now."""
        if claim.entry is not None and claim.state is LedgerState.BOUNCED:
            await self._suspend(subscriber_id, f"{claim.entry.code}", since=claim.entry.at)
        return claim.state or LedgerState.SENDING

    async def _suspend(
        self, subscriber_id: str, reason: str, since: datetime | None = None
    ) -> None:
        """A hard bounce: stop mailing the address until the person subscribes again. With
        `since` (the bounce of an earlier run), not if the subscriber changed after it."""
        for _ in range(5):
            found = await self._store.get(subscriber_id)
            if found is None:
                return
            subscriber, revision = found
            if since is not None and (
                subscriber.state is not SubscriberState.ACTIVE or subscriber.updated_at > since
            ):
                return
            try:
                await self._store.save(
                    subscriber.suspended(self._clock.now(), reason), revision, Departure.SUSPENDED
                )
            except ConcurrentChange:
                continue
            log.info(
                "subscriber suspended after a hard bounce", extra={"subscriber": subscriber_id}
            )
            return
