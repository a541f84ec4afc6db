"""Threads between an annonce's association and one that answers it, and their limits.

``fil.<annonce_id>.<replier>`` holds every message of one conversation. Only the replier
opens it (the first message); then both write. The limits keep a flood out of anyone's
mailbox: per writer per hour (all threads), and per annonce per hour (one writer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

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


def check_rate(
    threads: Iterable[Thread], by: str, annonce_id: str, now: datetime, limits: Limits
) -> None:
    """Raises `TooMany` when `by` wrote too much in the last hour."""
    since = now - HOUR
    total = here = 0
    for thread in threads:
        if by not in (thread.author, thread.replier):
            continue
        recent = sum(1 for m in thread.messages if m.by == by and m.at > since)
        total += recent
        if thread.annonce_id == annonce_id:
            here += recent
    if here >= limits.per_annonce:
        raise TooMany(
            f"Vous avez déjà envoyé {here} messages sur cette annonce dans l'heure : "
            "attendez un peu avant d'écrire de nouveau."
        )
    if total >= limits.per_hour:
        raise TooMany(
            f"Votre association a envoyé {total} messages dans l'heure : "
            "attendez un peu avant d'écrire de nouveau."
        )
