"""Regression (found by tests/reliability/test_nats_faults.py on the 3-node cluster): with
credentials only in the URLs, nats-py added the servers the cluster announces without them,
a reconnection to one of those was refused (Authorization Violation) and the client closed
for good — the service stayed 503 after one node died. URL credentials now travel as
``user``/``password``, which nats-py sends to every server of its pool."""

from __future__ import annotations

from vieasso.common.nats.connection import connect_options
from vieasso.common.settings import Settings


def test_credentials_in_the_urls_are_sent_to_every_server_including_announced_ones() -> None:
    settings = Settings(
        nats_url="nats://admin:s%C3%A9cret@n1:4222,nats://admin:s%C3%A9cret@n2:4222,nats://n3:4222"
    )
    options = connect_options(settings)
    assert options["servers"] == ["nats://n1:4222", "nats://n2:4222", "nats://n3:4222"]
    assert (options["user"], options["password"]) == ("admin", "sécret")


def test_settings_credentials_win_over_the_urls() -> None:
    settings = Settings(
        nats_url="nats://other:x@n1:4222", nats_user="agenda", nats_password="pw-agenda"
    )
    options = connect_options(settings)
    assert (options["user"], options["password"]) == ("agenda", "pw-agenda")
