"""Settings of the agenda service."""

from __future__ import annotations

from vieasso.common.settings import Settings


class AgendaSettings(Settings):
    """Agenda settings: ``VIEASSO_*`` like the rest of the platform."""

    @property
    def port(self) -> int:
        return self.agenda_port
