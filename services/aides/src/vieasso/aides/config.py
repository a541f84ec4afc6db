"""Settings of the aides service."""

from __future__ import annotations

from pydantic import Field

from vieasso.aides.config_sync import SyncSettings


class AidesSettings(SyncSettings):
    """Aides settings: ``VIEASSO_*`` like the rest of the platform."""

    aides_alerts_interval_minutes: int = Field(
        default=24 * 60,
        ge=0,
        le=7 * 24 * 60,
        description=(
            "Minutes between two sweeps of the deadline alert mails (the first at start); "
            "0: no alert mails from this process."
        ),
    )
    aides_city_name: str = Field(
        default="Ville de Besançon",
        min_length=1,
        max_length=200,
        description="The awarding body's name in the SCDL export (`nomAttribuant`).",
    )
    aides_city_siret: str = Field(
        default="",
        pattern=r"^(\d{14})?$",
        description=(
            "The city's SIRET in the SCDL export (`idAttribuant`, 14 digits); empty until "
            "the operator sets it (the column is then empty)."
        ),
    )
