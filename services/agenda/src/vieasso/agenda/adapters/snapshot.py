"""A local snapshot of the catalog, so that a restart does not read 50,000 events from NATS.

Reading every event of `agenda_events` costs about a second and a half for 50,000 events in
nats-py alone (one message each), before any parsing: too slow for B6 (≤ 3 s to healthy).
The snapshot is a cache, never a source of truth: one file holding each event's listing
(what the feeds select on), its revision and its stored JSON, plus the stream sequence it
covers. At start the catalog is filled from it, then every write after that sequence is read
from the bucket as usual. A file that is missing, unreadable, of another format, or made
against another incarnation of the bucket (deleted and created again, restored from a
backup) is ignored and the catalog is loaded from NATS alone.

File layout: a JSON header line, a JSON line of listing rows (in the catalog's order, so that
sorting them again at load costs nothing), then the stored JSON of each event back to back
(their lengths are in the rows). At load, the stored JSON stays in one buffer that the
entries view, without a copy.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.store import encode
from vieasso.agenda.domain.listing import Listing

log = logging.getLogger(__name__)

FORMAT = 2  # 2: listings carry accessibility
FILE_NAME = "catalog.snapshot"


@dataclass(frozen=True)
class Origin:
    """Which bucket a snapshot was taken from, and the last write it includes."""

    created: str  # the bucket's stream creation time: changes if it is created again
    seq: int


@dataclass(frozen=True)
class Frozen:
    """What a snapshot saves, taken from the catalog at one instant (cheap: references)."""

    origin: Origin
    entries: list[tuple[Listing, int, Any]]  # listing, revision, stored JSON or StoredEvent


def freeze(catalog: Catalog, origin: Origin) -> Frozen:
    """Capture the catalog now, in its order (so that the load need not sort it again);
    `write` may then run in a thread while the catalog changes."""
    return Frozen(origin, [(e.listing, e.revision, e.stored()) for e in catalog.in_order()])


class SnapshotFile:
    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME

    def write(self, frozen: Frozen) -> int:
        """Write the snapshot atomically (temporary file, fsync, rename); returns its size.

        Row by row: building every row (and their JSON) at once cost the service some 50 MB
        of memory it then kept (B5) for a file it only writes.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        header = {
            "format": FORMAT,
            "created": frozen.origin.created,
            "seq": frozen.origin.seq,
            "count": len(frozen.entries),
        }
        raws: list[bytes | memoryview] = []  # the stored JSON, written after the rows
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".snapshot-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(json.dumps(header).encode() + b"\n[")
                for number, (listing, revision, stored) in enumerate(frozen.entries):
                    raw = stored if isinstance(stored, (bytes, memoryview)) else encode(stored)
                    raws.append(raw)
                    row = [*listing.to_row(), revision, len(raw)]
                    out.write(b"," if number else b"")
                    out.write(json.dumps(row, separators=(",", ":")).encode())
                out.write(b"]\n")
                for raw in raws:
                    out.write(raw)
                out.flush()
                os.fsync(out.fileno())
                size = out.tell()
            Path(temporary).replace(self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise
        return size

    def read(self, created: str, last_seq: int) -> Restored | None:
        """The snapshot's entries and the sequence it covers, or None when unusable.

        `created` and `last_seq` describe the bucket now: a snapshot of another incarnation
        of it, or one ahead of it (an older backup restored), is not used.
        """
        try:
            with self.path.open("rb") as source:
                header = json.loads(source.readline())
                usable = (
                    header.get("format") == FORMAT
                    and header.get("created") == created
                    and 0 < int(header.get("seq", 0)) <= last_seq
                )
                if not usable:
                    log.info("agenda snapshot ignored: made for another state of the bucket")
                    return None
                entries = _entries(source, json.loads(source.readline()))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError, IndexError, KeyError, OSError):
            log.warning("agenda snapshot unreadable: loading from NATS alone", exc_info=True)
            return None
        return Restored(int(header["seq"]), entries)


@dataclass(frozen=True)
class Restored:
    seq: int
    entries: list[tuple[Listing, int, memoryview]]


def _entries(source: BinaryIO, rows: list[list[Any]]) -> list[tuple[Listing, int, memoryview]]:
    stored = memoryview(source.read())
    if len(stored) != sum(row[-1] for row in rows):
        raise ValueError("agenda snapshot truncated")
    entries = []
    offset = 0
    from_row = Listing.from_row
    for row in rows:  # the listing's columns, then the revision and the length
        end = offset + row[-1]
        entries.append((from_row(row), row[-2], stored[offset:end]))
        offset = end
    return entries
