"""The running newsletter: adapters and use cases, built once NATS is connected."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext

from vieasso.common.clock import Clock, SystemClock
from vieasso.common.directory import ASSOCIATIONS, ContactDirectory
from vieasso.common.http.shared_limit import SharedRateLimit
from vieasso.common.messages.newsletter import LetterAudience
from vieasso.common.nats.lease import leased
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.publish import Publish
from vieasso.common.nats.pull import PullConsumer
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.reference.loader import load_quartiers, load_themes
from vieasso.common.tasks import stop_task
from vieasso.newsletter.adapters import courrier_store, editions, ledger, subscribers
from vieasso.newsletter.adapters.courrier_rendering import CourrierRenderer
from vieasso.newsletter.adapters.courrier_store import CourrierStore
from vieasso.newsletter.adapters.departures import Departures
from vieasso.newsletter.adapters.editions import EditionStore
from vieasso.newsletter.adapters.facts import FactsFeed
from vieasso.newsletter.adapters.ledger import Ledger
from vieasso.newsletter.adapters.letter_choices import LetterChoices
from vieasso.newsletter.adapters.mirror import SubscriberMirror
from vieasso.newsletter.adapters.queue import DeliveryQueue
from vieasso.newsletter.adapters.rendering import Renderer
from vieasso.newsletter.adapters.requests import PendingRequests
from vieasso.newsletter.adapters.smtp import SmtpPool
from vieasso.newsletter.adapters.subscribers import SubscriberStore
from vieasso.newsletter.adapters.undeliverable import Undeliverable
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.edition import Edition, EditionState
from vieasso.newsletter.domain.index import ContentIndex
from vieasso.newsletter.domain.index import Links as PageLinks
from vieasso.newsletter.entrypoints.courrier import requests_consumer
from vieasso.newsletter.entrypoints.schedule import Schedule
from vieasso.newsletter.entrypoints.sender import Sender
from vieasso.newsletter.handlers.content import apply_fact
from vieasso.newsletter.handlers.courrier import Courrier
from vieasso.newsletter.handlers.deliveries import Deliverer
from vieasso.newsletter.handlers.departures import DepartureReplay
from vieasso.newsletter.handlers.editions import Editions
from vieasso.newsletter.handlers.letter import AssociationLetter
from vieasso.newsletter.handlers.links import Links
from vieasso.newsletter.handlers.mails import ConfirmationMails
from vieasso.newsletter.handlers.rendered import EditionMails
from vieasso.newsletter.handlers.subscriptions import Subscriptions

log = logging.getLogger(__name__)
LIMITS = "newsletter_limits"

SITE = "la plateforme de la vie associative de Besançon"
MAILS_PER_CONNECTION = 16  # deliveries in flight per SMTP connection: hides the ledger's fsyncs


def release_memory() -> None:
    """Give the memory freed after a rebuild back to the system (RSS, B5): the replay
    allocates and drops many small objects, which glibc otherwise keeps in its arenas."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


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
        self.index = ContentIndex(
            PageLinks(
                settings.public_url("annuaire"),
                settings.public_url("ressources"),
                settings.public_url("aides"),
            ),
            settings.zone,
            clock.now,
        )
        self.feed = FactsFeed(js, lambda subject, data: apply_fact(self.index, subject, data))
        self.queue = DeliveryQueue(js, settings.send_ack_wait)
        self.contacts = ContactDirectory()  # associations' private contacts (SPEC §8)
        self.letter_choices = LetterChoices(js, publish)
        self.subscribe_limit = SharedRateLimit(
            "subscriptions", settings.subscribe_limit_per_ip, settings.subscribe_window_seconds
        )
        """Subscription requests per visitor and window, in `newsletter_limits` (replicas)."""
        self.store: SubscriberStore
        self.mirror: SubscriberMirror
        self.ledger: Ledger
        self.editions: Editions
        self.subscriptions: Subscriptions
        self.deliverer: Deliverer
        self.departures: DepartureReplay
        self.letter: AssociationLetter
        self.courrier: Courrier
        self.courrier_consumer: PullConsumer | None = None
        self.sender: Sender | None = None
        self.schedule: Schedule | None = None
        self.recovery: asyncio.Task[None] | None = None

    async def open(self) -> Newsletter:
        await self.subscribe_limit.open(self.js, LIMITS)
        kv = await self.js.key_value(subscribers.BUCKET)
        departures = Departures(self.js, self.publish)
        self.store = SubscriberStore(kv, departures.record)
        self.mirror = SubscriberMirror(self.js)
        self.ledger = Ledger(await self.js.key_value(ledger.BUCKET))
        self.departures = DepartureReplay(
            departures, self.store, self.ledger, self.mirror, self.clock
        )
        store = EditionStore(await self.js.key_value(editions.BUCKET))
        mails = EditionMails(store, self.renderer, self.links, self.settings)
        self.editions = Editions(
            store,
            self.queue,
            self.ledger,
            self.mirror,
            self.index,
            mails,
            self.publish,
            self.settings,
            self.clock,
        )
        confirmations = ConfirmationMails(self.renderer, self.pool, self.settings, self.clock)
        self.subscriptions = Subscriptions(
            self.store,
            self.ledger,
            self.links,
            confirmations,
            self.settings,
            self.clock,
            await PendingRequests.open(self.js),
        )
        self.deliverer = Deliverer(
            self.ledger, self.mirror, self.store, self.pool, self.links, self.settings, self.clock
        )
        contacts_store = CourrierStore(await self.js.key_value(courrier_store.BUCKET))
        secret = self.settings.token_secret.get_secret_value().encode()
        self.letter = AssociationLetter(
            self.contacts,
            self.letter_choices,
            Undeliverable(contacts_store, secret),
            self.links,
            mails.association_space,
            self.settings,
            self.clock,
        )
        self.letter.entraide_readers = self.index.entraide_readers
        self.editions.letter = self.deliverer.letter = self.letter
        self.courrier = Courrier(
            self.contacts,
            await self.js.key_value(ASSOCIATIONS),
            contacts_store,
            self.ledger,
            self.pool,
            CourrierRenderer(zone=self.settings.zone, site=SITE),
            self.publish,
            self.settings,
            self.clock,
        )
        return self

    async def load(self) -> None:
        """Rebuild the in-memory indexes (facts, subscribers) and keep following them; apply
        again the departures a restored backup lacks, before any mail can leave."""
        await self.feed.start()
        await self.mirror.start()
        await self.contacts.start(self.js)
        await self.departures.run()
        await self.letter_choices.start()
        release_memory()

    def start_sender(self) -> Sender:
        concurrency = self.settings.smtp_pool_size * MAILS_PER_CONNECTION
        self.sender = Sender(self.queue, self.deliverer, self.editions, concurrency)
        self.sender.start()
        return self.sender

    async def start_background(self, nc: Client) -> None:
        """What a serving instance runs: indexes, the sender, the mail requests of other
        services (on `nc`, the service's connection) and the schedule."""
        await self.load()
        self.start_sender()
        self.courrier_consumer = requests_consumer(
            self.courrier, nc, self.js, self.settings.send_ack_wait
        )
        await self.courrier_consumer.start()
        if self.settings.digest_schedule:
            self.schedule = Schedule(self.editions, self.settings, self.clock)
            self.schedule.start(self.js)
        self.recovery = asyncio.create_task(
            leased(self.js, self.settings, "newsletter.requests", self._recover),
            name="newsletter-requests",
        )

    async def _recover(self) -> None:
        """Subscription requests that a replica took and never handled (killed): handled
        by the one replica holding the lease, every half of the delay."""
        after = self.settings.subscribe_recover_after_seconds
        while True:
            try:
                handled = await self.subscriptions.recover(timedelta(seconds=after))
                if handled:
                    log.info("subscription requests left behind handled", extra={"count": handled})
            except Exception:
                log.exception("recovering subscription requests failed; next round")
            await asyncio.sleep(after / 2)

    async def close(self) -> None:
        await stop_task(self.recovery)
        if self.schedule is not None:
            await self.schedule.stop()
        if self.sender is not None:
            await self.sender.stop()
        if self.courrier_consumer is not None:
            await self.courrier_consumer.stop()
        await self.feed.stop()
        await self.contacts.stop()
        await self.letter_choices.stop()
        if hasattr(self, "mirror"):
            await self.mirror.stop()
        if hasattr(self, "subscriptions"):
            await self.subscriptions.drain()
        await self.queue.close()
        await self.pool.close()

    async def edition_status(self, edition_id: str) -> dict[str, Any] | None:
        found = await self.editions.store.get(edition_id)
        if found is None:
            return None
        status = found[0].model_dump(mode="json")
        status["batches_pending"] = await self.queue.pending(edition_id)
        if found[0].state is not EditionState.SENT:
            tally = await self.ledger.tally(edition_id)
            status["progress"] = {state.value: count for state, count in tally.items()}
        return status

    async def archived_editions(
        self, audience: LetterAudience = LetterAudience.HABITANTS
    ) -> list[Edition]:
        return [
            e
            for e in await self.editions.store.all()
            if e.state is not EditionState.BUILDING and e.audience is audience
        ]

    async def archive_html(self, edition_id: str) -> str | None:
        found = await self.editions.store.get(edition_id)
        if found is None or found[0].state is EditionState.BUILDING:
            return None
        return await self.editions.mails.archive(edition_id)


@asynccontextmanager
async def standalone(
    settings: NewsletterSettings, clock: Clock | None = None, *, connect_timeout: float = 15.0
) -> AsyncIterator[Newsletter]:
    """The newsletter without HTTP, indexes loaded, for the command line.

    Raises `TimeoutError` when NATS cannot be reached and made ready in `connect_timeout`.
    """
    runtime = NatsRuntime(settings, service="newsletter")
    newsletter: Newsletter | None = None
    try:
        async with asyncio.timeout(connect_timeout):
            await runtime.broker.connect()
            await provision(runtime.js, settings.nats_replicas, service=runtime.service)
            newsletter = await Newsletter(
                settings, runtime.js, runtime.publish, clock or SystemClock()
            ).open()
            await newsletter.load()
        yield newsletter
    finally:
        if newsletter is not None:
            await newsletter.close()
        await runtime.stop()
