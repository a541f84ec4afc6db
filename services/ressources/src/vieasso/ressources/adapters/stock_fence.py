"""The city's stock written on the entry's availability record, by the same compare-and-set
as the approvals: lowering a stock and approving a loan cannot interleave so that more units
are approved than the stock finally saved (`domain.availability.AvailabilityRecord.restock`).

A lowered stock is fenced here before the catalogue saves it; a raised one after (meanwhile
the approvals keep to the lower of the two: never more than the city has)."""

from __future__ import annotations

import random
from datetime import date

from nats.js.kv import KeyValue

from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.adapters import availability
from vieasso.ressources.adapters.availability import AvailabilityMirror, AvailabilityStore
from vieasso.ressources.adapters.catalogue import StorageError
from vieasso.ressources.domain.errors import TryAgain

ATTEMPTS = 20


class StockFence:
    def __init__(self, kv: KeyValue) -> None:
        # a copy that is not watching: each change starts from the record on the server
        jitter = random.Random()  # noqa: S311 - retry jitter, not a secret
        self._store = AvailabilityStore(kv, AvailabilityMirror(), attempts=ATTEMPTS, rng=jitter)

    async def __call__(
        self, kind: ResourceKind, entry_id: str, stock: int, name: str, today: date
    ) -> None:
        """Raises `StockBelowHeld` (more units approved on a day from `today` on)."""
        try:
            await self._store.change(kind, entry_id, lambda r: r.restock(stock, name, today))
        except (availability.StorageError, TryAgain) as exc:
            raise StorageError(f"stock of {entry_id} not fenced: {exc!r}") from exc
