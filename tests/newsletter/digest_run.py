"""`vieasso-newsletter send-digest` as a process, killed mid-edition and run again, on
subscribers written straight into the newsletter's bucket: the crash test
(tests/newsletter/test_crash_recovery.py) and the SMTP-faults scenario
(tests/reliability/test_smtp_faults.py)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nats.js import JetStreamContext

from tests.newsletter import facts
from tests.support.processes import VENV_BIN, Process, wait_until
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.nats.provisioning import provision
from vieasso.newsletter.adapters.subscribers import SubscriberStore
from vieasso.newsletter.domain.delivery import LedgerEntry, LedgerState
from vieasso.newsletter.domain.edition import edition_id
from vieasso.newsletter.domain.subscriber import (
    Consent,
    Preferences,
    Subscriber,
    SubscriberState,
    new_subscriber_id,
)

FREQUENCY = Frequency.MENSUELLE


async def monthly_readers(
    js: JetStreamContext, now: datetime, count: int, prefix: str
) -> tuple[SubscriberStore, dict[str, str]]:
    """Streams and buckets, one piece of news, and `count` confirmed monthly subscribers
    ({email: subscriber id}, emails `<prefix>-<n>-<random>@example.org`)."""
    await provision(js, replicas=1)
    subject, fact = facts.association_validated(
        now - timedelta(hours=1), name="Les Amis du Doubs", themes=("environnement",), quartier=None
    )
    await js.publish(
        subject, fact.model_dump_json().encode(), headers={"Nats-Msg-Id": str(fact.message_id)}
    )
    store = SubscriberStore(await js.key_value("newsletter_subscribers"))
    ids: dict[str, str] = {}
    for n in range(count):
        email = f"{prefix}-{n}-{secrets.token_hex(3)}@example.org"
        subscriber = Subscriber(
            id=new_subscriber_id(),
            email=email,
            preferences=Preferences(frequency=FREQUENCY),
            state=SubscriberState.ACTIVE,
            consent=Consent(requested_at=now, form_version="test", confirmed_at=now),
            created_at=now,
            updated_at=now,
        )
        assert await store.add(subscriber)
        ids[email] = subscriber.id
    return store, ids


@dataclass(frozen=True)
class DigestRun:
    """send-digest of the monthly edition with these settings (VIEASSO_* variables)."""

    nats_url: str
    smtp_port: int
    pool: int
    rate: float
    env: Mapping[str, str] = field(default_factory=dict)

    def start(self, log: Path) -> Process:
        env = {
            "VIEASSO_NATS_URL": self.nats_url,
            "VIEASSO_SMTP_PORT": str(self.smtp_port),
            "VIEASSO_SMTP_POOL_SIZE": str(self.pool),
            "VIEASSO_SEND_RATE": str(self.rate),
            "VIEASSO_SEND_ACK_WAIT": "3",
            "VIEASSO_LOG_JSON": "false",
            **self.env,
        }
        argv = [str(VENV_BIN / "vieasso-newsletter"), "send-digest", "--frequency", FREQUENCY]
        return Process(argv, log=log, env=env).start()

    def killed_then_resumed(
        self, accepted: Callable[[], int], kill_at: int, workdir: Path, finish_within: float
    ) -> int:
        """Killed (-9) once the SMTP server has accepted `kill_at` mails (logs in
        `workdir`/first.log), then run again to the end (second.log), which must exit 0;
        returns how many mails had been accepted at the kill."""
        first = self.start(workdir / "first.log")
        try:
            wait_until(lambda: accepted() >= kill_at, timeout=60)
        finally:
            first.kill()
        before_kill = accepted()
        second = self.start(workdir / "second.log")
        try:
            wait_until(lambda: not second.running, timeout=finish_within, what="send-digest to end")
        finally:
            second.kill()
        assert second.popen is not None
        assert second.popen.returncode == 0, second.output()[-3000:]
        return before_kill


def monthly_edition_id(now: datetime) -> str:
    return edition_id(FREQUENCY, now, ZoneInfo("Europe/Paris"))


async def ledger_states(
    js: JetStreamContext, now: datetime, subscriber_ids: Iterable[str]
) -> dict[str, LedgerState]:
    """{subscriber id: its delivery's state} for the monthly edition of `now`."""
    eid = monthly_edition_id(now)
    kv = await js.key_value("newsletter_deliveries")
    states: dict[str, LedgerState] = {}
    for subscriber_id in subscriber_ids:
        entry = await kv.get(f"{eid}.{subscriber_id}")
        states[subscriber_id] = LedgerEntry.model_validate_json(entry.value or b"").state
    return states
