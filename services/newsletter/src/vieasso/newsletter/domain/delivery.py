"""Delivery ledger states and what an SMTP answer means for a delivery.

The ledger entry of (edition, subscriber) is written *before* the SMTP transaction as
``sending`` and after it with the outcome. A delivery found ``sending`` on redelivery was
interrupted mid-transaction: it is never sent again (at most once), and counted
``uncertain``.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict


class LedgerState(StrEnum):
    SENDING = "sending"
    DEFERRED = "deferred"  # a temporary failure: safe to try again
    SENT = "sent"
    BOUNCED = "bounced"  # hard bounce: the subscriber is suspended
    FAILED = "failed"  # refused by policy or out of attempts: not the subscriber's fault
    SKIPPED = "skipped"  # unsubscribed or erased since the edition was built

    @property
    def final(self) -> bool:
        return self not in (LedgerState.SENDING, LedgerState.DEFERRED)


class LedgerEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: LedgerState
    attempts: int = 0
    at: AwareDatetime
    code: int | None = None


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    BOUNCE = "bounce"
    FAIL = "fail"


_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_ADDRESS_PROBLEMS = {"1", "2"}  # 5.1.x bad address, 5.2.x mailbox status


def classify(code: int, message: str = "") -> Outcome:
    """4xx → retry; 5xx about the address or mailbox → bounce; other 5xx (5.7.x policy,
    5.3.x/5.4.x system or routing) → fail without blaming the subscriber."""
    if 200 <= code < 300:  # noqa: PLR2004
        return Outcome.SENT
    if 400 <= code < 500:  # noqa: PLR2004
        return Outcome.RETRY
    enhanced = _ENHANCED.search(message)
    if enhanced is None or enhanced.group(2) in _ADDRESS_PROBLEMS:
        return Outcome.BOUNCE
    return Outcome.FAIL


def backoff(attempt: int, base: float, cap: float) -> float:
    """Delay before attempt `attempt + 1`: base, 2×base, 4×base… at most `cap`."""
    return float(min(cap, base * 2 ** max(0, attempt - 1)))
