"""Use cases of entraide (issue 17): publish, close, hide, answer, report, opt in, suspend,
and the sweeper that closes expired annonces (like the annuaire's missions).

Order in each: read the stored record, let the domain decide, write by compare-and-set,
then publish the fact (``ressources.annonces.<slug>.<change>``, public fields only) and,
for a message, ask the mail to the other side (`request_mail`, key ``entraide.<id>.<replier>.<n>``:
asked twice, sent once).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from vieasso.common import subjects
from vieasso.common.clock import Clock
from vieasso.common.courrier import request_mail
from vieasso.common.directory import DirectoryView
from vieasso.common.messages.annonces import (
    CITY,
    CITY_NAME,
    AnnonceChange,
    AnnonceFact,
    AnnonceLetterChoice,
)
from vieasso.common.messages.courrier import ASSOCIATIONS_TEAM, Template, ToAssociation, ToCity
from vieasso.common.nats.publish import Publish
from vieasso.ressources.adapters.annonces import AnnonceStore, Flag
from vieasso.ressources.domain import annonces as rules
from vieasso.ressources.domain.annonces import (
    Annonce,
    AnnonceState,
    Conflict,
    Draft,
    EntraideError,
)
from vieasso.ressources.domain.annonces_threads import (
    Limits,
    Quota,
    Thread,
    TooMany,
    quota_key,
    thread_key,
)
from vieasso.ressources.domain.calendar import local_day

log = logging.getLogger(__name__)

SERVICE = "ressources"
SPACE = "/espace-association/entraide"
CITY_SPACE = "/espace-ville/entraide"
CLAIM_ATTEMPTS = 10  # compare-and-set conflicts on one association's quota before refusing
NOT_FOUND = "Cette annonce n'existe pas ou n'est plus publiée."
NO_THREAD = "Cette conversation n'existe pas parmi celles de votre association."


def thread_path(annonce_id: str, replier: str, *, reader: str = "") -> str:
    """The thread's page for `reader`: in the city's space for the city, else in the
    association space."""
    if reader == CITY:
        return f"{CITY_SPACE}/fils/{annonce_id}/{replier}"
    return f"{SPACE}/fils/{annonce_id}/{replier}"


@dataclass
class Entraide:
    store: AnnonceStore
    publish: Publish
    clock: Clock
    directory: DirectoryView
    base_url: str  # the ressources' public URL
    annuaire_url: str
    limits: Limits = field(default_factory=Limits)

    async def _fact(self, annonce: Annonce, change: AnnonceChange) -> None:
        fact = AnnonceFact(annonce=annonce.public(), change=change)
        await self.publish(subjects.annonce(annonce.association_slug, change.value), fact)

    async def publish_annonce(self, slug: str, draft: Draft) -> Annonce:
        """Raises `Refused` (422) with every reason, per field."""
        now = self.clock.now()
        today = local_day(now)
        themes = {t.code for t in self.directory.themes()}
        quartiers = {q.code for q in self.directory.quartiers()}
        errors = rules.check(draft, today, themes, quartiers)
        if errors:
            raise Refused(errors)
        base = "-".join(rules.fold(draft.title).split())[:50].strip("-") or "annonce"
        annonce = Annonce(
            id=f"{base}-{secrets.token_hex(3)}",
            association_slug=slug,
            published_at=now,
            expires_on=rules.expiry(draft, today),
            **draft.model_dump(exclude={"expires_on"}),
        )
        await self.store.write(f"annonce.{annonce.id}", annonce, self.store.annonces, last=0)
        await self._fact(annonce, AnnonceChange.PUBLISHED)
        log.info("annonce published", extra={"annonce": annonce.id, "association": slug})
        return annonce

    async def _change(self, annonce_id: str, change: AnnonceChange, **how: str) -> Annonce:
        key = f"annonce.{annonce_id}"
        stored, revision = await self.store.read(key, Annonce)
        if stored is None:
            raise EntraideError(NOT_FOUND, 404)
        if stored.state is not AnnonceState.OPEN:
            return stored  # closed or hidden already: nothing to do again
        now = self.clock.now()
        if change is AnnonceChange.HIDDEN:
            changed = rules.hide(stored, now, how["reason"])
        else:
            changed = rules.close(stored, now, how["by"])
        await self.store.write(key, changed, self.store.annonces, last=revision)
        await self._fact(changed, change)
        return changed

    async def close(self, slug: str, annonce_id: str) -> Annonce:
        found = self.store.annonce(annonce_id)
        if found is None or found.association_slug != slug:
            raise EntraideError(NOT_FOUND, 404)
        return await self._change(annonce_id, AnnonceChange.CLOSED, by="association")

    async def hide(self, annonce_id: str, reason: str) -> Annonce:
        """The city hides an annonce: it leaves lists, feeds, exports and letters."""
        return await self._change(annonce_id, AnnonceChange.HIDDEN, reason=reason)

    async def close_expired(self) -> list[str]:
        """Close every open annonce whose expiry day has passed (the sweeper)."""
        today = local_day(self.clock.now())
        closed = []
        for annonce in list(self.store.annonces.items.values()):
            if rules.expired(annonce, today):
                await self._change(annonce.id, AnnonceChange.CLOSED, by="expiration")
                closed.append(annonce.id)
        return closed

    async def report(self, annonce_id: str, by: str, reason: str) -> None:
        key = f"annonce.{annonce_id}"
        stored, revision = await self.store.read(key, Annonce)
        if stored is None or stored.state is AnnonceState.HIDDEN:
            raise EntraideError(NOT_FOUND, 404)
        if any(r.by == by for r in stored.reports):
            return  # one report per association is enough
        report = rules.Report(by=by, reason=reason or "Sans précision", at=self.clock.now())
        changed = stored.model_copy(update={"reports": (*stored.reports, report)})
        await self.store.write(key, changed, self.store.annonces, last=revision)
        log.info("annonce reported", extra={"annonce": annonce_id})

    async def set_flag(self, kind: str, slug: str, on: bool, reason: str | None = None) -> None:
        """``lettre`` (the association's choice, published as a fact for the letter) or
        ``suspendu`` (the city suspends or restores its replies)."""
        key = f"{kind}.{slug}"
        copy = self.store.flags if kind == "lettre" else self.store.suspended
        _, revision = await self.store.read(key, Flag)
        await self.store.write(
            key, Flag(on=on, at=self.clock.now(), reason=reason), copy, last=revision
        )
        if kind == "lettre":
            choice = AnnonceLetterChoice(association=slug, subscribed=on)
            await self.publish(subjects.annonce(slug, "letter"), choice)

    def wants_letter(self, slug: str) -> bool:
        flag = self.store.flag("lettre", slug)
        return flag is not None and flag.on

    def suspended(self, slug: str) -> bool:
        flag = self.store.flag("suspendu", slug)
        return flag is not None and flag.on

    async def write(self, annonce_id: str, replier: str, by: str, text: str) -> Thread:
        """A message from `by` in the thread of `replier` about the annonce (the replier
        opens it; then both write); relayed by mail to the other side. `by` is an
        association's slug or `CITY` (the city's team, signed in to the city's space)."""
        annonce = self.store.annonce(annonce_id)
        if annonce is None or annonce.state is AnnonceState.HIDDEN:
            raise EntraideError(NOT_FOUND, 404)
        if by not in (replier, annonce.association_slug) or replier == annonce.association_slug:
            raise EntraideError("Cette conversation n'est pas celle de votre association.", 403)
        if self.suspended(by):
            raise EntraideError(
                "La Ville a suspendu les messages de votre association sur l'entraide : "
                "contactez le Service Vie associative.",
                403,
            )
        text = rules.clean_message(text)
        if not text:
            raise Refused([("message", "Écrivez votre message.")])
        key = thread_key(annonce_id, replier)
        stored, revision = await self.store.read(key, Thread)
        if stored is None:
            if by != replier:  # the author answers in a thread; it never opens one
                raise EntraideError(NO_THREAD, 404)
            if annonce.state is not AnnonceState.OPEN:
                raise EntraideError("Cette annonce est close : elle n'attend plus de réponse.")
            stored = Thread(annonce_id=annonce_id, author=annonce.association_slug, replier=replier)
        now = self.clock.now()
        if by != CITY:  # the city's team moderates: no limit on its own messages
            await self._claim(by, annonce_id, now)
        thread = stored.write(by, text, now)
        await self.store.write(key, thread, self.store.threads, last=revision)
        await self.relay(annonce, thread)
        return thread

    async def _claim(self, by: str, annonce_id: str, now: datetime) -> None:
        """Count one message of `by` in its quota, by compare-and-set: two messages sent at
        once (on two replicas too) are counted one after the other, never both under the
        limit. Raises `TooMany`. A message whose thread write then fails stays counted."""
        key = quota_key(by)
        for _ in range(CLAIM_ATTEMPTS):
            stored, revision = await self.store.read(key, Quota)
            claimed = (stored or Quota()).claim(annonce_id, now, self.limits)
            try:
                await self.store.write(key, claimed, None, last=revision)
            except Conflict:
                continue
            return
        raise TooMany("Trop de messages envoyés en même temps : réessayez dans un instant.")

    def public_contact(self, who: str) -> dict[str, object]:
        """The writer as a mail shows it: the city, or an association's public contact."""
        if who == CITY:
            return {"from_name": CITY_NAME, "from_page": f"{self.annuaire_url}/", "from_city": True}
        writer = self.directory.association(who)
        return {
            "from_name": writer.name if writer else who,
            "from_page": f"{self.annuaire_url}/associations/{who}",
            "from_phone": writer.phone if writer else None,
            "from_website": str(writer.website) if writer and writer.website else None,
        }

    async def relay(self, annonce: Annonce, thread: Thread) -> None:
        """The mail of the thread's last message to the other side's private contact (or
        the city's team): the writer's public contact only, and the link to the thread."""
        last = thread.messages[-1]
        reader = thread.other(last.by)
        params: dict[str, object] = {
            "annonce_title": annonce.title,
            **self.public_contact(last.by),
            "excerpt": last.text,
            "thread_url": self.base_url + thread_path(annonce.id, thread.replier, reader=reader),
        }
        to: ToAssociation | ToCity = ToAssociation(association=reader)
        if reader == CITY:
            to, params["to_city"] = ToCity(city=ASSOCIATIONS_TEAM), True
        n = len(thread.messages)
        await request_mail(
            self.publish,
            SERVICE,
            key=f"entraide.{annonce.id}.{thread.replier}.{n}",
            to=to,
            template=Template.ENTRAIDE_MESSAGE,
            params=params,
        )

    def threads_of(self, slug: str) -> list[Thread]:
        mine = (t for t in self.store.threads.items.values() if slug in (t.author, t.replier))
        return sorted(mine, key=lambda t: t.messages[-1].at, reverse=True)


class Refused(EntraideError):
    """Bad input: `errors` holds (field, French message) pairs (HTTP 422)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(" ".join(m for _, m in errors), 422)
        self.errors = errors
