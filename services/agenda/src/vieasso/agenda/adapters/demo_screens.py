"""Two demo screens for `make run`: the town hall's hall (today, landscape, the whole city)
and the Kursaal's entrance (now/next, portrait, its rooms). Created once, never changed."""

from __future__ import annotations

from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError

from vieasso.agenda.adapters.screens import BUCKET, SCREEN
from vieasso.agenda.domain.screens import Layout, Orientation, Screen
from vieasso.common.messages.annuaire import VenuePublic

KURSAAL = "kursaal"


def demo_screens(venues: list[VenuePublic], now: datetime) -> list[Screen]:
    rooms = tuple(sorted(v.id for v in venues if KURSAAL in (v.id, v.parent_id)))
    screens = [
        Screen(id="hall-de-la-mairie", name="Hall de la mairie", layout=Layout.TODAY,
               orientation=Orientation.LANDSCAPE, created_at=now, updated_at=now),
    ]  # fmt: skip
    if rooms:
        screens.append(
            Screen(
                id="kursaal-accueil",
                name="Kursaal — accueil",
                layout=Layout.NOW_NEXT,
                orientation=Orientation.PORTRAIT,
                venues=rooms,
                created_at=now,
                updated_at=now,
            )
        )
    return screens


async def create_demo_screens(js: JetStreamContext, screens: list[Screen]) -> int:
    """Create the screens missing from `agenda_screens`; how many were created."""
    kv = await js.key_value(BUCKET)
    created = 0
    for screen in screens:
        try:
            await kv.create(f"{SCREEN}{screen.id}", screen.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            continue  # already there (perhaps changed by the city since): left alone
        created += 1
    return created
