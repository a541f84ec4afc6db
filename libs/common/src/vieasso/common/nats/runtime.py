"""A service's NATS runtime: broker, connection in the background, provisioning, readiness.

The HTTP server answers from the first second; ``/healthz`` says 503 until NATS is connected,
every stream and bucket exists, and the service's own start-up steps (index rebuilds) are done.
nats-py reconnects forever; after a reconnection the catalogue is provisioned again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.errors import ConnectionClosedError
from nats.js import JetStreamContext

from vieasso.common.nats.connection import broker_options, connect_options
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.publish import JetStreamPublisher
from vieasso.common.settings import Settings
from vieasso.common.tasks import cancel_until_done, stop_task

log = logging.getLogger(__name__)

DRAIN_LOST_GRACE = 0.5  # seconds
STOP_TIMEOUT = 20.0  # seconds for the broker to drain and close (its graceful timeout is 10)
START_RETRY_MAX = 30.0  # seconds between start-up attempts, at most

StartupStep = Callable[[JetStreamContext], Awaitable[None]]
ShutdownStep = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Health:
    connected: bool
    provisioned: bool
    ready: bool

    @property
    def ok(self) -> bool:
        return self.connected and self.provisioned and self.ready


class NatsRuntime:
    def __init__(self, settings: Settings, *, service: str) -> None:
        self.settings = settings
        self.service = service
        self.broker = NatsBroker(
            **broker_options(settings),
            name=f"vieasso-{service}",
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            connect_timeout=2,
            reconnected_cb=self._on_reconnected,
            disconnected_cb=self._on_disconnected,
            graceful_timeout=10.0,
        )
        self.publish = JetStreamPublisher(self.broker, timeout=settings.nats_publish_timeout)
        self._startup_steps: list[StartupStep] = []
        self._shutdown_steps: list[ShutdownStep] = []
        self._provisioned = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reprovision: asyncio.Task[None] | None = None
        self._stopping: asyncio.Task[None] | None = None

    def on_startup(self, step: StartupStep) -> None:
        """Run `step` once connected and provisioned, before the service reports ready."""
        self._startup_steps.append(step)

    def on_shutdown(self, step: ShutdownStep) -> None:
        """Run `step` at stop, before the broker drains (last registered runs first)."""
        self._shutdown_steps.append(step)

    @property
    def connection(self) -> Client | None:
        with contextlib.suppress(Exception):
            return self.broker.connection
        return None

    @property
    def inbox_prefix(self) -> bytes:
        """Inbox prefix for FastStream subscribers (which default to ``_INBOX.``, whatever
        the connection's prefix): the only inboxes this service's NATS user may read."""
        prefix: str = connect_options(self.settings).get("inbox_prefix", "_INBOX")
        return f"{prefix}.".encode()

    @property
    def js(self) -> JetStreamContext:
        js: JetStreamContext = self.broker.config.connection_state.stream
        return js

    def health(self) -> Health:
        conn = self.connection
        return Health(
            connected=bool(conn is not None and conn.is_connected),
            provisioned=self._provisioned.is_set(),
            ready=self._ready.is_set(),
        )

    async def wait_ready(self) -> None:
        await self._ready.wait()

    def started(self) -> bool:
        """Ready once since the process started (it stays so through a later NATS outage)."""
        return self._ready.is_set()

    def start_in_background(self) -> None:
        self._task = asyncio.create_task(self._start(), name=f"{self.service}-nats-start")

    async def _start(self) -> None:
        """Connect, provision, run the start-up steps, start the subscribers.

        A failure (a provisioning refusal, a step that hit a timeout) is logged at once and
        the whole sequence retried with backoff: the steps must be idempotent. Health stays
        503 meanwhile, which is what an operator and the orchestrator need to see.
        """
        delay = 1.0
        while True:
            try:
                await self._start_once()
            except Exception:
                log.exception("start-up failed; retrying in %.0f s", delay)
                self._provisioned.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, START_RETRY_MAX)
            else:
                return

    async def _start_once(self) -> None:
        log.info("connecting to NATS", extra={"servers": self.settings.nats_servers_for_logs})
        await self.broker.connect()
        await provision(self.js, self.settings.nats_replicas, service=self.service)
        self._provisioned.set()
        for step in self._startup_steps:
            await step(self.js)
        await self.broker.start()
        self._ready.set()
        log.info("ready", extra={"service": self.service})

    async def stop(self) -> None:
        try:
            for step in reversed(self._shutdown_steps):
                await step()
        finally:
            await self._stop_nats()

    async def _stop_nats(self) -> None:
        for task in (self._task, self._reprovision):
            await stop_task(task)
        # Draining needs the server: when it is gone (before or during the drain), nats-py
        # waits its whole drain timeout, so we close without draining instead.
        conn = self.connection
        if conn is not None and not conn.is_connected:
            await self._close_without_drain(conn)
        self._stopping = asyncio.create_task(self.broker.stop(), name=f"{self.service}-nats-stop")
        await asyncio.wait({self._stopping}, timeout=STOP_TIMEOUT)
        if not self._stopping.done():  # a stop must end: the process is asked to exit
            log.warning("stopping the broker took over %.0f s; closing without it", STOP_TIMEOUT)
            if not await cancel_until_done(self._stopping):
                if conn is not None:
                    await self._close_without_drain(conn)
                return
        if self._stopping.cancelled():
            if conn is not None:
                await self._close_without_drain(conn)
        elif (exc := self._stopping.exception()) and not isinstance(exc, ConnectionClosedError):
            log.error("stopping the broker failed", exc_info=exc)

    async def _close_without_drain(self, conn: Client) -> None:
        log.warning("NATS unreachable while stopping: closing without draining")
        with contextlib.suppress(Exception):
            await conn.close()

    async def _on_disconnected(self) -> None:
        if self._stopping is None:
            log.warning("disconnected from NATS")
            return
        # nats-py calls this at the end of every drain too: if the drain is still not done
        # a moment later, the server went away under it, and stop() closes without it.
        asyncio.get_running_loop().call_later(DRAIN_LOST_GRACE, self._abandon_drain)

    def _abandon_drain(self) -> None:
        if self._stopping is not None and not self._stopping.done():
            self._stopping.cancel()

    async def _on_reconnected(self) -> None:
        log.info("reconnected to NATS")
        if self._provisioned.is_set():
            if self._reprovision is not None:
                self._reprovision.cancel()
            self._reprovision = asyncio.create_task(self._provision_again())

    async def _provision_again(self) -> None:
        """Check the streams and buckets after a reconnection, until it succeeds.

        Right after a cluster node dies, JetStream may not answer for a while (elections):
        a single failure used to leave health at 503 for good.
        """
        delay = 1.0
        while True:
            try:
                await provision(self.js, self.settings.nats_replicas, service=self.service)
            except Exception:
                log.exception("provisioning after reconnection failed; retrying, health 503")
                self._provisioned.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, START_RETRY_MAX)
            else:
                self._provisioned.set()
                return
