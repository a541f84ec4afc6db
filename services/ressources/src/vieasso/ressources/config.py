"""Settings of the ressources service."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from vieasso.common.settings import Settings


class RessourcesSettings(Settings):
    """Ressources settings: ``VIEASSO_*`` like the rest of the platform."""

    ressources_max_loans_per_season: int = Field(
        default=6, ge=0, le=1000, description="Loans per association per season (0: no maximum)."
    )
    ressources_season_start_month: int = Field(
        default=1, ge=1, le=12, description="Month a season starts (1: the calendar year)."
    )
    ressources_municipal_event_days: tuple[date, ...] = Field(
        default=(),
        description="Municipal event days (JSON list of dates): requests on them are warned.",
    )
    ressources_cas_attempts: int = Field(
        default=40, ge=1, le=1000, description="Compare-and-set attempts before « réessayez »."
    )
    ressources_republish_window_seconds: int = Field(
        default=600, ge=0, description="Loan facts of the last changes published again at start."
    )
    ressources_overdue_sweep_seconds: float = Field(
        default=3600.0, gt=0, description="Seconds between two sweeps for overdue loans."
    )
    ressources_mail_sweep_seconds: float = Field(
        default=600.0,
        gt=0,
        description="Seconds between two rounds of the mail sweeper (reminders, mails owed).",
    )
    ressources_mail_replay_window_seconds: int = Field(
        default=3 * 24 * 3600,
        ge=0,
        le=90 * 24 * 3600,
        description=(
            "Loan steps of this window whose mail this process has not asked are asked at "
            "each mail sweep, the first at start (the newsletter sends each key once; its "
            "ledger keeps keys 120 days)."
        ),
    )
    ressources_reminder_from_hour: int = Field(
        default=8, ge=0, le=23, description="Reminders go out from this hour (Europe/Paris)."
    )
    ressources_annonces_sweep_seconds: float = Field(
        default=3600.0, gt=0, description="Seconds between two sweeps for expired annonces."
    )
    ressources_entraide_per_hour: int = Field(
        default=20, ge=1, le=10_000, description="Entraide messages per association per hour."
    )
    ressources_entraide_per_annonce: int = Field(
        default=5,
        ge=1,
        le=10_000,
        description="Entraide messages per association per hour about one annonce.",
    )
