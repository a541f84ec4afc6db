"""A scheme saved whose fact was never acknowledged (the process stopped between the two,
or JetStream did not answer) is announced at the next start, with the same message id; a
fact owed is sent again at the next save; the same version is never announced twice."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from nats.js import JetStreamContext

from tests.aides.aides_app import NOW, new_id, read_facts, running_aides
from vieasso.aides.domain.schemes import AidScheme, scheme_key
from vieasso.aides.handlers.schemes import BUCKET, Schemes, fact_id, store
from vieasso.common.messages.base import Message
from vieasso.common.nats.publish import PublishError
from vieasso.common.subjects import SchemeChange

pytestmark = pytest.mark.nats


@dataclass
class Failing:
    """A publisher JetStream never acknowledges."""

    tried: list[str] = field(default_factory=list)

    async def __call__(self, subject: str, message: Message) -> None:
        self.tried.append(subject)
        raise PublishError("no acknowledgement")


def scheme(scheme_id: str) -> AidScheme:
    return AidScheme.model_validate({
        "id": scheme_id, "name": "Aide au projet associatif", "short_description": "Un projet.",
        "funders": ("Ville de Besançon",), "kinds": ("aide-projet",),
        "deadlines": {"kind": "permanent"}, "state": "publie",
        "created_at": NOW, "updated_at": NOW,
    })  # fmt: skip


async def test_a_fact_not_acknowledged_is_published_at_the_next_start_with_its_id(
    nats_url: str, js: JetStreamContext
) -> None:
    scheme_id = new_id("orpheline")
    async with running_aides(nats_url, js) as client:
        unit = client.service.schemes()
        failing = Schemes(unit.store, Failing(), client.clock)
        with pytest.raises(PublishError):
            await store(failing, scheme(scheme_id), last=None)
        assert await read_facts(js, f"aides.schemes.{scheme_id}.>") == []
        saved = client.service.store.get(scheme_id)
        assert saved is not None
        assert saved.value.last_change is SchemeChange.PUBLISHED  # the record says what it owes

    async with running_aides(nats_url, js) as client:  # the next start
        facts = await read_facts(js, f"aides.schemes.{scheme_id}.>")
        assert [f["subject"] for f in facts] == [f"aides.schemes.{scheme_id}.published"]
        assert facts[0]["msg_id"] == str(fact_id(saved.value, SchemeChange.PUBLISHED))

    async with running_aides(nats_url, js) as client:  # once more: nothing new
        assert len(await read_facts(js, f"aides.schemes.{scheme_id}.>")) == 1
        raw = await (await js.key_value(BUCKET)).get(scheme_key(scheme_id))
        assert AidScheme.model_validate_json(raw.value or b"") == saved.value


async def test_a_fact_owed_is_sent_again_when_the_same_scheme_is_saved(
    nats_url: str, js: JetStreamContext
) -> None:
    scheme_id = new_id("due")
    async with running_aides(nats_url, js) as client:
        unit = client.service.schemes()
        failing = Schemes(unit.store, Failing(), client.clock, unannounced=unit.unannounced)
        with pytest.raises(PublishError):
            await store(failing, scheme(scheme_id), last=None)
        found = unit.store.get(scheme_id)
        assert found is not None
        assert unit.unannounced == {scheme_id: 0}
        await store(unit, scheme(scheme_id), last=found.revision)  # unchanged content
        facts = await read_facts(js, f"aides.schemes.{scheme_id}.>")
        assert [f["subject"].rsplit(".", 1)[1] for f in facts] == ["published"]
        assert unit.unannounced == {}
        kept = unit.store.get(scheme_id)
        assert kept is not None
        assert kept.revision == found.revision  # nothing written again
