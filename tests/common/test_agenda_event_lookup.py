"""One event of an association's read from the agenda's bucket by id (`upcoming_event`):
found only under the association's own key, published and not over; a NATS that does not
answer is `AgendaUnavailable`, never "no such event"."""

from __future__ import annotations

from datetime import timedelta

import nats
import pytest
from nats.js import JetStreamContext

from tests.conftest import random_slug
from tests.ressources.catalogue_app import NOW
from tests.ressources.reservation_app import stored_event
from vieasso.common.agenda_events import AgendaUnavailable, upcoming_event
from vieasso.common.nats.provisioning import provision

pytestmark = pytest.mark.nats


async def test_an_event_is_found_only_under_its_own_association(js: JetStreamContext) -> None:
    await provision(js, replicas=1)
    mine, theirs = random_slug("asso"), random_slug("asso")
    kv = await js.key_value("agenda_events")
    await kv.put(f"{theirs}.kermesse", stored_event(theirs, "kermesse", "Kermesse", 5))
    await kv.put(f"{mine}.fete", stored_event(mine, "fete", "Fête", 5))
    found = await upcoming_event(js, mine, "fete", NOW)
    assert found is not None
    assert found.event.content.title == "Fête"
    assert await upcoming_event(js, mine, "kermesse", NOW) is None
    assert await upcoming_event(js, mine, "fete", NOW + timedelta(days=6)) is None  # over
    await kv.delete(f"{mine}.fete")
    assert await upcoming_event(js, mine, "fete", NOW) is None


async def test_an_agenda_that_cannot_be_read_is_unavailable(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await nc.close()
    with pytest.raises(AgendaUnavailable):
        await upcoming_event(js, random_slug("asso"), "fete", NOW)
