"""Use cases of the city's screens: define them, ask for an announcement, decide, withdraw.

A decision is made in three steps, each safe to repeat: (1) the announcement's new state is
saved by compare-and-set with `notified_at` empty; (2) the facts
(``agenda.screens.<id>.announcements.approved|withdrawn``, deterministic message ids) and
the mail to the association (``annonce-decision``, keyed by the announcement and its state)
are published; (3) `notified_at` is saved. A crash between (1) and (3) is finished at the
next start (`resume`): JetStream drops the repeated facts, the newsletter's ledger the mail.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date

from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.screens import ScreenStore
from vieasso.agenda.adapters.store import ConcurrentWrite
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.screens import (
    Announcement,
    AnnouncementState,
    Screen,
    ScreenSettings,
    check_request,
    new_id,
    screen_id_for,
)
from vieasso.common.clock import Clock
from vieasso.common.courrier import request_mail
from vieasso.common.messages.courrier import Template, ToAssociation
from vieasso.common.messages.screens import AnnouncementApproved, AnnouncementWithdrawn
from vieasso.common.nats.publish import Publish
from vieasso.common.subjects import AnnouncementChange, screen_announcement

log = logging.getLogger(__name__)
SERVICE = "agenda"
_NAMESPACE = uuid.UUID("5b7e0c1a-2f4d-4c8e-9a61-3d2f7b8e4c10")
_ATTEMPTS = 5


@dataclass
class Screens:
    store: ScreenStore
    catalog: Catalog
    publish: Publish
    clock: Clock
    announcements_url: str  # the association space's list, linked from the mail

    async def save_screen(self, chosen: ScreenSettings, screen_id: str | None) -> Screen:
        now = self.clock.now()
        if screen_id is None:
            new_screen = Screen(
                **chosen.model_dump(),
                id=screen_id_for(chosen.name, set(self.store.screens)),
                created_at=now,
                updated_at=now,
            )
            await self.store.save_screen(new_screen, None)
            return new_screen
        held = self.store.screens.get(screen_id)
        if held is None:
            raise KeyError(screen_id)
        screen, revision = held
        changed = screen.model_copy(update={**dict(chosen), "updated_at": now})
        await self.store.save_screen(changed, revision)
        return changed

    async def delete_screen(self, screen_id: str) -> bool:
        held = self.store.screens.get(screen_id)
        if held is None:
            return False
        for announcement in list(self.store.all_announcements()):
            if (
                announcement.state is AnnouncementState.APPROVED
                and screen_id in announcement.screens
            ):
                await self._facts(announcement, AnnouncementChange.WITHDRAWN, (screen_id,))
        await self.store.delete_screen(screen_id, held[1])
        return True

    async def request(
        self, association: str, event_id: str, screens: tuple[str, ...], first: date, last: date
    ) -> Announcement:
        today = self.clock.now().astimezone(PARIS).date()
        check_request(screens, set(self.store.screens), first, last, today)
        announcement = Announcement(
            id=new_id(), association=association, event_id=event_id, screens=screens,
            first_day=first, last_day=last, requested_at=self.clock.now(),
        )  # fmt: skip
        await self.store.save_announcement(announcement, None)
        return announcement

    async def decide(self, announcement_id: str, approve: bool, reason: str | None) -> bool:
        """The city's decision on a request still waiting (False: none such)."""
        state = AnnouncementState.APPROVED if approve else AnnouncementState.REFUSED
        return await self._move(announcement_id, state, reason, {AnnouncementState.REQUESTED})

    async def withdraw(self, association: str, announcement_id: str) -> bool:
        held = self.store.announcement(announcement_id)
        if held is None or held[0].association != association:
            return False
        waiting = {AnnouncementState.REQUESTED, AnnouncementState.APPROVED}
        return await self._move(announcement_id, AnnouncementState.WITHDRAWN, None, waiting)

    async def _move(
        self,
        announcement_id: str,
        state: AnnouncementState,
        reason: str | None,
        allowed: set[AnnouncementState],
    ) -> bool:
        for _ in range(_ATTEMPTS):
            held = self.store.announcement(announcement_id)
            if held is None or held[0].state not in allowed:
                return False
            before, revision = held
            decided = before.model_copy(
                update={
                    "state": state,
                    "reason": reason,
                    "decided_at": self.clock.now(),
                    "mail_key": f"annonce.{before.id}.{state.value}",
                    "notified_at": None,
                    "was": before.state,
                }
            )
            try:
                revision = await self.store.save_announcement(decided, revision)
            except ConcurrentWrite:
                continue
            await self._notify(decided, revision)
            return True
        raise ConcurrentWrite(announcement_id)

    async def _notify(self, announcement: Announcement, revision: int) -> None:
        """Steps 2 and 3 of a decision (see the module's docstring)."""
        if announcement.state is AnnouncementState.APPROVED:
            await self._facts(announcement, AnnouncementChange.APPROVED, announcement.screens)
        elif announcement.was is AnnouncementState.APPROVED:
            await self._facts(announcement, AnnouncementChange.WITHDRAWN, announcement.screens)
        if announcement.state in (AnnouncementState.APPROVED, AnnouncementState.REFUSED):
            await self._mail(announcement)
        done = announcement.model_copy(update={"notified_at": self.clock.now()})
        try:
            await self.store.save_announcement(done, revision)
        except ConcurrentWrite:
            log.info("announcement changed while notified", extra={"id": announcement.id})

    async def _facts(
        self, announcement: Announcement, change: AnnouncementChange, screens: tuple[str, ...]
    ) -> None:
        kind = (
            AnnouncementApproved if change is AnnouncementChange.APPROVED else AnnouncementWithdrawn
        )
        for screen_id in screens:
            fact = kind(
                message_id=uuid.uuid5(_NAMESPACE, f"{announcement.id}:{screen_id}:{change.value}"),
                announcement_id=announcement.id,
                screen_id=screen_id,
                association=announcement.association,
                event_id=announcement.event_id,
                first_day=announcement.first_day,
                last_day=announcement.last_day,
            )
            await self.publish(screen_announcement(screen_id, change), fact)

    async def _mail(self, announcement: Announcement) -> None:
        entry = self.catalog.get(f"{announcement.association}.{announcement.event_id}")
        title = entry.record.event.content.title if entry is not None else announcement.event_id
        names = [self._screen_name(s) for s in announcement.screens]
        await request_mail(
            self.publish,
            SERVICE,
            key=announcement.mail_key or f"annonce.{announcement.id}",
            to=ToAssociation(association=announcement.association),
            template=Template.ANNONCE_DECISION,
            params={
                "event_title": title,
                "approved": announcement.state is AnnouncementState.APPROVED,
                "screens": names,
                "first_day": announcement.first_day,
                "last_day": announcement.last_day,
                "reason": announcement.reason,
                "link": self.announcements_url,
            },
        )

    def _screen_name(self, screen_id: str) -> str:
        screen = self.store.screen(screen_id)
        return screen.name if screen is not None else screen_id

    async def resume(self) -> None:
        """Finish the decisions a crash interrupted (steps 2 and 3)."""
        for announcement_id, (announcement, revision) in list(self.store.announcements.items()):
            if announcement.decided_at is not None and announcement.notified_at is None:
                log.info("finishing an announcement decision", extra={"id": announcement_id})
                await self._notify(announcement, revision)
