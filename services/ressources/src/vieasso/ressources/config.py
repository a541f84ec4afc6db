"""Settings of the ressources service."""

from __future__ import annotations

from vieasso.common.settings import Settings


class RessourcesSettings(Settings):
    """Ressources settings: ``VIEASSO_*`` like the rest of the platform."""
