"""Threads between an annonce's author and one that answers it, and their limits.

``fil.<annonce_id>.<replier>`` holds every message of one conversation. Only the replier
opens it (the first message); then both write. The replier is an association or the city
(`CITY`, « ville »: its team answers as the Service Vie associative). The limits keep a
flood out of anyone's mailbox: per writer per hour (all threads), and per annonce per hour
(one writer). They are counted in ``quota.<slug>`` (`Quota`), claimed by compare-and-set
before each message, so two messages sent at once — on two replicas too — never go over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.annonces import CITY
from vieasso.common.messages.base import Slug, Text
from vieasso.ressources.domain.annonces import EntraideError

HOUR = timedelta(hours=1)


class ThreadMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    by: Slug
    text: Text = Field(min_length=1, max_length=2000)
    at: AwareDatetime


class Thread(BaseModel):
    model_config = ConfigDict(frozen=True)

    annonce_id: Slug
    author: Slug  # the annonce's association
    replier: Slug
    messages: tuple[ThreadMessage, ...] = ()

    @property
    def key(self) -> str:
        return thread_key(self.annonce_id, self.replier)

    @property
    def with_city(self) -> bool:
        return CITY in (self.author, self.replier)

    def other(self, slug: str) -> str:
        return self.replier if slug == self.author else self.author

    def write(self, by: str, text: str, at: datetime) -> Thread:
        message = ThreadMessage(by=by, text=text, at=at)
        return self.model_copy(update={"messages": (*self.messages, message)})


def thread_key(annonce_id: str, replier: str) -> str:
    return f"fil.{annonce_id}.{replier}"


@dataclass(frozen=True)
class Limits:
    per_hour: int = 20  # messages of one association per hour, every thread together
    per_annonce: int = 5  # messages of one association per hour about one annonce


class TooMany(EntraideError):
    """Over a limit (HTTP 429)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 429)


def quota_key(slug: str) -> str:
    return f"quota.{slug}"


class Sent(BaseModel):
    model_config = ConfigDict(frozen=True)

    annonce_id: Slug
    at: AwareDatetime


class Quota(BaseModel):
    """``quota.<slug>``: the messages one association sent in the last hour."""

    model_config = ConfigDict(frozen=True)

    sent: tuple[Sent, ...] = ()

    def claim(self, annonce_id: str, now: datetime, limits: Limits) -> Quota:
        """This quota with one more message about `annonce_id` (what left the hour dropped);
        raises `TooMany` when a limit is reached."""
        since = now - HOUR
        recent = tuple(s for s in self.sent if s.at > since)
        here = sum(1 for s in recent if s.annonce_id == annonce_id)
        if here >= limits.per_annonce:
            raise TooMany(
                f"Vous avez déjà envoyé {here} messages sur cette annonce dans l'heure : "
                "attendez un peu avant d'écrire de nouveau."
            )
        if len(recent) >= limits.per_hour:
            raise TooMany(
                f"Votre association a envoyé {len(recent)} messages dans l'heure : "
                "attendez un peu avant d'écrire de nouveau."
            )
        return Quota(sent=(*recent, Sent(annonce_id=annonce_id, at=now)))
