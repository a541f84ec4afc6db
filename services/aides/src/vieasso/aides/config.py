"""Settings of the aides service."""

from __future__ import annotations

from vieasso.common.settings import Settings


class AidesSettings(Settings):
    """Aides settings: ``VIEASSO_*`` like the rest of the platform."""
