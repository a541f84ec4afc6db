"""The service's watched copies of its buckets on a real nats-server: the catalogue's copy
holds the entries only (the bucket also keeps the city's closed days under its own key)."""

from __future__ import annotations

import logging

import pytest
from nats.js import JetStreamContext

from tests.ressources.catalogue_app import until
from vieasso.common.nats.provisioning import provision
from vieasso.ressources.adapters.entries import BUCKET, Entries
from vieasso.ressources.domain.calendar import CityClosures

pytestmark = pytest.mark.nats


async def test_catalogue_copy_skips_the_closed_days_record_without_an_error(
    js: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    await provision(js, 1, service="ressources")
    kv = await js.key_value(BUCKET)
    await kv.put("closed-days", CityClosures().model_dump_json().encode())
    marker = "model.zz-watched-copy-marker"
    await kv.put(marker, b"{}")  # an unreadable entry: logged, after the closed days
    entries = Entries()
    with caplog.at_level(logging.ERROR):
        await entries.start(js)
        try:
            await until(
                lambda: any(marker in str(r.__dict__.get("key")) for r in caplog.records),
                what="the watch read past the closed days",
            )
        finally:
            await entries.stop()
    keys = [r.__dict__.get("key") for r in caplog.records if r.getMessage() == "unreadable value"]
    assert "closed-days" not in keys
    assert "closed-days" not in entries.items
    await kv.delete(marker)
