"""The signed links of the newsletter (confirmation, preferences, unsubscribe)."""

from __future__ import annotations

from datetime import datetime, timedelta

from vieasso.common.clock import Clock
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain import tokens
from vieasso.newsletter.domain.subscriber import Subscriber
from vieasso.newsletter.domain.tokens import Claims, Purpose

LETTER_PATH = "/lettre-des-associations"  # the associations' letter's pages


class Links:
    def __init__(self, settings: NewsletterSettings, clock: Clock) -> None:
        self._secret = settings.token_secret.get_secret_value().encode()
        self._base = settings.base_url
        self._confirm_ttl = timedelta(hours=settings.confirm_token_hours)
        self._manage_ttl = timedelta(days=settings.manage_token_days)
        self._clock = clock

    @property
    def base(self) -> str:
        return self._base

    def token(
        self,
        purpose: Purpose,
        subscriber_id: str,
        now: datetime | None = None,
        generation: int | None = None,
    ) -> str:
        now = now or self._clock.now()
        expires = {
            Purpose.CONFIRM: now + self._confirm_ttl,
            Purpose.MANAGE: now + self._manage_ttl,
            Purpose.UNSUBSCRIBE: None,
            Purpose.LETTER_UNSUBSCRIBE: None,
        }[purpose]
        return tokens.sign(self._secret, purpose, subscriber_id, expires, generation)

    def verify(self, token: str, purpose: Purpose) -> Claims:
        return tokens.claims(self._secret, token, purpose, self._clock.now())

    def confirm(self, subscriber: Subscriber) -> str:
        """The confirmation link of the subscriber's current request (their generation)."""
        token = self.token(Purpose.CONFIRM, subscriber.id, generation=subscriber.generation)
        return f"{self._base}/abonnement/confirmer?token={token}"

    def preferences(self, subscriber_id: str, now: datetime | None = None) -> str:
        token = self.token(Purpose.MANAGE, subscriber_id, now)
        return f"{self._base}/preferences?token={token}"

    def unsubscribe(self, subscriber_id: str) -> str:
        token = self.token(Purpose.UNSUBSCRIBE, subscriber_id)
        return f"{self._base}/desabonnement?token={token}"

    def archive(self, edition_id: str) -> str:
        return f"{self._base}/archives/{edition_id}"

    def letter_unsubscribe(self, slug: str) -> str:
        """The associations' letter's one-click link, bound to the association (no expiry:
        it must keep working in old mails)."""
        token = self.token(Purpose.LETTER_UNSUBSCRIBE, slug)
        return f"{self._base}{LETTER_PATH}/desabonnement?token={token}"

    def letter_archive(self, edition_id: str | None = None) -> str:
        archives = f"{self._base}{LETTER_PATH}/archives"
        return f"{archives}/{edition_id}" if edition_id else archives
