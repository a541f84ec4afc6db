"""Settings of the aides service."""

from __future__ import annotations

from vieasso.aides.config_sync import SyncSettings


class AidesSettings(SyncSettings):
    """Aides settings: ``VIEASSO_*`` like the rest of the platform."""
