"""Settings of the Aides-territoires sync (part of `AidesSettings`)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from vieasso.common.settings import Settings

SITE = "https://aides-territoires.beta.gouv.fr"


class SyncSettings(Settings):
    aides_territoires_token: SecretStr | None = Field(
        default=None,
        description=(
            "API token of an Aides-territoires account (its « Mon compte › API » page), sent "
            "as X-AUTH-TOKEN to get a JWT. Unset: the sync says so and does nothing."
        ),
    )
    aides_territoires_url: str = Field(
        default=SITE, pattern=r"^https?://[^/\s]+$", description="The API's site, no path."
    )
    aides_territoires_insee: str = Field(
        default="25056",
        pattern=r"^[0-9][0-9AB][0-9]{3}$",
        description=(
            "INSEE code of the commune whose perimeter is synced (Besançon): the API adds the "
            "perimeters around it (Grand Besançon, Doubs, Bourgogne-Franche-Comté, France)."
        ),
    )
    aides_sync_interval_minutes: int = Field(
        default=24 * 60,
        ge=0,
        le=7 * 24 * 60,
        description="Minutes between two scheduled syncs in the service; 0: no scheduled sync.",
    )
    aides_sync_backoff_seconds: float = Field(
        default=1.0, gt=0, le=60, description="First wait before retrying a failed page (doubles)."
    )

    @field_validator("aides_territoires_token", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """`VIEASSO_AIDES_TERRITOIRES_TOKEN=` (as secrets.env ships it) means no token."""
        if isinstance(value, str):
            return value.strip() or None
        return value
