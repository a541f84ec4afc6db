"""The season tallies (`domain.fairness.SeasonTally`), kept in ``ressources_loans`` under
``saison.<slug>.<season>`` (a loan id has no dot: the keys cannot meet) and written by
compare-and-set only."""

from __future__ import annotations

from nats.errors import Error as NatsError
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from vieasso.ressources.adapters.availability import StorageError
from vieasso.ressources.domain.fairness import SeasonTally

PREFIX = "saison."


def season_key(slug: str, season: int) -> str:
    return f"{PREFIX}{slug}.{season}"


class SeasonStore:
    def __init__(self, kv: KeyValue, *, attempts: int) -> None:
        self.kv = kv
        self.attempts = attempts  # compare-and-set rounds before « réessayez »

    async def read(self, slug: str, season: int) -> tuple[SeasonTally, int]:
        """The stored tally and its revision (0: none yet), from the server."""
        key = season_key(slug, season)
        try:
            entry = await self.kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return SeasonTally(), 0
        except NatsError as exc:
            raise StorageError(f"{key}: {exc!r}") from exc
        return SeasonTally.model_validate_json(entry.value or b""), entry.revision or 0

    async def write(self, slug: str, season: int, tally: SeasonTally, *, last: int) -> bool:
        """Store `tally` if the record is still at revision `last`; False when it is not."""
        key, data = season_key(slug, season), tally.model_dump_json().encode()
        try:
            if last == 0:
                await self.kv.create(key, data)
            else:
                await self.kv.update(key, data, last=last)
        except KeyWrongLastSequenceError:
            return False
        except NatsError as exc:
            raise StorageError(f"{key}: {exc!r}") from exc
        return True
