"""Use cases on the aid schemes: the city creates and edits its own, publishes and
withdraws them; the sync stores synced ones through `store` too.

Write order: the compare-and-set on ``aides_schemes`` first (the scheme is saved, with the
fact it owes in `last_change`), then the fact, whose message id is
`uuid5(aides_schemes/<id>/<version>/<change>)`: publishing the same version again (a retried
request, the start-up catch-up) is dropped by JetStream inside its duplicate window. A
scheme that did not change is not written and announces nothing (loading the demo twice
changes nothing).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from vieasso.aides.adapters.bucket import WatchedBucket
from vieasso.aides.domain.calendar import local_day
from vieasso.aides.domain.errors import InvalidInput, NotEditable, SchemeNotFound, StaleRecord
from vieasso.aides.domain.errors import field_error as error
from vieasso.aides.domain.schemes import AidScheme, SchemeState
from vieasso.common import subjects
from vieasso.common.clock import Clock
from vieasso.common.directory import DirectoryView
from vieasso.common.messages.aides import (
    SchemeFact,
    SchemePublished,
    SchemeUpdated,
    SchemeWithdrawn,
)
from vieasso.common.nats.publish import Publish
from vieasso.common.subjects import SchemeChange
from vieasso.common.validation import french_errors

BUCKET = "aides_schemes"
NAMESPACE = uuid.UUID("6f1c2e8a-4b3d-4a57-9e0f-2c7d8b5a1e94")
SERVER_SET = frozenset(
    {"id", "record", "state", "version", "last_change", "created_at", "updated_at",
     "published_at", "source"}
)  # fmt: skip
FACTS: dict[SchemeChange, type[SchemeFact]] = {
    SchemeChange.PUBLISHED: SchemePublished,
    SchemeChange.UPDATED: SchemeUpdated,
    SchemeChange.WITHDRAWN: SchemeWithdrawn,
}


@dataclass
class Schemes:
    """What the schemes' use cases work with (built once NATS is connected)."""

    store: WatchedBucket[AidScheme]
    publish: Publish
    clock: Clock
    directory: DirectoryView | None = None  # the theme and quartier codes the city may use
    unannounced: dict[str, int] = field(default_factory=dict)  # id → version owed

    def published(self) -> list[AidScheme]:
        return [s for s in self.store.values() if s.published]


def change_between(before: AidScheme | None, after: AidScheme) -> SchemeChange | None:
    """The fact a new version owes: what the public pages see change."""
    was = before is not None and before.published
    if after.published:
        return SchemeChange.UPDATED if was else SchemeChange.PUBLISHED
    return SchemeChange.WITHDRAWN if was else None


async def store(unit: Schemes, scheme: AidScheme, *, last: int | None) -> AidScheme:
    """Write `scheme` as the next version of its record (compare-and-set on `last`, None for
    a new one) and publish the fact it owes. Unchanged content: nothing written; a fact
    still owed for the stored version is published again. Used by the city's forms and by
    the sync (which sets `source`, `state` itself)."""
    current = unit.store.get(scheme.id)
    if (current.revision if current else None) != last:
        raise StaleRecord()
    before = current.value if current else None
    if before is not None and _same(before, scheme):
        if unit.unannounced.get(before.id) == before.version:
            await announce(unit, before)
        return before
    now = unit.clock.now()
    change = change_between(before, scheme)
    updates: dict[str, Any] = {
        "version": before.version + 1 if before else 0,
        "last_change": change,
        "updated_at": now,
        "created_at": before.created_at if before else now,
    }
    if change is SchemeChange.PUBLISHED and scheme.published_at is None:
        updates["published_at"] = now
    saved = scheme.model_copy(update=updates)
    await unit.store.write(saved.id, saved, last=last)
    await announce(unit, saved)
    return saved


def _same(a: AidScheme, b: AidScheme) -> bool:
    volatile = {"version", "last_change", "created_at", "updated_at", "published_at"}
    return a.model_dump(exclude=volatile) == b.model_dump(exclude=volatile)


async def save_city_scheme(
    unit: Schemes,
    scheme_id: str,
    data: Mapping[str, Any],
    *,
    new: bool = False,
    revision: int | None = None,
) -> AidScheme:
    """Create (`new`) or change the city's scheme `scheme_id` from `data` (its editable
    fields). Raises `InvalidInput` with per-field French errors, `StaleRecord` when the
    record moved since `revision`, `NotEditable` for a synced scheme."""
    current = unit.store.get(scheme_id)
    if new and current is not None:
        message = "Un dispositif existe déjà sous cet identifiant : choisissez-en un autre."
        raise InvalidInput([error("id", message, "already_exists")])
    if not new and current is None:
        raise SchemeNotFound()
    if current is not None and not current.value.editable_by_city:
        raise NotEditable()
    if not new and (current is None or current.revision != revision):
        raise StaleRecord()
    now = unit.clock.now()
    base = current.value.model_dump(include=set(SERVER_SET)) if current else {}
    values = {k: v for k, v in data.items() if k not in SERVER_SET}
    values |= base | {"id": scheme_id, "created_at": base.get("created_at", now)}
    values.setdefault("updated_at", now)
    try:
        scheme = AidScheme.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(french_errors(exc)) from exc
    _check_reference(unit, scheme)
    return await store(unit, scheme, last=current.revision if current else None)


def _check_reference(unit: Schemes, scheme: AidScheme) -> None:
    """Themes and quartiers must be the directory's codes (matching compares them)."""
    if unit.directory is None:
        return
    errors = []
    unknown = [t for t in scheme.themes if unit.directory.theme(t) is None]
    if unknown:
        message = f"Thème inconnu de l'annuaire : {', '.join(unknown)}."
        errors.append(error("themes", message, "unknown_theme"))
    unknown = [q for q in scheme.eligibility.quartiers if unit.directory.quartier(q) is None]
    if unknown:
        message = f"Quartier inconnu de l'annuaire : {', '.join(unknown)}."
        errors.append(error("eligibility.quartiers", message, "unknown_quartier"))
    if errors:
        raise InvalidInput(errors)


async def set_state(
    unit: Schemes, scheme_id: str, state: SchemeState, *, revision: int | None = None
) -> AidScheme:
    """Publish or withdraw the city's scheme (a synced one follows its source)."""
    current = unit.store.get(scheme_id)
    if current is None:
        raise SchemeNotFound()
    if not current.value.editable_by_city:
        raise NotEditable()
    if revision is not None and current.revision != revision:
        raise StaleRecord()
    if state is SchemeState.PUBLISHED:
        _check_publishable(current.value, unit)
    changed = current.value.model_copy(update={"state": state})
    return await store(unit, changed, last=current.revision)


def _check_publishable(scheme: AidScheme, unit: Schemes) -> None:
    """A one-date call already closed would be published with no way to apply."""
    if scheme.deadlines.kind == "date" and scheme.deadlines.deadline < local_day(unit.clock.now()):
        message = "La date limite est passée : changez-la avant de publier le dispositif."
        raise InvalidInput([error("deadlines.deadline", message, "deadline_passed")])


def fact_id(scheme: AidScheme, change: SchemeChange) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{BUCKET}/{scheme.id}/{scheme.version}/{change}")


async def announce(unit: Schemes, scheme: AidScheme) -> None:
    """The fact `scheme`'s version owes; remembered as owed until JetStream acknowledges."""
    change = scheme.last_change
    if change is None:
        return
    unit.unannounced[scheme.id] = scheme.version
    fact = FACTS[change](
        message_id=fact_id(scheme, change),
        occurred_at=scheme.updated_at,
        change=change,
        scheme=scheme.public(local_day(scheme.updated_at)),
    )
    await unit.publish(subjects.scheme(scheme.id, change), fact)
    if unit.unannounced.get(scheme.id) == scheme.version:
        del unit.unannounced[scheme.id]


async def announce_recent(unit: Schemes, window: timedelta) -> int:
    """At start: the facts of the schemes changed within `window` again (same ids), in case
    the process stopped between a write and its fact. Returns how many."""
    since = unit.clock.now() - window
    recent = [s for s in unit.store.values() if s.updated_at >= since and s.last_change]
    for scheme in recent:
        await announce(unit, scheme)
    return len(recent)
