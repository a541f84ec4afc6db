"""The confirmation mail (one per subscription request)."""

from __future__ import annotations

import asyncio
import logging
import secrets

from vieasso.common.clock import Clock
from vieasso.newsletter.adapters.mime import Sender, compose, qp
from vieasso.newsletter.adapters.rendering import CONFIRM, Renderer
from vieasso.newsletter.adapters.smtp import SmtpPool, SmtpUnavailable
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.delivery import Outcome, classify
from vieasso.newsletter.domain.subscriber import Subscriber

log = logging.getLogger(__name__)
SUBJECT = "Confirmez votre abonnement à la lettre de la vie associative"


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
            message_id=f"confirm.{subscriber.id}.{secrets.token_hex(4)}@{self._settings.domain}",
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
