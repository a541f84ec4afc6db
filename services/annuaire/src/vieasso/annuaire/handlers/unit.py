"""What every use case needs, passed in (tests hand in their own clock and publish)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from vieasso.annuaire.adapters.identifiers import Identifiers
from vieasso.annuaire.adapters.index import DirectoryIndex
from vieasso.annuaire.adapters.kv import KvRepository
from vieasso.annuaire.adapters.letter import LetterChoices
from vieasso.annuaire.adapters.links import SignInLinks
from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.errors import InvalidInput
from vieasso.annuaire.domain.missions import MissionRecord
from vieasso.common.clock import Clock
from vieasso.common.http.shared_limit import SharedRateLimit
from vieasso.common.messages.annuaire import VenuePublic
from vieasso.common.nats.publish import Publish
from vieasso.common.validation import french_errors

PARIS = ZoneInfo("Europe/Paris")
M = TypeVar("M", bound=BaseModel)


@dataclass
class Annuaire:
    associations: KvRepository[AssociationRecord]
    missions: KvRepository[MissionRecord]
    venues: KvRepository[VenuePublic]
    identifiers: Identifiers
    index: DirectoryIndex
    publish: Publish
    clock: Clock
    links: SignInLinks
    link_limit: SharedRateLimit
    """At most a few sign-in links per association per hour (nobody can mail-bomb one)."""
    letters: LetterChoices
    public_url: str
    """The annuaire's public base URL (no trailing slash), for links in mails."""

    def today(self) -> date:
        """Today in Besançon (end dates are local dates)."""
        return self.clock.now().astimezone(PARIS).date()


def revalidate(model: type[M], data: dict[str, object]) -> M:
    """Validate merged fields again as a whole; errors become French field errors."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(french_errors(exc)) from exc
