"""A whole platform for end-to-end checks: the three services on one nats-server, demo data
loaded by their own commands, and everything it stores or shows, captured for comparison.

- `PlatformRun` starts the services (one admin token, one SMTP sink, a fixed public URL so
  that links in feeds do not depend on the ports) and runs their command-line tools.
- `stored_state(url)` — every record of every KV bucket and every message of every stream;
  `settled_state(url)` the same once nothing changes any more, `differences(a, b)` what
  differs between two of them, readably.
- `public_documents(...)` — every feed and open-data export, as bytes.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.js.errors import NotFoundError

from tests.support.processes import VENV_BIN, wait_until
from tests.support.services import SERVICES, ServiceProcess, start_service_process
from tests.support.smtp import SmtpServer
from vieasso.agenda.entrypoints.nats import DURABLE as SUBMISSIONS_CONSUMER
from vieasso.common.backup.archive import catalogue_streams
from vieasso.common.nats.catalogue import BUCKETS
from vieasso.common.nats.kv import scan

PUBLIC_URL = "https://vie-associative.example.org"
FEEDS = ("ics", "rss", "atom", "jsonld")
EXPORTS = ("associations.csv", "associations.json", "missions.csv", "missions.json")


@dataclass
class PlatformRun:
    nats_url: str
    workdir: Path
    smtp: SmtpServer
    env: dict[str, str] = field(default_factory=dict)
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    token_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    running: dict[str, ServiceProcess] = field(default_factory=dict)
    public_url: str | None = PUBLIC_URL  # None: each service links to its own port

    def settings_env(self) -> dict[str, str]:
        public = {"VIEASSO_PUBLIC_BASE_URL": self.public_url} if self.public_url else {}
        return {
            **public,
            "VIEASSO_ADMIN_TOKEN": self.admin_token,
            "VIEASSO_TOKEN_SECRET": self.token_secret,
            "VIEASSO_SMTP_HOST": "127.0.0.1",
            "VIEASSO_SMTP_PORT": str(self.smtp.port),
            **self.env,
        }

    def start(self) -> PlatformRun:
        for name in SERVICES:
            self.running[name] = start_service_process(
                name, nats_url=self.nats_url, workdir=self.workdir, admin_token=self.admin_token,
                smtp_port=self.smtp.port, env=self.settings_env(),
            )  # fmt: skip
        for svc in self.running.values():
            svc.wait_healthy(timeout=60)
        return self

    def stop(self) -> None:
        for svc in self.running.values():
            svc.stop()
        self.running.clear()

    def url(self, name: str) -> str:
        return self.running[name].url

    def cli(self, service: str, *argv: str, timeout: float = 120) -> str:
        """Run `vieasso-<service> ARGV` against this platform; its stdout (fails on exit ≠ 0)."""
        env = {**os.environ, "VIEASSO_NATS_URL": self.nats_url, **self.settings_env()}
        done = subprocess.run(
            [str(VENV_BIN / f"vieasso-{service}"), *argv],
            env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    def logs(self) -> str:
        return "\n".join(svc.process.output() for svc in self.running.values())


async def stored_state(url: str) -> dict[str, Any]:
    """{bucket: {key: (value, revision)}} and {stream: [(seq, subject, data, headers)]}."""
    nc = await nats.connect(url)
    js = nc.jetstream(timeout=10)
    state: dict[str, Any] = {"kv": {}, "streams": {}}
    try:
        for bucket in (b for b in BUCKETS if b.backed_up):  # what a backup holds
            # Not KeyValue.keys(): its "no more keys" marker can come before the keys (see
            # vieasso.common.nats.kv), which read a bucket as empty now and then.
            kv = await js.key_value(bucket.name)
            entries = [entry async for entry in scan(kv, ">")]
            state["kv"][bucket.name] = {
                e.key: (e.value, e.revision) for e in sorted(entries, key=lambda e: e.key)
            }
        for name in catalogue_streams():
            info = await js.stream_info(name)
            messages = []
            first = info.state.first_seq if info.state.messages else info.state.last_seq + 1
            for seq in range(max(first, 1), info.state.last_seq + 1):
                try:
                    msg = await js.get_msg(name, seq)
                except NotFoundError:
                    continue
                messages.append((seq, msg.subject, msg.data, dict(msg.headers or {})))
            state["streams"][name] = messages
    finally:
        await nc.close()
    return state


async def settled_state(url: str, quiet: float = 1.0, patience: float = 30.0) -> dict[str, Any]:
    """`stored_state` once two reads `quiet` seconds apart agree: the facts and records that
    services write after a command returns (e.g. the edition's `sent` fact, published by
    whichever sender finished it) are in."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    state = await stored_state(url)
    while True:
        await asyncio.sleep(quiet)
        again = await stored_state(url)
        if again == state:
            return state
        if loop.time() > deadline:
            raise AssertionError("still changing:\n" + "\n".join(differences(state, again)))
        state = again


def differences(
    a: dict[str, Any],
    b: dict[str, Any],
    limit: int = 20,
    kinds: tuple[str, ...] = ("kv", "streams"),
) -> list[str]:
    """One line per KV key or stream message (of `kinds`) that differs between two
    `stored_state`s."""
    lines: list[str] = []
    for kind in kinds:
        for name in sorted(a[kind].keys() | b[kind].keys()):
            left, right = a[kind].get(name), b[kind].get(name)
            if left == right:
                continue
            if left is None or right is None:
                lines.append(f"{kind} {name}: only in {'second' if left is None else 'first'}")
                continue
            if kind == "kv":
                for key in sorted(left.keys() | right.keys()):
                    if left.get(key) != right.get(key):
                        lines.append(f"kv {name} {key}: {left.get(key)!r} ≠ {right.get(key)!r}")
            else:
                first, second = {m[0]: m for m in left}, {m[0]: m for m in right}
                for seq in sorted(first.keys() | second.keys()):
                    if first.get(seq) != second.get(seq):
                        lines.append(
                            f"stream {name} #{seq}: {first.get(seq)!r} ≠ {second.get(seq)!r}"
                        )
    return lines[:limit] + ([f"… {len(lines) - limit} more"] if len(lines) > limit else [])


def public_documents(run: PlatformRun, slugs: list[str]) -> dict[str, tuple[int, bytes]]:
    """Status and bytes of every feed (city and per association) and every export."""
    paths = [f"agenda:/feeds/agenda.{ext}" for ext in FEEDS]
    paths += [
        f"agenda:/feeds/associations/{slug}.{ext}" for slug in slugs for ext in ("ics", "rss")
    ]
    paths += [f"annuaire:/export/{name}" for name in EXPORTS]
    paths += ["annuaire:/api/associations", "annuaire:/api/missions", "newsletter:/archives"]
    paths += ["aides:/feeds/aides.ics", "aides:/aides"]
    documents = {}
    for entry in paths:
        service, path = entry.split(":", 1)
        response = httpx.get(run.url(service) + path, timeout=20)
        documents[entry] = (response.status_code, response.content)
    return documents


def wait_until_agenda_idle(nats_url: str) -> None:
    """Every submission on AGENDA has been consumed and acknowledged by the agenda (its
    durable consumer: the ephemeral ones of the command-line tools that read the facts
    linger a while after they exit, with the facts published since as pending)."""

    async def idle() -> bool:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            consumers = await js.consumers_info("AGENDA")
            durable = [c for c in consumers if c.name == SUBMISSIONS_CONSUMER]
            return bool(durable) and all(
                c.num_pending == 0 and c.num_ack_pending == 0 for c in durable
            )
        finally:
            await nc.close()

    wait_until(lambda: asyncio.run(idle()), timeout=60, interval=0.5, what="the agenda to be idle")


def wait_until_stored_state_still(nats_url: str, quiet: float = 3.0, timeout: float = 120) -> None:
    """Until no stream (KV buckets included, but the leases, renewed every few seconds) has
    taken a message for `quiet` seconds: the
    writes a command or a request started (a submission applied, a fact followed by its
    consumers' writes, a demo's sync) are all done, so what the services answer stays put."""

    async def last_sequences() -> tuple[tuple[str, int], ...]:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            streams = await js.streams_info()
            return tuple(
                sorted(
                    (info.config.name or "", info.state.last_seq)
                    for info in streams
                    if not (info.config.name or "").endswith("_leases")  # renewed for ever
                )
            )
        finally:
            await nc.close()

    seen = asyncio.run(last_sequences())
    since = time.monotonic()
    deadline = since + timeout
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise AssertionError(f"still writing after {timeout} s")
        time.sleep(0.5)
        now = asyncio.run(last_sequences())
        if now != seen:
            seen, since = now, time.monotonic()
