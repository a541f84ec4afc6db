"""Builds the agenda service: settings → NATS runtime → subscribers → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan, where the start-up
step mirrors the directory, loads every event into the catalog and then starts the consumer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from nats.js import JetStreamContext

from vieasso.agenda import moderation
from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.feedcache import FeedCache
from vieasso.agenda.adapters.screen_feeds import ScreenFeeds
from vieasso.agenda.adapters.screens import ScreenStore
from vieasso.agenda.adapters.store import ConcurrentWrite, EventStore
from vieasso.agenda.adapters.tokens import AssociationTokens
from vieasso.agenda.adapters.warmstart import WarmStart
from vieasso.agenda.config import AgendaSettings
from vieasso.agenda.entrypoints import embed, http, images, nats
from vieasso.agenda.entrypoints.cors import PublicCors
from vieasso.agenda.entrypoints.fastpath import FeedFastPath
from vieasso.agenda.handlers import Agenda
from vieasso.agenda.screen_handlers import Screens
from vieasso.common.clock import Clock, SystemClock
from vieasso.common.directory import DirectoryView
from vieasso.common.http.app import build_app
from vieasso.common.http.ratelimit import RateLimit
from vieasso.common.images import ImageStore, ImageStoreError
from vieasso.common.nats.publish import PublishError
from vieasso.common.nats.pull import PullConsumer
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import Sessions, install_starting_page, mount_static, starting_response
from vieasso.common.web.starting import wants_page

log = logging.getLogger(__name__)

SERVICE = "agenda"
IMAGES_BUCKET = "agenda_images"
UPLOADS_PER_HOUR = 60
NOT_SAVED = "Enregistrement momentanément impossible : réessayez plus tard."


@dataclass
class Wiring:
    """Everything the entrypoints share; `agenda` exists once NATS is connected."""

    settings: AgendaSettings
    clock: Clock
    catalog: Catalog = field(default_factory=Catalog)
    directory: DirectoryView = field(default_factory=DirectoryView)
    store: EventStore | None = None
    warm: WarmStart | None = None
    agenda_: Agenda | None = None
    tokens_: AssociationTokens | None = None
    images_: ImageStore | None = None
    # posters an association may send in an hour (each takes ~0.3 s of CPU and up to 10 MB
    # of the object store), counted in the process
    uploads: RateLimit = field(default_factory=lambda: RateLimit(UPLOADS_PER_HOUR, 3600))
    consumer: PullConsumer | None = None
    screens_: ScreenStore | None = None
    screen_handlers_: Screens | None = None
    screen_feeds_: ScreenFeeds | None = None
    feeds: FeedCache = field(init=False)
    sessions: Sessions = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = Sessions(self.settings, self.clock)
        self.feeds = FeedCache(
            self.catalog,
            self.clock,
            public_url=self.settings.public_url(SERVICE),
            max_events=self.settings.agenda_feed_max_events,
            labels=self.theme_label,
        )

    def theme_label(self, code: str) -> str:
        """A theme's French label (its code while the directory does not know it)."""
        found = self.directory.theme(code)
        return found.label if found is not None else code

    def agenda(self) -> Agenda:
        if self.agenda_ is None:
            raise NotReady
        return self.agenda_

    def images(self) -> ImageStore:
        if self.images_ is None:
            raise NotReady
        return self.images_

    def screens(self) -> ScreenStore:
        if self.screens_ is None:
            raise NotReady
        return self.screens_

    def screen_handlers(self) -> Screens:
        if self.screen_handlers_ is None:
            raise NotReady
        return self.screen_handlers_

    def screen_feeds(self) -> ScreenFeeds:
        if self.screen_feeds_ is None:
            raise NotReady
        return self.screen_feeds_

    def tokens(self) -> AssociationTokens:
        if self.tokens_ is None:
            raise NotReady
        return self.tokens_

    async def close(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
        if self.screens_ is not None:
            await self.screens_.stop()
        if self.warm is not None:
            await self.warm.close()
        if self.store is not None:
            await self.store.close()
        await self.directory.stop()


class NotReady(RuntimeError):
    """NATS is not connected yet, or the catalog is still loading."""


def build_runtime(
    settings: AgendaSettings, clock: Clock | None = None
) -> tuple[NatsRuntime, Wiring]:
    runtime = NatsRuntime(settings, service=SERVICE)
    wiring = Wiring(settings=settings, clock=clock or SystemClock())
    runtime.broker.include_router(nats.build_router())

    async def start(js: JetStreamContext) -> None:
        # FastStream logs two lines per message at INFO (set up when the broker connects):
        # as much CPU as validating the submission. Kept at DEBUG only.
        if logging.getLevelName(settings.log_level.upper()) != logging.DEBUG:
            logging.getLogger("faststream.access.nats").setLevel(logging.WARNING)
        await wiring.directory.start(js)
        store = wiring.store = await EventStore.open(js)
        wiring.warm = WarmStart(
            wiring.catalog, settings.agenda_cache_dir, settings.agenda_snapshot_interval
        )
        await wiring.warm.load(store)
        wiring.tokens_ = AssociationTokens(js)
        wiring.images_ = ImageStore(js, IMAGES_BUCKET)
        await wiring.sessions.open(js)
        wiring.agenda_ = Agenda(
            directory=wiring.directory,
            store=store,
            catalog=wiring.catalog,
            publish=runtime.publish,
            clock=wiring.clock,
            domain=settings.domain,
            public_url=settings.public_url(SERVICE),
            images=wiring.images_,
        )
        await _resume_moderation(wiring.agenda_)
        await _start_screens(wiring, js, runtime)
        if wiring.consumer is not None:  # a start-up attempt that failed after this step
            await wiring.consumer.stop()
        connection = runtime.connection
        if connection is None:  # pragma: no cover - connected before the start-up steps
            raise NotReady
        wiring.consumer = nats.submissions_consumer(
            wiring.agenda,
            connection,
            js,
            durable=settings.agenda_consumer,
            batch_size=settings.agenda_batch_size,
        )
        await wiring.consumer.start()

    runtime.on_startup(start)
    return runtime, wiring


async def _resume_moderation(agenda: Agenda) -> None:
    """Mails of hidings interrupted by a crash (`moderation.py`): requested now, or at the
    next start or unpublish if NATS refuses them — never a reason not to start."""
    try:
        await moderation.resume(agenda)
    except (PublishError, ConcurrentWrite) as exc:
        log.warning("moderation mails not requested yet", extra={"reason": str(exc)})


async def _start_screens(wiring: Wiring, js: JetStreamContext, runtime: NatsRuntime) -> None:
    """The screens' watched bucket, their use cases, and decisions a crash interrupted."""
    if wiring.screens_ is not None:  # a start-up attempt that failed after this step
        await wiring.screens_.stop()
    store = wiring.screens_ = ScreenStore()
    await store.start(js)
    public_url = wiring.settings.public_url(SERVICE)
    wiring.screen_feeds_ = ScreenFeeds(wiring.catalog, store, public_url)
    wiring.screen_handlers_ = Screens(
        store=store,
        catalog=wiring.catalog,
        publish=runtime.publish,
        clock=wiring.clock,
        announcements_url=f"{public_url}/espace-association/annonces",
    )
    try:
        await wiring.screen_handlers_.resume()
    except (PublishError, ConcurrentWrite) as exc:
        log.warning("announcement decisions not notified yet", extra={"reason": str(exc)})


def create_app(settings: AgendaSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or AgendaSettings()
    runtime, wiring = build_runtime(settings, clock)
    app = build_app(
        runtime,
        title="Agenda — Vie associative Besançon",
        description="Événements des associations et flux iCal, RSS, Atom et JSON-LD.",
        routers=[http.build_router(wiring)],
        body_limits={
            "/api/associations/*/images": images.BODY_LIMIT,
            "/espace-association/evenements": images.BODY_LIMIT,  # the form, with its poster
        },
        framed_by={embed.EMBED_PATH: settings.embed_ancestors()},
    )
    mount_static(app)
    install_starting_page(app, settings)
    app.state.wiring = wiring
    app.state.sessions = wiring.sessions
    runtime.on_shutdown(wiring.close)

    @app.exception_handler(NotReady)
    async def _not_ready(request: Request, _: NotReady) -> Response:
        return starting_response(request, settings)

    @app.exception_handler(PublishError)
    @app.exception_handler(ImageStoreError)
    async def _not_saved(request: Request, exc: PublishError | ImageStoreError) -> Response:
        """JetStream refused or did not acknowledge the submission (e.g. the AGENDA stream is
        full, docs/deploy.md "Limits"; the publisher logged why), or the posters' object
        store did not answer: 503, nothing was saved."""
        if isinstance(exc, ImageStoreError):
            log.warning("object store unavailable", extra={"reason": str(exc)})
        if wants_page(request):
            return starting_response(request, settings)
        headers = {"Retry-After": "5", "Cache-Control": "no-store"}
        return JSONResponse({"detail": NOT_SAVED}, status_code=503, headers=headers)

    return app


def create_asgi(settings: AgendaSettings | None = None) -> PublicCors:
    """What `vieasso-agenda serve` runs: the app behind the feeds' fast path."""
    return with_fast_path(create_app(settings))


def with_fast_path(app: FastAPI) -> PublicCors:
    """`app` behind the feeds' fast path, which answers with the app's security headers,
    behind the public feeds' CORS."""
    return PublicCors(FeedFastPath(app, app.state.wiring.feeds, app.state.security_headers))
