"""A small platform for the screens' browser tests: its own nats-server and one agenda
process (stopped and started by the offline test without touching the shared platform),
with the directory, events, screens and the city's session written on NATS as the annuaire
and the agenda would. The agenda runs at the hour the test chooses (`at`): its clock is
shifted (`shifted_agenda.py`), and `now()` is that clock's time, for the test's events and
the browser's clock."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import nats
from nats.js import JetStreamContext

from tests.support.nats_server import NatsServer
from tests.support.processes import VENV_BIN, free_port, wait_until
from tests.support.services import ServiceProcess, start_service_process
from tests.support.sessions import session_cookie
from tests.support.shifted_agenda import SHIFT
from vieasso.agenda.domain.screens import Layout, Orientation, Screen
from vieasso.common import subjects
from vieasso.common.clock import ShiftedClock
from vieasso.common.messages.agenda import EventSubmission
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState, VenuePublic
from vieasso.common.nats.provisioning import provision
from vieasso.common.web import Kind

T = TypeVar("T")
ASSOCIATION = "chorale-de-battant"
VENUES = {
    "kursaal": ("Kursaal", "centre-ville"),
    "maison-battant": ("Maison de quartier Battant", "battant"),
}


def run(step: Callable[[JetStreamContext], Awaitable[T]], url: str) -> T:
    async def connected() -> T:
        nc = await nats.connect(url)
        try:
            return await step(nc.jetstream())
        finally:
            await nc.close()

    # in a thread of its own: Playwright's sync API runs an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, connected()).result()


@dataclass
class ScreenPlatform:
    workdir: Path
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    nats: NatsServer | None = None
    agenda: ServiceProcess | None = None
    port: int = field(default_factory=free_port)
    at: datetime | None = None  # the agenda's time when the platform starts (default: now)
    clock: ShiftedClock = field(default_factory=lambda: ShiftedClock(timedelta()))

    def now(self) -> datetime:
        """The agenda's time."""
        return self.clock.now()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def nats_url(self) -> str:
        assert self.nats is not None
        return self.nats.url

    def start(self) -> ScreenPlatform:
        if self.at is not None:
            self.clock = ShiftedClock(self.at - datetime.now(UTC))
        self.nats = NatsServer(workdir=self.workdir / "nats").start()
        run(self._directory, self.nats_url)
        self.start_agenda()
        return self

    def start_agenda(self) -> None:
        self.agenda = start_service_process(
            "agenda", nats_url=self.nats_url, workdir=self.workdir,
            admin_token=self.admin_token, port=self.port,
            argv=[str(VENV_BIN / "python"), "-m", "tests.support.shifted_agenda"],
            env={SHIFT: str(self.clock.shift.total_seconds())},
        )  # fmt: skip
        self.agenda.wait_healthy(timeout=60)

    def stop_agenda(self) -> None:
        if self.agenda is not None:
            self.agenda.stop()
            self.agenda = None

    def stop(self) -> None:
        self.stop_agenda()
        if self.nats is not None:
            self.nats.stop()

    async def _directory(self, js: JetStreamContext) -> None:
        await provision(js, 1)
        at = datetime.now().astimezone()
        association = AssociationPublic(
            slug=ASSOCIATION, name="Chorale de Battant", purpose="Chanter ensemble.",
            state=AssociationState.VALIDATED, created_at=at, updated_at=at,
        )  # fmt: skip
        await (await js.key_value("annuaire_associations")).put(
            ASSOCIATION, association.model_dump_json().encode()
        )
        venues = await js.key_value("annuaire_venues")
        for venue_id, (name, quartier) in VENUES.items():
            venue = VenuePublic(
                id=venue_id, name=name, address="2 place Granvelle", postal_code="25000",
                lat=47.2378, lon=6.0241, quartier=quartier,
            )  # fmt: skip
            await venues.put(venue_id, venue.model_dump_json().encode())

    def event(self, event_id: str, title: str, start: datetime, hours: float, **more: Any) -> None:
        submission = EventSubmission(
            association=ASSOCIATION, event_id=event_id, title=title, start=start,
            end=start + timedelta(hours=hours), **more,
        )  # fmt: skip

        async def publish(js: JetStreamContext) -> None:
            await js.publish(
                subjects.submission(ASSOCIATION), submission.model_dump_json().encode(),
                headers={"Nats-Msg-Id": str(submission.message_id)},
            )  # fmt: skip

        run(publish, self.nats_url)

    def screen(self, screen_id: str, name: str, layout: Layout, orientation: Orientation,
               venues: tuple[str, ...] = (), *, served: bool = True) -> None:  # fmt: skip
        """Write the screen's record as `/ecrans` would; `served`: wait until the running
        agenda serves it."""
        now = datetime.now().astimezone()
        record = Screen(
            id=screen_id, name=name, layout=layout, orientation=orientation, venues=venues,
            created_at=now, updated_at=now,
        )  # fmt: skip

        async def put(js: JetStreamContext) -> None:
            kv = await js.key_value("agenda_screens")
            await kv.put(f"screen.{screen_id}", record.model_dump_json().encode())

        run(put, self.nats_url)

        def shown() -> bool:
            answer = httpx.get(f"{self.url}/ecran/{screen_id}.json", timeout=5)
            return (
                answer.status_code == 200 and json.loads(answer.content)["screen"]["name"] == name
            )

        if served:
            wait_until(shown, timeout=30, interval=0.1, what=f"screen {screen_id} served")

    def city_cookie(self) -> dict[str, str]:
        """The cookie of a city session (as the annuaire's sign-in writes it)."""
        headers = run(
            lambda js: session_cookie(js, Kind.CITY, self.admin_token, clock=self.clock),
            self.nats_url,
        )
        name, value = headers["Cookie"].split("=", 1)
        return {"name": name, "value": value, "url": self.url}


def rows_of(document: bytes) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(document)["rows"]
    return rows
