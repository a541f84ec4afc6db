"""Audience `associations` (SPEC §8): events for associations, chosen by the `audience`
filter of the feeds and pages (the associations' letter selects them the same way)."""

from __future__ import annotations

import pytest

from tests.agenda.conftest import Directory, Running, get_calendar, vevents, wait_for
from tests.agenda.test_api import bearer, body
from vieasso.agenda.domain.model import event_key

pytestmark = pytest.mark.nats


async def test_the_audience_filter_returns_the_events_for_associations(
    agenda: Running, directory: Directory
) -> None:
    slug = await directory.association()
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="directory")
    admin = bearer(agenda.settings.admin_token.get_secret_value())
    events = {
        "blablasso": body("blablasso", title="Blablasso", audience=["associations"]),
        "forum": body("forum", title="Forum", audience=["tout_public", "associations"]),
        "bal": body("bal", title="Bal folk"),
    }
    for event_id, sent in events.items():
        answer = await agenda.client.post(
            f"/api/associations/{slug}/events", json=sent, headers=admin
        )
        assert answer.status_code == 202, answer.text
        key = event_key(slug, event_id)
        await wait_for(lambda: agenda.wiring.catalog.get(key), what=key)  # noqa: B023
    domain = agenda.settings.domain
    window = "from=2026-04-01&to=2026-04-30"

    chosen = await get_calendar(
        agenda, f"/feeds/agenda.ics?association={slug}&audience=associations&{window}"
    )
    assert set(vevents(chosen)) == {f"{slug}.blablasso@{domain}", f"{slug}.forum@{domain}"}
    residents = await get_calendar(
        agenda, f"/feeds/agenda.ics?association={slug}&audience=tout_public&{window}"
    )
    assert set(vevents(residents)) == {f"{slug}.forum@{domain}", f"{slug}.bal@{domain}"}

    listing = await agenda.client.get(f"/agenda?association={slug}&audience=associations&{window}")
    assert listing.status_code == 200
    assert "Blablasso" in listing.text
    assert "Bal folk" not in listing.text
    assert "pour les associations" in listing.text
    assert '<option value="associations" selected>' in listing.text
    page = await agenda.client.get(f"/events/{slug}/blablasso")
    assert "<dt>Public</dt><dd>Associations (réunions, formations, forum)</dd>" in page.text
