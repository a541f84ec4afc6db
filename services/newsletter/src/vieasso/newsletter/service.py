"""The running newsletter: adapters and use cases, built once NATS is connected."""

from __future__ import annotations

import logging
from typing import Any

from nats.js import JetStreamContext

from vieasso.common.clock import Clock
from vieasso.common.nats.publish import Publish
from vieasso.common.reference.loader import load_quartiers, load_themes
from vieasso.newsletter.adapters import editions, ledger, subscribers
from vieasso.newsletter.adapters.editions import EditionStore
from vieasso.newsletter.adapters.ledger import Ledger
from vieasso.newsletter.adapters.rendering import Renderer
from vieasso.newsletter.adapters.smtp import SmtpPool
from vieasso.newsletter.adapters.subscribers import SubscriberStore
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.edition import Edition, EditionState
from vieasso.newsletter.handlers.links import Links
from vieasso.newsletter.handlers.mails import ConfirmationMails
from vieasso.newsletter.handlers.subscriptions import Subscriptions

log = logging.getLogger(__name__)

SITE = "la plateforme de la vie associative de Besançon"


def labels() -> tuple[dict[str, str], dict[str, str]]:
    """Theme and quartier labels (codes → French), from the shipped reference data."""
    themes = {t.code: t.label for t in load_themes()}
    quartiers = {q.code: q.label for q in load_quartiers()}
    return themes, quartiers


class Newsletter:
    """Everything the entrypoints call, wired on a JetStream context."""

    def __init__(
        self, settings: NewsletterSettings, js: JetStreamContext, publish: Publish, clock: Clock
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.js = js
        self.publish = publish
        self.themes, self.quartiers = labels()
        flat = {f"theme.{k}": v for k, v in self.themes.items()}
        flat.update({f"quartier.{k}": v for k, v in self.quartiers.items()})
        self.renderer = Renderer(zone=settings.zone, site=SITE, labels=flat)
        self.links = Links(settings, clock)
        self.pool = SmtpPool(settings)
        self.store: SubscriberStore
        self.ledger: Ledger
        self.editions: EditionStore
        self.subscriptions: Subscriptions

    async def open(self) -> Newsletter:
        self.store = SubscriberStore(await self.js.key_value(subscribers.BUCKET))
        self.ledger = Ledger(await self.js.key_value(ledger.BUCKET))
        self.editions = EditionStore(await self.js.key_value(editions.BUCKET))
        confirmations = ConfirmationMails(self.renderer, self.pool, self.settings, self.clock)
        self.subscriptions = Subscriptions(
            self.store, self.ledger, self.links, confirmations, self.settings, self.clock
        )
        return self

    async def close(self) -> None:
        await self.subscriptions.drain()
        await self.pool.close()

    async def start_background(self) -> None:
        """Loops of a serving instance (content feed, sender, schedule): added below."""

    async def edition_status(self, edition_id: str) -> dict[str, Any] | None:
        found = await self.editions.get(edition_id)
        return None if found is None else found[0].model_dump(mode="json")

    async def archived_editions(self) -> list[Edition]:
        return [e for e in await self.editions.all() if e.state is not EditionState.BUILDING]

    async def archive_html(self, edition_id: str) -> str | None:
        return None
