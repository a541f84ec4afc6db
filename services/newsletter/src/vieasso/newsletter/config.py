"""Settings of the newsletter service."""

from __future__ import annotations

from vieasso.common.settings import Settings


class NewsletterSettings(Settings):
    """Newsletter settings: ``VIEASSO_*`` like the rest of the platform."""

    @property
    def port(self) -> int:
        return self.newsletter_port
