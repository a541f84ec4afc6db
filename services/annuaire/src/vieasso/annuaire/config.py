"""Settings of the annuaire service."""

from __future__ import annotations

from vieasso.common.settings import Settings


class AnnuaireSettings(Settings):
    """Annuaire settings: ``VIEASSO_*`` like the rest of the platform."""

    @property
    def port(self) -> int:
        return self.annuaire_port
