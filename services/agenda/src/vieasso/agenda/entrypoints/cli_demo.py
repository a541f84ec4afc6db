"""`vieasso-agenda demo`: publish the demo events (idempotent), say in French what was done."""

from __future__ import annotations

import asyncio

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError

from vieasso.agenda.adapters.demo_data import demo_events
from vieasso.agenda.adapters.demo_screens import create_demo_screens, demo_screens
from vieasso.agenda.adapters.store import BUCKET
from vieasso.agenda.config import AgendaSettings
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.model import event_key
from vieasso.common import subjects
from vieasso.common.clock import SystemClock
from vieasso.common.directory import DirectoryView
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.nats.connection import broker_options
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.publish import JetStreamPublisher


async def _exists(js: JetStreamContext, key: str) -> bool:
    kv = await js.key_value(BUCKET)
    try:
        await kv.get(key)
    except KeyNotFoundError:
        return False
    return True


async def run_demo(settings: AgendaSettings) -> list[str]:
    """Publish the demo submissions missing from the agenda; returns French report lines."""
    broker = NatsBroker(**broker_options(settings), connect_timeout=5)
    await broker.connect()
    try:
        js: JetStreamContext = broker.config.connection_state.stream
        await provision(js, settings.nats_replicas, service="agenda")
        directory = DirectoryView()
        await directory.start(js)
        try:
            associations = [
                a for a in directory.associations() if a.state is AssociationState.VALIDATED
            ]
            venues = directory.venues()
            themes = {t.code for t in directory.themes()}
        finally:
            await directory.stop()
        if not associations:
            return [
                "Aucune association validée dans l'annuaire : lancez d'abord "
                "« vieasso-annuaire demo »."
            ]
        today = SystemClock().now().astimezone(PARIS).date()
        publish = JetStreamPublisher(broker, timeout=settings.nats_publish_timeout)
        sent = skipped = 0
        for message in demo_events(associations, venues, themes, today):
            if await _exists(js, event_key(message.association, message.event_id)):
                skipped += 1
                continue
            await publish(subjects.submission(message.association), message)
            sent += 1
        screens = demo_screens(venues, SystemClock().now())
        await create_demo_screens(js, screens)
    finally:
        await broker.stop()
    base = settings.public_url("agenda")
    return [
        f"Agenda : {sent} événement(s) de démonstration envoyé(s), {skipped} déjà présent(s).",
        f"Flux iCal : {base}/feeds/agenda.ics (abonnement : webcal://{base.split('://', 1)[1]}"
        "/feeds/agenda.ics)",
        f"Flux RSS : {base}/feeds/agenda.rss — JSON-LD : {base}/feeds/agenda.jsonld",
        *(
            f"Écran « {s.name} » : {base}/ecran/{s.id} (données : {base}/ecran/{s.id}.json)"
            for s in screens
        ),
    ]


def demo(settings: AgendaSettings) -> list[str]:
    return asyncio.run(run_demo(settings))
