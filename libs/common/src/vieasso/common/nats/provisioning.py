"""Idempotent creation of every stream, KV bucket and object store of the catalogue.

Running it again (another service, a restart, a reconnection) changes nothing; a changed
definition in the catalogue (replicas, history, max age, size limits) is applied as an update by the
stream's or bucket's owner (or by an unrestricted caller). A service creates what is missing
but never updates what another service owns: its NATS user may not (deploy/nats/accounts.conf).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import (
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import APIError, BadRequestError
from pydantic import ByteSize, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from vieasso.common.nats.catalogue import (
    BUCKETS,
    OBJECT_STORES,
    STREAMS,
    BucketSpec,
    ObjectStoreSpec,
    StreamSpec,
)

log = logging.getLogger(__name__)

STREAM_NAME_IN_USE = 10058


class ProvisioningError(RuntimeError):
    """A stream or bucket could not be created or brought up to date."""


def stream_config(spec: StreamSpec, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        description=spec.description,
        subjects=list(spec.subjects),
        retention=RetentionPolicy.WORK_QUEUE if spec.work_queue else RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=replicas,
        max_age=spec.max_age.total_seconds() if spec.max_age else None,
        max_msg_size=spec.max_msg_size,
        max_bytes=spec.max_bytes,
        duplicate_window=spec.duplicate_window.total_seconds(),
        discard=spec.discard,
    )


def bucket_config(spec: BucketSpec, replicas: int) -> KeyValueConfig:
    return KeyValueConfig(
        bucket=spec.name,
        description=spec.description,
        history=spec.history,
        ttl=spec.ttl.total_seconds() if spec.ttl else None,
        storage=StorageType.FILE,
        replicas=replicas,
        max_bytes=spec.max_bytes,
        max_value_size=spec.max_value_size,
    )


def object_store_config(spec: ObjectStoreSpec, replicas: int) -> ObjectStoreConfig:
    return ObjectStoreConfig(
        bucket=spec.name,
        description=spec.description,
        storage=StorageType.FILE,
        replicas=replicas,
        max_bytes=spec.max_bytes,
    )


def _in_use(exc: APIError) -> bool:
    """The stream exists with another configuration (anything else is a refusal)."""
    return isinstance(exc, BadRequestError) and exc.err_code == STREAM_NAME_IN_USE


def with_catalogue_limits(config: dict[str, Any]) -> dict[str, Any]:
    """A stream configuration (JSON, e.g. from a backup made before streams had limits) with
    the catalogue's max_bytes where it has none: the account refuses streams without one."""
    if config.get("max_bytes", -1) > 0:
        return config
    limits = {s.name: s.max_bytes for s in STREAMS} | {f"KV_{b.name}": b.max_bytes for b in BUCKETS}
    limits |= {o.stream: o.max_bytes for o in OBJECT_STORES}
    if config.get("name") not in limits:
        return config
    return {**config, "max_bytes": limits[config["name"]]}


async def ensure_stream(js: JetStreamContext, config: StreamConfig, *, update: bool = True) -> None:
    try:
        await js.add_stream(config)
    except APIError as exc:
        # e.g. 10047 insufficient storage: the account's or the server's limits are too low
        if not _in_use(exc):
            raise ProvisioningError(f"stream {config.name}: {exc.description}") from exc
        if not update:
            return
        try:
            await js.update_stream(config)
        except APIError as refused:
            raise ProvisioningError(f"stream {config.name}: {refused.description}") from refused
        log.info("stream updated", extra={"stream": config.name})


async def ensure_bucket(
    js: JetStreamContext, config: KeyValueConfig, *, update: bool = True
) -> None:
    try:
        await js.create_key_value(config)
    except APIError as exc:
        if not _in_use(exc):
            raise ProvisioningError(f"bucket {config.bucket}: {exc.description}") from exc
        if not update:
            return
        info = await js.stream_info(f"KV_{config.bucket}")
        try:
            await js.update_stream(
                info.config.evolve(
                    num_replicas=config.replicas,
                    max_msgs_per_subject=config.history,
                    description=config.description,
                    max_bytes=config.max_bytes,
                    max_msg_size=config.max_value_size,
                )
            )
        except APIError as refused:
            raise ProvisioningError(f"bucket {config.bucket}: {refused.description}") from refused
        log.info("bucket updated", extra={"bucket": config.bucket})


async def ensure_object_store(
    js: JetStreamContext, config: ObjectStoreConfig, *, update: bool = True
) -> None:
    name = config.bucket or ""
    try:
        await js.create_object_store(name, config)
    except APIError as exc:
        if not _in_use(exc):
            raise ProvisioningError(f"object store {name}: {exc.description}") from exc
        if not update:
            return
        info = await js.stream_info(f"OBJ_{name}")
        try:
            await js.update_stream(
                info.config.evolve(
                    num_replicas=config.replicas,
                    description=config.description,
                    max_bytes=config.max_bytes,
                )
            )
        except APIError as refused:
            raise ProvisioningError(f"object store {name}: {refused.description}") from refused
        log.info("object store updated", extra={"object_store": name})


class StorageLimits(BaseSettings):
    """The operators' say on the catalogue's sizes (every process provisioning reads it from the
    same environment, deploy/vieasso.env, so no two processes disagree)."""

    model_config = SettingsConfigDict(
        env_prefix="VIEASSO_", env_file=".env", extra="ignore", frozen=True
    )

    nats_max_bytes: dict[str, ByteSize] = Field(
        default_factory=dict,
        description=(
            "max_bytes of streams or buckets by name, replacing the catalogue's, as JSON: "
            '{"AGENDA": "4GiB", "agenda_events": "2GiB"} (docs/deploy.md, "Limits").'
        ),
    )


def sized(
    overrides: Mapping[str, int],
) -> tuple[list[StreamSpec], list[BucketSpec], list[ObjectStoreSpec]]:
    """The catalogue with `overrides` (max_bytes by stream, bucket or object store name)."""
    known = {s.name for s in STREAMS} | {b.name for b in BUCKETS} | {o.name for o in OBJECT_STORES}
    if unknown := sorted(set(overrides) - known):
        raise ProvisioningError(f"VIEASSO_NATS_MAX_BYTES: no stream or bucket named {unknown}")
    return (
        [replace(s, max_bytes=int(overrides.get(s.name, s.max_bytes))) for s in STREAMS],
        [replace(b, max_bytes=int(overrides.get(b.name, b.max_bytes))) for b in BUCKETS],
        [replace(o, max_bytes=int(overrides.get(o.name, o.max_bytes))) for o in OBJECT_STORES],
    )


async def provision(
    js: JetStreamContext,
    replicas: int,
    *,
    service: str | None = None,
    max_bytes: Mapping[str, int] | None = None,
) -> None:
    """Create every stream and bucket of the platform (all services share them); update those
    `service` owns (all of them when `service` is None: operators, tests). Sizes are the
    catalogue's unless `max_bytes` (by default VIEASSO_NATS_MAX_BYTES) replaces some."""
    overrides = StorageLimits().nats_max_bytes if max_bytes is None else max_bytes
    streams, buckets, object_stores = sized(overrides)
    for stream in streams:
        owned = service is None or stream.owner == service
        await ensure_stream(js, stream_config(stream, replicas), update=owned)
    for bucket in buckets:
        owned = service is None or bucket.owner == service
        await ensure_bucket(js, bucket_config(bucket, replicas), update=owned)
    for store in object_stores:
        owned = service is None or store.owner == service
        await ensure_object_store(js, object_store_config(store, replicas), update=owned)
