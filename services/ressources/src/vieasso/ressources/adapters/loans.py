"""``ressources_loans``: one record per loan, written by compare-and-set.

A step reads the loan and its revision, lets the state machine decide, and writes with
``update(last=revision)``: when two agents click at once one write wins, the other gets
`Conflict` (a French message) and nothing is overwritten.
"""

from __future__ import annotations

from nats.errors import Error as NatsError
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from vieasso.ressources.adapters.availability import StorageError
from vieasso.ressources.adapters.seasons import PREFIX as SEASONS
from vieasso.ressources.adapters.watched import Watched
from vieasso.ressources.domain.errors import Conflict, LoanNotFound
from vieasso.ressources.domain.loans import Loan

BUCKET = "ressources_loans"


def parse(value: bytes) -> Loan:
    return Loan.model_validate_json(value)


class LoanMirror(Watched[Loan]):
    """Every loan in memory: lists and the per-season count (never a decision)."""

    def __init__(self) -> None:
        super().__init__(BUCKET, parse)

    def wanted(self, key: str) -> bool:
        return not key.startswith(SEASONS)  # the season tallies share the bucket

    def of_association(self, slug: str) -> list[Loan]:
        return sorted(
            (loan for loan in self.items.values() if loan.association_slug == slug),
            key=lambda loan: (loan.created_at, loan.id),
            reverse=True,
        )


class LoanStore:
    def __init__(self, kv: KeyValue, mirror: LoanMirror) -> None:
        self.kv = kv
        self.mirror = mirror

    async def get(self, loan_id: str) -> tuple[Loan, int]:
        """The stored loan and its revision; `LoanNotFound` when there is none."""
        try:
            entry = await self.kv.get(loan_id)
        except (KeyNotFoundError, KeyDeletedError) as exc:
            raise LoanNotFound() from exc
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{loan_id}: {exc!r}") from exc
        return parse(entry.value or b""), entry.revision or 0

    async def write(self, loan: Loan, *, last: int) -> int:
        """Store `loan` if its record is still at revision `last` (0: a new loan)."""
        data = loan.model_dump_json().encode()
        try:
            if last == 0:
                revision = await self.kv.create(loan.id, data)
            else:
                revision = await self.kv.update(loan.id, data, last=last)
        except KeyWrongLastSequenceError as exc:
            raise Conflict() from exc
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{loan.id}: {exc!r}") from exc
        self.mirror.apply(loan.id, loan, revision)
        return revision
