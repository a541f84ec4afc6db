"""`vieasso-agenda demo`: deterministic demo events, published once."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from tests.agenda.conftest import Directory, Running, wait_for
from vieasso.agenda.entrypoints.cli_demo import run_demo

pytestmark = pytest.mark.nats


async def test_demo_publishes_its_events_once(agenda: Running, directory: Directory) -> None:
    slug = await directory.association(f"aaa-demo-{secrets.token_hex(3)}")
    await directory.venue()
    first = await run_demo(agenda.settings)
    assert "événement(s) de démonstration envoyé(s)" in first[0]
    assert any("/ecran/hall-de-la-mairie" in line for line in first)
    # The shared bucket holds every association the tests before made (hundreds when the
    # annuaire's tests ran first): each gets its demo events, applied in turn.
    await wait_for(
        lambda: agenda.wiring.screens().screen("hall-de-la-mairie"), within=60, what="demo screen"
    )
    assert not first[0].startswith("Agenda : 0 ")

    def special_cases_in_agenda() -> bool:
        keys = {f"{slug}.demo-1", f"{slug}.demo-brocante", f"{slug}.demo-blablasso"}
        return all(agenda.wiring.catalog.get(k) is not None for k in keys)

    await wait_for(special_cases_in_agenda, within=60, what="demo events applied")
    # Other tests' associations may be in the shared bucket: their demo events can still be
    # in flight; sending them again is harmless (same message ids), and soon nothing is sent.
    for _ in range(50):
        again = await run_demo(agenda.settings)
        if again[0].startswith("Agenda : 0 événement(s)"):
            break
        await asyncio.sleep(0.2)
    assert again[0].startswith("Agenda : 0 événement(s)")
    assert agenda.wiring.catalog.get(f"{slug}.demo-1") is not None
