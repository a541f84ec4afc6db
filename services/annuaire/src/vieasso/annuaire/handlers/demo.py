"""Loading the demo directory (idempotent): validated associations, then their missions, and
a demo token for the first two associations so that a newcomer can try their space."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from dataclasses import dataclass

from vieasso.annuaire.adapters import demo_data
from vieasso.annuaire.adapters.csv_layouts import Row
from vieasso.annuaire.domain.commands import MissionFields
from vieasso.annuaire.domain.errors import DomainError
from vieasso.annuaire.handlers.associations import hash_token, issue_token
from vieasso.annuaire.handlers.imports import Action, ImportReport, import_rows
from vieasso.annuaire.handlers.missions import publish_mission
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.messages.annuaire import AssociationState, MissionState

DEMO_TOKENS = 2
DEMO_TOKEN_PREFIX = "demo-"  # noqa: S105 - a marker, not a secret


@dataclass(frozen=True)
class DemoAccess:
    """How to act as a demo association: its slug and its demo token."""

    slug: str
    name: str
    token: str


@dataclass(frozen=True)
class DemoReport:
    associations: ImportReport
    missions_published: int
    missions_present: int
    access: tuple[DemoAccess, ...] = ()


def demo_token(secret: str, slug: str) -> str:
    """The demo token of `slug`: the same on every run, so that it can be printed again
    (only its hash is stored). Derived from `secret`, the city's admin token, which already
    allows everything: nobody without it can compute the token."""
    digest = hmac.new(secret.encode(), f"vieasso-demo-token:{slug}".encode(), hashlib.sha256)
    return DEMO_TOKEN_PREFIX + base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


async def _demo_access(app: Annuaire, slugs: list[str], secret: str) -> tuple[DemoAccess, ...]:
    """The first demo associations (by slug, those the agenda demo gives events) get their
    demo token, written only when it is not already theirs."""
    access = []
    for slug in sorted(slugs)[:DEMO_TOKENS]:
        record = app.index.association(slug)
        if record is None or record.state is not AssociationState.VALIDATED:
            continue
        token = demo_token(secret, slug)
        if not hmac.compare_digest(record.token_hash or "", hash_token(token)):
            await issue_token(app, slug, token)
        access.append(DemoAccess(slug, record.name, token))
    return tuple(access)


def _has_mission(app: Annuaire, slug: str, title: str) -> bool:
    """An open or filled mission with this title already exists (closed ones do not count)."""
    for mission_id in app.index.missions_of.get(slug, ()):
        mission = app.index.mission(mission_id)
        if mission and mission.title == title and mission.state is not MissionState.CLOSED:
            return True
    return False


async def load_demo(
    app: Annuaire,
    *,
    count: int,
    missions: int,
    seed: int,
    concurrency: int = 16,
    token_secret: str | None = None,
) -> DemoReport:
    """The demo directory; with `token_secret`, demo tokens too (see `demo_token`)."""
    demo = demo_data.associations(count, seed)
    rows = [Row(line=i + 1, fields=a.fields, contact=a.contact) for i, a in enumerate(demo)]
    report = await import_rows(app, rows, state=AssociationState.VALIDATED, concurrency=concurrency)
    slugs = [r.slug for r in report.results if r.slug and r.action is not Action.REFUSED]
    wanted = demo_data.missions(slugs, missions, seed, app.today()) if slugs else []
    todo: list[tuple[str, MissionFields]] = []
    seen: set[tuple[str, str]] = set()
    for slug, fields in wanted:
        if (slug, fields.title) not in seen and not _has_mission(app, slug, fields.title):
            todo.append((slug, fields))
        seen.add((slug, fields.title))
    published = 0
    for start in range(0, len(todo), concurrency):
        chunk = todo[start : start + concurrency]
        results = await asyncio.gather(
            *(publish_mission(app, slug, fields) for slug, fields in chunk),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, DomainError):
                raise result
            published += not isinstance(result, BaseException)
    access = await _demo_access(app, slugs, token_secret) if token_secret else ()
    return DemoReport(report, published, len(wanted) - len(todo), access)
