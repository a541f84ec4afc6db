"""The confirmation mail (one per subscription request)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC

from vieasso.common.clock import Clock
from vieasso.newsletter.adapters.mime import Sender, compose, qp
from vieasso.newsletter.adapters.rendering import CONFIRM, Renderer
from vieasso.newsletter.adapters.smtp import SmtpPool, SmtpUnavailable
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.delivery import Outcome, classify
from vieasso.newsletter.domain.subscriber import Subscriber

log = logging.getLogger(__name__)
SUBJECT = "Confirmez votre abonnement à la lettre de la vie associative"


def confirmation_id(subscriber: Subscriber, domain: str) -> str:
    """One Message-ID per request (the subscriber and the moment of its consent): a request
    handled again after a crash (`Subscriptions.recover`) mails the same message, which the
    recipient's mailbox recognises, rather than a second one. SMTP cannot be exactly-once:
    a replica killed between the relay's acceptance and the request's removal (a few
    milliseconds) hands the same message over once more."""
    stamp = subscriber.consent.requested_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"confirm.{subscriber.id}.{stamp}@{domain}"


class ConfirmationMails:
    def __init__(
        self, renderer: Renderer, pool: SmtpPool, settings: NewsletterSettings, clock: Clock
    ) -> None:
        self._html, self._text = renderer.confirmation(settings.confirm_token_hours)
        self._sender = Sender.of(
            settings.mail_from_name, settings.mail_from_address, SUBJECT, list_id=None
        )
        self._pool = pool
        self._settings = settings
        self._clock = clock

    async def __call__(self, subscriber: Subscriber, url: str) -> None:
        raw = compose(
            self._sender,
            to=subscriber.email,
            message_id=confirmation_id(subscriber, self._settings.domain),
            date=self._clock.now(),
            html=qp(self._html.replace(CONFIRM, url)),
            text=qp(self._text.replace(CONFIRM, url)),
        )
        for attempt in range(3):
            try:
                reply = await self._pool.send(
                    self._settings.mail_from_address, subscriber.email, raw
                )
            except SmtpUnavailable:
                outcome = Outcome.RETRY
            else:
                outcome = classify(reply.code, reply.message)
            if outcome is not Outcome.RETRY:
                break
            if attempt < 2:  # noqa: PLR2004
                await asyncio.sleep(1 + attempt)
        log.info("confirmation mail", extra={"subscriber": subscriber.id, "outcome": outcome})
