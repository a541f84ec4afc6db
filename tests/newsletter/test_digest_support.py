"""The digest tests' helpers wait for what they say they wait for."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.newsletter import facts
from tests.newsletter.conftest import App
from tests.newsletter.digest_support import publish_facts
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.agenda import Audience
from vieasso.common.messages.annuaire import MissionPublic, MissionPublished
from vieasso.newsletter.domain.index import ContentIndex, Links
from vieasso.newsletter.handlers.content import apply_fact


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


def test_events_meant_only_for_associations_stay_out_of_the_residents_digest() -> None:
    now = datetime(2026, 12, 7, 8, tzinfo=UTC)
    index = ContentIndex(Links("https://annuaire.test"), ZoneInfo("Europe/Paris"), lambda: now)
    start = now + timedelta(days=3)
    facts_by_title = {
        "Blablasso": (Audience.ASSOCIATIONS,),
        "Forum des associations": (Audience.ASSOCIATIONS, Audience.TOUT_PUBLIC),
        "Concert": (Audience.TOUT_PUBLIC,),
    }
    for title, audience in facts_by_title.items():
        subject, fact = facts.event_published(
            start, title=title, themes=(), quartier=None, audience=audience
        )
        apply_fact(index, subject, fact.model_dump_json().encode())
    residents = index.edition_content(start=now - timedelta(days=7), end=now, event_days=30)
    letter = index.letter_content(start=now - timedelta(days=7), end=now, event_days=30)

    assert sorted(e.title for e in residents.events) == ["Concert", "Forum des associations"]
    assert sorted(e.title for e in letter.events) == ["Blablasso", "Forum des associations"]
