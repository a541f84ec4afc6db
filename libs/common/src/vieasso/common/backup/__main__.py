"""``python -m vieasso.common.backup backup DIR | restore DIR | schedule ROOT | status ROOT``.

Connects with the platform's settings (``VIEASSO_NATS_URL``, ``VIEASSO_NATS_USER`` and
``VIEASSO_NATS_PASSWORD``: the ``admin`` user in production, the only one allowed to
snapshot and restore every stream).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import nats
from nats.aio.client import Client

from vieasso.common.backup.archive import (
    MANIFEST,
    BackupError,
    Restored,
    Summary,
    backup,
    restore_all,
)
from vieasso.common.backup.snapshot import SnapshotError
from vieasso.common.logging import configure_logging
from vieasso.common.nats.connection import connect_options
from vieasso.common.settings import Settings

log = logging.getLogger("vieasso.backup")
STAMP = "%Y%m%dT%H%M%SZ"
STAMPED = re.compile(r"^\d{8}T\d{6}Z$")


async def _connect(settings: Settings) -> Client:
    return await nats.connect(
        **connect_options(settings), name="vieasso-backup", connect_timeout=5,
        allow_reconnect=False,
    )  # fmt: skip


def _describe(summary: Summary) -> str:
    size = f"{summary.bytes / 1024:.1f} Kio".replace(".", ",")
    return (
        f"{summary.streams} flux, {summary.messages} messages, {size} "
        f"en {summary.seconds:.2f} s".replace(".", ",", 1)
    )


async def run_backup(settings: Settings, directory: Path) -> Summary:
    nc = await _connect(settings)
    try:
        return await backup(nc, directory)
    finally:
        await nc.close()


async def run_restore(
    settings: Settings, directory: Path, replicas: int | None, *, replace: bool = False
) -> Restored:
    nc = await _connect(settings)
    try:
        return await restore_all(nc, directory, replicas, replace=replace)
    finally:
        await nc.close()


async def schedule(settings: Settings, root: Path, every: float, keep: int) -> None:
    """Back up into ROOT/<UTC time> every `every` seconds, keeping the `keep` newest.

    No lease: the schedule runs in the one `backup` container, not in the services'
    replicas; two of them (two containers, each on its own volume) would only write two
    consistent archives (a backup reads snapshots, it writes nothing to NATS)."""
    while True:
        stamp = datetime.now(UTC).strftime(STAMP)
        partial = root / f".partial-{stamp}"
        try:
            summary = await run_backup(settings, partial)
            partial.rename(root / stamp)
        except Exception:
            log.exception("backup failed; next attempt at the next period")
            shutil.rmtree(partial, ignore_errors=True)
            _prune(root, keep)
        else:
            removed = _prune(root, keep)  # before saying done: "done" means retention applied
            log.info("backup done", extra={"directory": stamp, "bytes": summary.bytes,
                                           "seconds": round(summary.seconds, 3),
                                           "removed": removed})  # fmt: skip
        await asyncio.sleep(every)


def newest_age(root: Path) -> float | None:
    """Seconds since the newest complete backup under `root` (None: there is none)."""
    done = sorted(p for p in root.iterdir() if STAMPED.match(p.name) and (p / MANIFEST).exists())
    if not done:
        return None
    made = datetime.strptime(done[-1].name, STAMP).replace(tzinfo=UTC)
    return (datetime.now(UTC) - made).total_seconds()


def _prune(root: Path, keep: int) -> list[str]:
    """Remove all but the `keep` newest backups; the names removed."""
    removed = sorted(p for p in root.iterdir() if STAMPED.match(p.name))[:-keep]
    for old in removed:
        shutil.rmtree(old)
    return [p.name for p in removed]


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vieasso.common.backup")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backup", help="save every stream and bucket").add_argument(
        "directory", type=Path
    )
    restore_cmd = commands.add_parser("restore", help="restore into a server without them")
    restore_cmd.add_argument("directory", type=Path)
    restore_cmd.add_argument("--replicas", type=int, help="replicas of the restored streams")
    restore_cmd.add_argument(
        "--replace",
        action="store_true",
        help="delete the server's streams and buckets first (NEWSLETTER is kept)",
    )
    sched = commands.add_parser("schedule", help="back up periodically into ROOT/<UTC time>")
    sched.add_argument("root", type=Path)
    sched.add_argument("--every", type=float, default=6 * 3600, help="seconds (default 6 h)")
    sched.add_argument("--keep", type=int, default=28, help="backups kept (default 28)")
    status = commands.add_parser("status", help="exit 1 unless a recent backup is in ROOT")
    status.add_argument("root", type=Path)
    status.add_argument("--max-age", type=float, required=True, help="seconds")
    args = parser.parse_args(argv)
    if args.command == "status":
        age = newest_age(args.root) if args.root.is_dir() else None
        if age is None or age > args.max_age:
            _say(f"Aucune sauvegarde de moins de {args.max_age:.0f} s dans {args.root}.")
            return 1
        _say(f"Dernière sauvegarde il y a {age:.0f} s.")
        return 0
    settings = Settings()
    configure_logging("backup", level=settings.log_level, json_lines=settings.log_json)
    try:
        if args.command == "backup":
            summary = asyncio.run(run_backup(settings, args.directory))
            _say(f"Sauvegarde faite dans {args.directory} : {_describe(summary)}.")
        elif args.command == "restore":
            restored = asyncio.run(
                run_restore(settings, args.directory, args.replicas, replace=args.replace)
            )
            _say(f"Restauration faite depuis {args.directory} : {_describe(restored)}.")
            if restored.replaced:
                _say("Supprimés avant la restauration : " + ", ".join(restored.replaced) + ".")
            if restored.kept:
                _say(
                    "Gardés tels quels (plus récents que la sauvegarde) : "
                    + ", ".join(restored.kept)
                    + ". Au démarrage, la lettre y relit les désabonnements et effacements."
                )
        else:
            args.root.mkdir(parents=True, exist_ok=True)
            asyncio.run(schedule(settings, args.root, args.every, max(args.keep, 1)))
    except (BackupError, SnapshotError, OSError) as exc:
        sys.stderr.write(f"Échec : {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
