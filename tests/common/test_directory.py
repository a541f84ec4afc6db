"""DirectoryView against a real nats-server: loads the annuaire buckets, then follows them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from nats.js import JetStreamContext

from tests.conftest import random_slug
from vieasso.common.directory import (
    ASSOCIATIONS,
    MISSIONS,
    REFERENCE,
    VENUES,
    ContactDirectory,
    DirectoryView,
)
from vieasso.common.messages.annuaire import (
    AssociationPublic,
    AssociationState,
    MissionKind,
    MissionPublic,
    MissionState,
    VenuePublic,
)
from vieasso.common.nats.provisioning import provision
from vieasso.common.reference.models import Quartier, Theme

pytestmark = pytest.mark.nats

NOW = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)


async def eventually(condition: Callable[[], bool], *, within: float = 5.0, what: str) -> None:
    """Poll `condition` until it holds; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.02)


def _association(slug: str, name: str = "Les Amis") -> AssociationPublic:
    return AssociationPublic(
        slug=slug,
        name=name,
        purpose="Animer le quartier.",
        state=AssociationState.VALIDATED,
        created_at=NOW,
        updated_at=NOW,
    )


def _venue(venue_id: str, name: str = "Salle") -> VenuePublic:
    return VenuePublic(
        id=venue_id, name=name, address="1 rue Battant", postal_code="25000", lat=47.24, lon=6.02
    )


def _mission(mission_id: str, slug: str) -> MissionPublic:
    return MissionPublic(
        id=mission_id,
        association_slug=slug,
        title="Tenir la buvette",
        description="Deux heures.",
        kind=MissionKind.PONCTUELLE,
        how_to_apply="Écrire à l'association.",
        state=MissionState.OPEN,
        published_at=NOW,
        updated_at=NOW,
    )


@pytest.fixture
async def provisioned(js: JetStreamContext) -> JetStreamContext:
    await provision(js, replicas=1)
    return js


@pytest.fixture
async def view(provisioned: JetStreamContext) -> AsyncIterator[DirectoryView]:
    directory = DirectoryView()
    yield directory
    await directory.stop()


async def _put(js: JetStreamContext, bucket: str, key: str, value: bytes) -> None:
    kv = await js.key_value(bucket)
    await kv.put(key, value)


async def test_values_already_in_the_buckets_are_there_once_started(
    provisioned: JetStreamContext, view: DirectoryView
) -> None:
    slug, venue_id, mission_id, code = (random_slug(p) for p in ("a", "v", "m", "c"))
    theme, quartier = Theme(code=code, label="Thème"), Quartier(code=code, label="Quartier")
    private = _association(slug).model_dump(mode="json") | {"contact": {"email": "x@y.example"}}
    await _put(provisioned, ASSOCIATIONS, slug, json.dumps(private).encode())
    await _put(provisioned, VENUES, venue_id, _venue(venue_id).model_dump_json().encode())
    await _put(
        provisioned, MISSIONS, mission_id, _mission(mission_id, slug).model_dump_json().encode()
    )
    await _put(provisioned, REFERENCE, f"theme.{code}", theme.model_dump_json().encode())
    await _put(provisioned, REFERENCE, f"quartier.{code}", quartier.model_dump_json().encode())

    await view.start(provisioned)

    assert view.association(slug) == _association(slug)  # private contact ignored
    assert view.venue(venue_id) == _venue(venue_id)
    assert view.mission(mission_id) == _mission(mission_id, slug)
    assert view.theme(code) == theme
    assert view.quartier(code) == quartier
    assert theme in view.themes()
    assert quartier in view.quartiers()
    assert view.venue(random_slug("absent")) is None


async def test_later_puts_and_deletes_are_followed(
    provisioned: JetStreamContext, view: DirectoryView
) -> None:
    await view.start(provisioned)
    venue_id, slug = random_slug("v"), random_slug("a")
    venues = await provisioned.key_value(VENUES)
    associations = await provisioned.key_value(ASSOCIATIONS)

    await venues.put(venue_id, _venue(venue_id, "Petite salle").model_dump_json().encode())
    await associations.put(slug, _association(slug).model_dump_json().encode())
    await eventually(lambda: view.venue(venue_id) is not None, what="new venue seen")
    await eventually(lambda: view.association(slug) is not None, what="new association seen")

    await venues.put(venue_id, _venue(venue_id, "Grande salle").model_dump_json().encode())
    await eventually(
        lambda: (v := view.venue(venue_id)) is not None and v.name == "Grande salle",
        what="venue update seen",
    )

    await venues.delete(venue_id)
    await associations.purge(slug)
    await eventually(lambda: view.venue(venue_id) is None, what="deleted venue gone")
    await eventually(lambda: view.association(slug) is None, what="purged association gone")


async def test_an_unreadable_value_is_skipped_and_the_view_keeps_following(
    provisioned: JetStreamContext, view: DirectoryView
) -> None:
    before, binary, after = (random_slug("bad") for _ in range(3))
    good = random_slug("v")
    venues = await provisioned.key_value(VENUES)
    await venues.put(before, b"{not json")
    await venues.put(binary, b"\xff\xfe")

    await view.start(provisioned)
    await venues.put(after, json.dumps({"id": after, "name": "sans adresse"}).encode())
    await venues.put(good, _venue(good).model_dump_json().encode())

    await eventually(lambda: view.venue(good) is not None, what="valid venue after bad ones")
    assert view.venue(before) is None
    assert view.venue(binary) is None
    assert view.venue(after) is None


async def test_the_contact_directory_reads_the_private_contact_and_follows_changes(
    provisioned: JetStreamContext,
) -> None:
    slug = random_slug()
    record = json.loads(_association(slug, "Les Amis").model_dump_json())
    record["private_contact"] = {"name": "Camille", "email": "camille@amis.example", "phone": None}
    record["token_hash"] = "x" * 64
    await _put(provisioned, ASSOCIATIONS, slug, json.dumps(record).encode())
    contacts = ContactDirectory()
    await contacts.start(provisioned)
    try:
        found = contacts.get(slug)
        assert found is not None
        assert (found.name, found.email, found.state) == (
            "Les Amis",
            "camille@amis.example",
            AssociationState.VALIDATED,
        )
        record["private_contact"]["email"] = "nouveau@amis.example"
        await _put(provisioned, ASSOCIATIONS, slug, json.dumps(record).encode())
        await eventually(
            lambda: (c := contacts.get(slug)) is not None and c.email == "nouveau@amis.example",
            what="the new contact address",
        )
        await (await provisioned.key_value(ASSOCIATIONS)).delete(slug)
        await eventually(lambda: contacts.get(slug) is None, what="the deleted record")
    finally:
        await contacts.stop()
