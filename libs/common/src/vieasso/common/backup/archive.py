"""A backup directory: one JetStream snapshot per stream and bucket, and a manifest.

    DIR/manifest.json        what was saved: streams, files, sizes, sha256, message counts
    DIR/<stream>.json        the stream's config and state at the snapshot
    DIR/<stream>.tar.s2      the snapshot itself (KV buckets: KV_<bucket>; object stores:
                             OBJ_<name>)

Every stream is a point-in-time copy taken by the server; the streams are saved one after the
other within a second or so, the fact and work streams (with their consumers' positions)
before the KV buckets. That order is what makes a backup taken while services write safe: a
message consumed between the two snapshots is, in the restored platform, still pending on its
stream and already applied in its bucket, and every handler is idempotent, so it is applied
once; the reverse order would restore it as consumed but never applied.
(tests/platform/test_backup_during_writes.py.) A restore checks every file against the
manifest before touching the server.

A restore keeps the server's ``NEWSLETTER`` stream when there is one (`KEPT`): its facts are
newer than any backup, and among them the subscribers' departures (unsubscriptions,
suspensions, erasures) that the newsletter applies again at its start, so that restoring a
backup never brings back someone who left after it (tests/platform/test_backup_replay.py).
``--replace`` deletes the server's other streams and buckets first.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nats.aio.client import Client
from nats.js.errors import NotFoundError

from vieasso.common.backup.snapshot import restore, snapshot
from vieasso.common.nats.catalogue import BUCKETS, OBJECT_STORES, STREAMS
from vieasso.common.nats.provisioning import with_catalogue_limits

FORMAT = 1
MANIFEST = "manifest.json"
READ_SIZE = 128 * 1024
KEPT = frozenset({"NEWSLETTER"})  # append-only facts: the server's copy is the newest


def catalogue_streams() -> list[str]:
    """Every stream of the platform, every KV bucket's stream (KV_<bucket>), then every object
    store's (OBJ_<name>): in the order they are saved (see the module's docstring). Object
    stores last: an image is stored before an event names it, so every image a saved event
    names is in the later copy. Not the sign-in sessions: a restore would bring back
    sessions signed out since the backup."""
    kv = [f"KV_{b.name}" for b in BUCKETS if b.backed_up]
    return [s.name for s in STREAMS] + kv + [o.stream for o in OBJECT_STORES]


@dataclass(frozen=True)
class Summary:
    streams: int
    messages: int
    bytes: int
    seconds: float


class BackupError(RuntimeError):
    """A backup directory that cannot be written or trusted."""


async def backup(nc: Client, directory: Path) -> Summary:
    """Save every stream and bucket of the catalogue into `directory` (new or empty)."""
    _prepare_empty(directory)
    began = time.monotonic()
    entries: list[dict[str, Any]] = []
    missing: list[str] = []
    js = nc.jetstream()
    for name in catalogue_streams():
        try:
            await js.stream_info(name)
        except NotFoundError:
            missing.append(name)  # not created yet (no service has started): nothing to save
            continue
        meta, chunks = await snapshot(nc, name)
        digest, size = hashlib.sha256(), 0
        with (directory / f"{name}.tar.s2").open("wb") as out:
            async for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        (directory / f"{name}.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
        state = meta["state"]
        entries.append({
            "stream": name, "file": f"{name}.tar.s2", "bytes": size,
            "sha256": digest.hexdigest(), "messages": state.get("messages", 0),
            "first_seq": state.get("first_seq", 0), "last_seq": state.get("last_seq", 0),
        })  # fmt: skip
    seconds = time.monotonic() - began
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "streams": entries,
        "missing": missing,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return _summary(entries, seconds)


def read_manifest(directory: Path) -> list[dict[str, Any]]:
    """The manifest's entries, each file checked (size and sha256)."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory}: no readable {MANIFEST}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{directory}: unknown backup format {manifest.get('format')!r}")
    entries: list[dict[str, Any]] = manifest["streams"]
    for entry in entries:
        digest = hashlib.sha256()
        for chunk in _read(directory / entry["file"]):
            digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"{entry['file']}: sha256 differs from the manifest")
    return entries


@dataclass(frozen=True)
class Restored(Summary):
    kept: tuple[str, ...] = ()  # the server's own streams, kept instead of the backup's
    replaced: tuple[str, ...] = ()  # the server's streams deleted first (--replace)


async def restore_all(
    nc: Client, directory: Path, replicas: int | None = None, *, replace: bool = False
) -> Restored:
    """Recreate every stream of the backup, but keep the server's `KEPT` streams. Any other
    catalogue stream on the server is refused before anything is touched, or deleted first
    with `replace`."""
    entries = read_manifest(directory)
    began = time.monotonic()
    js = nc.jetstream()
    present = []
    for name in catalogue_streams():
        try:
            await js.stream_info(name)
        except NotFoundError:
            continue
        present.append(name)
    kept = tuple(name for name in present if name in KEPT)
    clashing = [name for name in present if name not in KEPT]
    if clashing and not replace:
        raise BackupError(
            "the server already has " + ", ".join(clashing) + ": restore into a server "
            "without them, or pass --replace to delete them first"
        )
    for name in clashing:
        await js.delete_stream(name)
    restored = [e for e in entries if e["stream"] not in kept]
    for entry in restored:
        meta = json.loads((directory / f"{entry['stream']}.json").read_text())
        if replicas is not None:
            meta["config"]["num_replicas"] = replicas
        meta["config"] = with_catalogue_limits(meta["config"])  # backups older than limits
        await restore(nc, entry["stream"], meta, _read(directory / entry["file"]))
    summary = _summary(restored, time.monotonic() - began)
    return Restored(**vars(summary), kept=kept, replaced=tuple(clashing))


def _prepare_empty(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty")


def _read(path: Path) -> Iterator[bytes]:
    with path.open("rb") as data:
        while chunk := data.read(READ_SIZE):
            yield chunk


def _summary(entries: list[dict[str, Any]], seconds: float) -> Summary:
    return Summary(
        streams=len(entries),
        messages=sum(e["messages"] for e in entries),
        bytes=sum(e["bytes"] for e in entries),
        seconds=seconds,
    )
