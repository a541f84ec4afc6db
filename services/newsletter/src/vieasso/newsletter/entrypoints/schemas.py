"""Bodies of the HTTP API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from vieasso.common.messages.base import Code
from vieasso.common.messages.newsletter import Frequency
from vieasso.newsletter.domain.subscriber import ALL_TOPICS, Preferences, Topic


class SubscriptionRequest(BaseModel):
    """A subscription request (double opt-in: nothing is sent before confirmation)."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    themes: list[Code] = Field(default_factory=list, max_length=50)
    quartiers: list[Code] = Field(default_factory=list, max_length=50)
    topics: list[Topic] = Field(default_factory=lambda: list(ALL_TOPICS), min_length=1)
    frequency: Frequency = Frequency.HEBDOMADAIRE
    website: str | None = Field(default=None, description="Leave empty (anti-robot field).")

    def preferences(self) -> Preferences:
        return Preferences(
            themes=tuple(sorted(set(self.themes))),
            quartiers=tuple(sorted(set(self.quartiers))),
            topics=tuple(t for t in ALL_TOPICS if t in self.topics),
            frequency=self.frequency,
        )


def unknown_codes(service: Any, preferences: Preferences) -> list[str]:
    """French messages for theme or quartier codes the reference data does not know."""
    errors = [f"Thème inconnu : {c}" for c in preferences.themes if c not in service.themes]
    errors += [
        f"Quartier inconnu : {c}" for c in preferences.quartiers if c not in service.quartiers
    ]
    return errors
