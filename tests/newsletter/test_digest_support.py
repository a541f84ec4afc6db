"""The digest tests' helpers wait for what they say they wait for."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.newsletter import facts
from tests.newsletter.conftest import App
from tests.newsletter.digest_support import publish_facts
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.annuaire import MissionPublic, MissionPublished
from vieasso.newsletter.domain.index import ContentIndex


async def test_publish_facts_returns_once_every_fact_is_in_the_index(
    newsletter_app: App, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It counted the index's items against the facts just published: the items already there
    (earlier facts) made it return before the last ones were applied, and an edition built
    then missed them (`test_preferences_change_what_the_next_edition_contains`, flaky)."""
    yesterday = clock.now() - timedelta(days=1)
    first = facts.association_validated(yesterday, name="Première", themes=(), quartier=None)
    await publish_facts(newsletter_app, first)
    apply = ContentIndex.mission_changed

    def late(index: ContentIndex, mission: MissionPublic) -> None:  # a loaded machine
        asyncio.get_running_loop().call_later(0.5, apply, index, mission)

    monkeypatch.setattr(ContentIndex, "mission_changed", late)
    association = facts.association_validated(yesterday, name="Seconde", themes=(), quartier=None)
    subject, mission = facts.mission_published(yesterday, title="Aide", themes=(), quartier=None)
    await publish_facts(newsletter_app, association, (subject, mission))

    assert isinstance(mission, MissionPublished)
    assert mission.mission.id in newsletter_app.newsletter.index.missions
