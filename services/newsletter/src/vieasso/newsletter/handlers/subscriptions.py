"""Subscribing (double opt-in), confirming, preferences, unsubscribing, GDPR export/erase.

`submit` answers the same way and in the same time whatever the address: the request is
written to ``newsletter_requests`` (a random key) and handled after the answer (`request`,
in the background), so neither its outcome nor its duration tells whether the address is
known. A replica killed before it handled a request leaves it there: `recover` (one replica,
under a lease) handles it; the confirmation of a request recorded but perhaps not mailed is
mailed again, as the same message (`mails.confirmation_id`): only after a crash.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from nats.errors import Error as NatsError

from vieasso.common.clock import Clock
from vieasso.common.subjects import Departure
from vieasso.newsletter.adapters.ledger import Ledger
from vieasso.newsletter.adapters.requests import PendingRequest, PendingRequests
from vieasso.newsletter.adapters.subscribers import ConcurrentChange, SubscriberStore
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.subscriber import (
    Confirmation,
    Consent,
    OutdatedLink,
    Preferences,
    Subscriber,
    SubscriberState,
    new_subscriber_id,
    normalise_email,
)
from vieasso.newsletter.domain.tokens import InvalidToken, Purpose
from vieasso.newsletter.handlers.links import Links

log = logging.getLogger(__name__)

SendConfirmation = Callable[[Subscriber, str], Awaitable[None]]
ATTEMPTS = 5
DRAIN_WITHIN = 30.0  # seconds


class Busy(RuntimeError):
    """Too many requests taken and not yet handled: the caller should come back later."""


class UnknownSubscriber(LookupError):
    """The token is valid but the subscriber is gone (erased)."""


class Subscriptions:
    def __init__(  # noqa: PLR0917 - the use case's collaborators
        self,
        store: SubscriberStore,
        ledger: Ledger,
        links: Links,
        send_confirmation: SendConfirmation,
        settings: NewsletterSettings,
        clock: Clock,
        pending: PendingRequests,
    ) -> None:
        self._store = store
        self._ledger = ledger
        self._links = links
        self._send_confirmation = send_confirmation
        self._settings = settings
        self._clock = clock
        self._pending = pending
        self._background: set[asyncio.Task[None]] = set()

    async def submit(self, email: str, preferences: Preferences, ip: str | None) -> None:
        """Take a request from the form or the API: stored, then handled after the answer
        (raises `Busy` when `subscribe_queue` requests already wait, or when it cannot be
        stored: nothing would handle it)."""
        if len(self._background) >= self._settings.subscribe_queue:
            raise Busy
        taken = PendingRequest(
            email=email, preferences=preferences, ip=ip, requested_at=self._clock.now()
        )
        try:
            key = await self._pending.add(taken)
        except (NatsError, TimeoutError) as exc:
            log.warning("subscription request not stored", extra={"error": repr(exc)})
            raise Busy from exc
        self._in_background(self._handle(key, taken))

    async def _handle(self, key: str, taken: PendingRequest) -> None:
        await self.record(taken)
        await self._pending.done(key)

    async def recover(self, after: timedelta) -> int:
        """Handle the requests taken more than `after` ago and still waiting (their replica
        died, or could not handle them); how many."""
        handled = 0
        async for key, taken in self._pending.older_than(self._clock.now() - after):
            try:
                await self._handle(key, taken)
            except Exception:
                log.exception("subscription request left behind: failed again; next round")
                continue
            handled += 1
        return handled

    async def request(self, email: str, preferences: Preferences, ip: str | None) -> None:
        """Record the request and mail a confirmation link (if one is due)."""
        taken = PendingRequest(
            email=email, preferences=preferences, ip=ip, requested_at=self._clock.now()
        )
        await self.record(taken)

    async def record(self, taken: PendingRequest) -> None:
        """Record the request and mail a confirmation link (if one is due): at most one per
        address per `confirmation_interval_seconds`, whoever asks — and again for the very
        request already recorded (same time), whose mail a crash may have stopped."""
        now = taken.requested_at
        consent = Consent(requested_at=now, ip=taken.ip, form_version=self._settings.form_version)
        email = normalise_email(taken.email)
        preferences = taken.preferences
        for _ in range(ATTEMPTS):
            found = await self._store.find(email)
            if found is None:
                subscriber = Subscriber(
                    id=new_subscriber_id(),
                    email=email,
                    preferences=preferences,
                    state=SubscriberState.PENDING,
                    consent=consent,
                    created_at=now,
                    updated_at=now,
                )
                if await self._store.add(subscriber):
                    break
                continue
            current, revision = found
            if current.state is SubscriberState.PENDING and current.consent == consent:
                subscriber = current  # this very request, recorded before a crash
                break
            resend_after = timedelta(seconds=self._settings.confirmation_interval_seconds)
            subscriber = current.asked_again(preferences, consent, now, resend_after)
            if subscriber is current:
                return  # already active, or mailed within the hour: nothing to send
            try:
                await self._store.save(subscriber, revision)
                break
            except ConcurrentChange:
                continue
        else:
            raise ConcurrentChange("subscription request")
        await self._send_confirmation(subscriber, self._links.confirm(subscriber))

    def _in_background(self, job: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await job
            except Exception:
                log.exception("subscription request failed (no confirmation mail sent)")

        task = asyncio.create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """Wait for the requests still being handled (tests, shutdown), `DRAIN_WITHIN` seconds
        at most: each is bounded by the NATS and SMTP timeouts, but a stop must end anyway."""
        if self._background:
            _, left = await asyncio.wait(set(self._background), timeout=DRAIN_WITHIN)
            if left:
                log.warning("%d subscription requests still running; left behind", len(left))

    async def subscriber(self, token: str, purpose: Purpose) -> tuple[Subscriber, int]:
        found = await self._store.get(self._links.verify(token, purpose).subscriber_id)
        if found is None:
            raise UnknownSubscriber
        return found

    async def confirmation(self, token: str) -> Confirmation:
        """What the confirmation link would do (its page, opened by a GET, changes nothing)."""
        subscriber, _ = await self.subscriber(token, Purpose.CONFIRM)
        return subscriber.confirmation(self._links.verify(token, Purpose.CONFIRM).generation)

    async def _change(
        self,
        token: str,
        purpose: Purpose,
        change: Callable[[Subscriber], Subscriber],
        departure: Departure | None = None,
    ) -> Subscriber:
        for _ in range(ATTEMPTS):
            current, revision = await self.subscriber(token, purpose)
            changed = change(current)
            if changed is current:
                return current
            try:
                await self._store.save(changed, revision, departure)
            except ConcurrentChange:
                continue
            return changed
        raise ConcurrentChange("subscriber")

    async def confirm(self, token: str) -> Subscriber:
        """Raises OutdatedLink for a link mailed before the person left."""
        now = self._clock.now()
        generation = self._links.verify(token, Purpose.CONFIRM).generation
        subscriber = await self._change(
            token, Purpose.CONFIRM, lambda s: s.confirmed(now, generation)
        )
        log.info("subscription confirmed", extra={"subscriber": subscriber.id})
        return subscriber

    async def update_preferences(self, token: str, preferences: Preferences) -> Subscriber:
        now = self._clock.now()
        return await self._change(
            token, Purpose.MANAGE, lambda s: s.with_preferences(preferences, now)
        )

    async def unsubscribe(self, token: str, purpose: Purpose = Purpose.UNSUBSCRIBE) -> None:
        now = self._clock.now()
        try:
            subscriber = await self._change(
                token, purpose, lambda s: s.unsubscribed(now), Departure.UNSUBSCRIBED
            )
        except UnknownSubscriber:
            return  # erased already: nothing left to unsubscribe
        log.info("unsubscribed", extra={"subscriber": subscriber.id})

    async def export(self, token: str) -> dict[str, Any]:
        """Everything stored about the person (GDPR art. 15 and 20)."""
        subscriber, _ = await self.subscriber(token, Purpose.MANAGE)
        deliveries = await self._ledger.entries(subscriber.id)
        return {
            "abonne": subscriber.model_dump(mode="json"),
            "envois": {eid: e.model_dump(mode="json") for eid, e in sorted(deliveries.items())},
        }

    async def erase(self, token: str) -> None:
        """Forget the person (GDPR art. 17): record, address index, history, ledger."""
        try:
            subscriber, _ = await self.subscriber(token, Purpose.MANAGE)
        except UnknownSubscriber:
            return
        await self._store.erase(subscriber)
        await self._ledger.forget(subscriber.id)
        log.info("subscriber erased", extra={"subscriber": subscriber.id})


__all__ = ["Busy", "InvalidToken", "OutdatedLink", "Subscriptions", "UnknownSubscriber"]
