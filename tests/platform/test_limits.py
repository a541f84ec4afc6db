"""No stream or bucket can fill the disk (issue 12, item 3): each has a size limit, existing
deployments get it on their next start, a full fact stream refuses writes loudly (never drops
history), dead letters drop their oldest, and the account and servers bound the whole.

Everything runs on real nats-server processes of the test's own (the shared server's streams
are left alone): the catalogue's limits are shrunk on one stream to reach them quickly.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import nats
import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StreamConfig
from nats.js.errors import APIError, BadRequestError

from tests.annuaire.conftest import association_body, running_annuaire
from tests.security.secured_nats import SecuredNats, secured_server
from tests.support.nats_server import NatsServer
from tests.support.processes import REPO
from vieasso.annuaire.domain.rules import make_slug
from vieasso.common import subjects
from vieasso.common.backup.archive import backup, restore_all
from vieasso.common.messages import EventRejected, FieldError
from vieasso.common.nats.catalogue import BUCKETS, OBJECT_STORES, STREAMS, StreamSpec
from vieasso.common.nats.permissions import ADMIN, render_accounts_conf
from vieasso.common.nats.provisioning import (
    ProvisioningError,
    bucket_config,
    ensure_stream,
    provision,
    stream_config,
)
from vieasso.common.nats.publish import JetStreamPublisher, PublishError

NATS_DIR = REPO / "deploy" / "nats"
UNITS = {"": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
REPLICAS = 3  # production (docker-compose.yml)
# Not history: dead letters are kept for inspection, mail outcomes as receipts for the
# services that asked (SPEC §8); both age out.
AGED = ("DEADLETTER", "COURRIER_OUTCOMES")


def size(text: str, key: str) -> int:
    """A size setting of a nats-server config (its units: GB = 1024³ bytes)."""
    found = re.search(rf"^\s*{key}\s*[:=]\s*(\d+)\s*([KMGT]?B?)\s*$", text, re.MULTILINE)
    assert found is not None, f"no {key}"
    return int(found.group(1)) * UNITS[found.group(2)]


def reserved() -> int:
    """What the catalogue reserves on each server (one replica of everything)."""
    total = sum(s.max_bytes for s in STREAMS) + sum(b.max_bytes for b in BUCKETS)
    return total + sum(o.max_bytes for o in OBJECT_STORES)


def largest() -> int:
    """The largest single reservation: nats-server checks a stream's max_bytes against what
    is free BEFORE it sees that the stream exists with that very configuration, so every
    provisioning after the first (another service, a restart) needs that much room free."""
    sizes = [s.max_bytes for s in STREAMS] + [b.max_bytes for b in BUCKETS]
    return max(sizes + [o.max_bytes for o in OBJECT_STORES])


@dataclass
class DevServer(NatsServer):
    """nats-server with deploy/nats/dev.conf (`make run`'s), on the test's ports and store."""

    def config(self) -> str:
        text = (NATS_DIR / "dev.conf").read_text()
        text = text.replace('store_dir: "var/nats"', f'store_dir: "{self.store_dir}"')
        text = re.sub(r"^listen: .*$", f"listen: 127.0.0.1:{self.port}", text, flags=re.M)
        return re.sub(r"^http: .*$", f"http: 127.0.0.1:{self.monitor_port}", text, flags=re.M)


def spec(name: str) -> StreamSpec:
    return next(s for s in STREAMS if s.name == name)


# --- the numbers -----------------------------------------------------------------------------


def test_every_stream_and_bucket_has_a_size_limit_and_only_dead_letters_drop_history() -> None:
    for stream in STREAMS:
        assert stream.max_bytes > 0, stream.name
        expected = DiscardPolicy.OLD if stream.name == "DEADLETTER" else DiscardPolicy.NEW
        assert stream.discard == expected, stream.name
        if not stream.work_queue and stream.name not in AGED:
            assert stream.max_age is None, f"{stream.name}: facts are the history"
    assert spec("DEADLETTER").max_age is not None
    assert spec("NEWSLETTER_DELIVERIES").max_age is not None
    assert all(spec(name).max_age is not None for name in AGED)
    for bucket in BUCKETS:
        assert 0 < bucket.max_value_size <= 1024 * 1024 < bucket.max_bytes, bucket.name


def test_what_the_catalogue_reserves_fits_every_server_and_the_account() -> None:
    servers = {
        "dev.conf": (NATS_DIR / "dev.conf").read_text(),
        "cluster.conf": (NATS_DIR / "cluster.conf").read_text(),
        "tests/support/nats_server.py": NatsServer(workdir=Path("x"), port=1).config(),
    }
    for name, text in servers.items():
        assert reserved() + largest() <= size(text, "max_file_store"), name
        assert size(text, "max_memory_store") <= 1024**3, name
    account = render_accounts_conf()
    assert account == (NATS_DIR / "accounts.conf").read_text()
    assert REPLICAS * reserved() < size(account, "max_file")
    assert reserved() + largest() <= size(account, "max_file")  # a single secured server
    # a single server including accounts.conf must hold the account's reservation
    single = servers["tests/support/nats_server.py"]
    assert size(account, "max_file") <= size(single, "max_file_store")
    assert size(account, "max_file") <= REPLICAS * size(servers["cluster.conf"], "max_file_store")
    assert re.search(r"^\s*max_bytes_required:\s*true$", account, re.MULTILINE)


# --- on a real server ------------------------------------------------------------------------


async def test_make_runs_server_takes_the_catalogue_again_at_every_start(tmp_path: Path) -> None:
    """Every service provisions the whole catalogue when it starts: on `make run`'s server the
    second one (or any restart) must find it all in place, not "insufficient storage"."""
    server = DevServer(workdir=tmp_path / "dev").start()
    try:
        client = await nats.connect(server.url)
        js = client.jetstream(timeout=10)
        await provision(js, 1)
        await provision(js, 1)  # the next service, or the same one restarted
        await client.close()
    finally:
        server.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServer]:
    own = NatsServer(workdir=tmp_path / "nats").start()
    yield own
    own.stop()


@pytest.fixture
async def own_js(server: NatsServer) -> AsyncIterator[JetStreamContext]:
    client: Client = await nats.connect(server.url)
    yield client.jetstream(timeout=5)
    await client.close()


def without_limits(config: StreamConfig) -> StreamConfig:
    """The configuration provisioning created before streams had limits."""
    return config.evolve(max_bytes=None, discard=DiscardPolicy.OLD)


@pytest.mark.nats
async def test_provisioning_gives_existing_streams_and_buckets_their_limits(
    own_js: JetStreamContext,
) -> None:
    js = own_js
    for stream in STREAMS:
        await js.add_stream(without_limits(stream_config(stream, 1)))
    for bucket in BUCKETS:
        kv = bucket_config(bucket, 1)
        await js.create_key_value(replace(kv, max_bytes=None, max_value_size=None))

    await provision(js, replicas=1)

    for stream in STREAMS:
        config = (await js.stream_info(stream.name)).config
        assert (config.max_bytes, config.discard) == (stream.max_bytes, stream.discard)
        assert config.max_age == (stream.max_age.total_seconds() if stream.max_age else 0)
    for bucket in BUCKETS:
        config = (await js.stream_info(f"KV_{bucket.name}")).config
        assert (config.max_bytes, config.max_msg_size) == (bucket.max_bytes, bucket.max_value_size)
        assert config.discard == DiscardPolicy.NEW


def rejection(slug: str, n: int) -> EventRejected:
    reason = FieldError(field="title", message="x" * 400, code=f"c{n}")
    return EventRejected(association=slug, event_id=f"e{n}", reasons=(reason,))


async def publish_until_refused(
    publisher: JetStreamPublisher, slug: str, attempts: int = 100
) -> tuple[int, PublishError]:
    """How many publishes JetStream acknowledged before the first refusal, and that refusal."""
    for n in range(attempts):
        try:
            await publisher.publish(subjects.rejection(slug), rejection(slug, n))
        except PublishError as refused:
            return n, refused
    raise AssertionError(f"{attempts} publishes acknowledged: the stream never refused one")


async def shrink(js: JetStreamContext, name: str, max_bytes: int) -> None:
    """The stream `name` as the catalogue declares it, with a small max_bytes."""
    await ensure_stream(js, stream_config(replace(spec(name), max_bytes=max_bytes), 1))


@pytest.mark.nats
async def test_a_full_fact_stream_refuses_the_publish_loudly_and_keeps_its_history(
    server: NatsServer, own_js: JetStreamContext
) -> None:
    js = own_js
    await provision(js, replicas=1)
    await shrink(js, "AGENDA", 8 * 1024)
    slug = "les-amis"
    async with NatsBroker(server.url) as broker:
        acknowledged, refused = await publish_until_refused(
            JetStreamPublisher(broker, timeout=5), slug
        )

    assert "maximum bytes exceeded" in str(refused)
    assert 0 < acknowledged < 100
    state = (await js.stream_info("AGENDA")).state
    assert (state.first_seq, state.messages) == (1, acknowledged), "history was dropped"


@pytest.mark.nats
async def test_dead_letters_drop_their_oldest_entries_when_full(
    own_js: JetStreamContext,
) -> None:
    js = own_js
    await provision(js, replicas=1)
    await shrink(js, "DEADLETTER", 8 * 1024)
    for n in range(100):
        await js.publish(subjects.deadletter("agenda", f"agenda.x.{n}"), b"y" * 400)

    state = (await js.stream_info("DEADLETTER")).state
    assert state.last_seq == 100
    assert state.first_seq > 1
    assert state.bytes <= 8 * 1024


@pytest.mark.nats
async def test_a_bucket_refuses_a_value_over_its_size_limit(own_js: JetStreamContext) -> None:
    js = own_js
    await provision(js, replicas=1)
    bucket = next(b for b in BUCKETS if b.name == "agenda_events")
    kv = await js.key_value(bucket.name)
    await kv.put("les-amis.small", b"{}")
    with pytest.raises(APIError, match="message size exceeds maximum allowed"):
        await kv.put("les-amis.huge", b"x" * (bucket.max_value_size + 1))
    assert (await kv.get("les-amis.small")).value == b"{}"


# --- the account (deploy/nats/accounts.conf) -------------------------------------------------


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[SecuredNats]:
    with secured_server(tmp_path / "secured") as server:
        yield server


@pytest.mark.nats
async def test_the_account_refuses_a_stream_without_a_size_limit_or_too_big_for_it(
    secured: SecuredNats,
) -> None:
    client = await nats.connect(**secured.connect_options(ADMIN))
    js = client.jetstream(timeout=5)
    try:
        await provision(js, replicas=1)
        with pytest.raises(BadRequestError, match="requires a stream config to have max bytes set"):
            await js.add_stream(name="UNBOUNDED", subjects=["unbounded.>"])
        account = render_accounts_conf()
        too_big = size(account, "max_file")
        with pytest.raises(ProvisioningError, match="insufficient"):
            await ensure_stream(
                js, StreamConfig(name="HUGE", subjects=["huge.>"], max_bytes=too_big)
            )
    finally:
        await client.close()


@pytest.mark.nats
async def test_a_backup_made_before_the_limits_restores_into_the_limited_account(
    own_js: JetStreamContext, server: NatsServer, secured: SecuredNats, tmp_path: Path
) -> None:
    js = own_js
    for stream in STREAMS:
        await js.add_stream(without_limits(stream_config(stream, 1)))
    for bucket in BUCKETS:
        kv = bucket_config(bucket, 1)
        await js.create_key_value(replace(kv, max_bytes=None, max_value_size=None))
    await js.publish(subjects.submission("les-amis"), b"{}")
    plain = await nats.connect(server.url)
    try:
        await backup(plain, tmp_path / "backup")
    finally:
        await plain.close()

    admin = await nats.connect(**secured.connect_options(ADMIN))
    try:
        await restore_all(admin, tmp_path / "backup")
        info = await admin.jetstream().stream_info("AGENDA")
    finally:
        await admin.close()
    assert (info.state.messages, info.config.max_bytes) == (1, spec("AGENDA").max_bytes)


@pytest.mark.nats
async def test_the_annuaire_answers_503_and_logs_why_when_its_fact_stream_is_full(
    server: NatsServer, own_js: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_annuaire(server.url) as annuaire:
        await shrink(own_js, "ANNUAIRE", 256)
        body = association_body()
        with caplog.at_level(logging.ERROR, logger="vieasso.common.nats.publish"):
            response = await annuaire.http.post("/api/associations", json=body)

        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert any("maximum bytes exceeded" in getattr(r, "reason", "") for r in caplog.records)
        # saved, not announced: the fact is published at a later start (test_facts_recovery)
        assert annuaire.unit.index.association(make_slug(body["name"])) is not None


@pytest.mark.nats
async def test_operators_set_sizes_with_vieasso_nats_max_bytes(
    own_js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIEASSO_NATS_MAX_BYTES", '{"AGENDA": "3GiB", "agenda_events": "100MB"}')
    await provision(own_js, replicas=1)

    assert (await own_js.stream_info("AGENDA")).config.max_bytes == 3 * 1024**3
    assert (await own_js.stream_info("KV_agenda_events")).config.max_bytes == 100 * 1000**2
    assert (await own_js.stream_info("ANNUAIRE")).config.max_bytes == spec("ANNUAIRE").max_bytes

    monkeypatch.setenv("VIEASSO_NATS_MAX_BYTES", '{"AGENDAS": "3GiB"}')
    with pytest.raises(ProvisioningError, match="AGENDAS"):
        await provision(own_js, replicas=1)
