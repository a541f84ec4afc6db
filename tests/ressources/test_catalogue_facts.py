"""A catalogue fact JetStream did not acknowledge is owed: the entry is saved, and the next
save of the same entry (a retried request) publishes it, with the same message id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nats.js import JetStreamContext

from tests.ressources.catalogue_app import NOW, model_body, new_id
from vieasso.common.clock import FrozenClock
from vieasso.common.directory import DirectoryView
from vieasso.common.messages.base import Message
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.publish import PublishError
from vieasso.ressources.adapters.catalogue import CatalogueStore
from vieasso.ressources.handlers.catalogue import Catalogue, announce_recent, save_entry

pytestmark = pytest.mark.nats


class FlakyPublish:
    """Refuses the first `failures` publishes, like JetStream without an ack; keeps the rest."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[str, Message]] = []

    async def __call__(self, subject: str, message: Message) -> None:
        if self.failures:
            self.failures -= 1
            raise PublishError(f"{subject}: not acknowledged")
        self.sent.append((subject, message))


async def test_an_unacknowledged_fact_is_published_at_the_next_save(js: JetStreamContext) -> None:
    await provision(js, 1, service="ressources")
    store = CatalogueStore()
    await store.open(js)
    publish = FlakyPublish(failures=1)
    cat = Catalogue(store, DirectoryView(), publish, FrozenClock(NOW))
    model_id = new_id("tonnelle")
    try:
        data = model_body()
        with pytest.raises(PublishError):
            await save_entry(cat, ResourceKind.EQUIPMENT, model_id, data)
        saved = store.get(ResourceKind.EQUIPMENT, model_id)
        assert saved is not None  # the write happened before the fact
        again = await save_entry(cat, ResourceKind.EQUIPMENT, model_id, data)
        assert not again.changed
        assert [s for s, _ in publish.sent] == [f"ressources.catalogue.{model_id}.upserted"]
        await save_entry(cat, ResourceKind.EQUIPMENT, model_id, data)
        assert len(publish.sent) == 1  # announced once: nothing owed any more

        # at start-up, the entries changed within the duplicate window are announced again
        # with the same message id (JetStream drops the copy)
        assert await announce_recent(cat, timedelta(minutes=2)) >= 1
        ids = [m.message_id for s, m in publish.sent if model_id in s]
        assert len(ids) == 2
        assert ids[0] == ids[1]
    finally:
        await store.close()
