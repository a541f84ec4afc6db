"""Settings of the annuaire service."""

from __future__ import annotations

from pydantic import Field

from vieasso.common.settings import Settings


class AnnuaireSettings(Settings):
    """Annuaire settings: ``VIEASSO_*`` like the rest of the platform."""

    mission_sweep_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often missions past their end date are closed (seconds).",
    )
    republish_window_seconds: float = Field(
        default=120.0,
        ge=0,
        description=(
            "At start, facts of records changed this recently are published again with their "
            "deterministic id (JetStream drops those already stored): a crash between the KV "
            "write and the fact loses no fact. Keep it within the stream's duplicate window; "
            "0 turns it off."
        ),
    )
    registration_limit_per_ip: int = Field(
        default=10,
        ge=1,
        description="Registrations accepted per visitor (IPv6: per /64) per window.",
    )
    registration_window_seconds: int = Field(
        default=3600,
        ge=1,
        le=86_400,  # the TTL of the bucket `annuaire_limits`
        description="Window of registration_limit_per_ip (seconds, at most a day).",
    )
    signin_requests_per_ip: int = Field(
        default=10,
        ge=1,
        description="Sign-in link requests per visitor (IPv6: per /64) per window.",
    )
    signin_links_per_association: int = Field(
        default=3,
        ge=1,
        description=(
            "Sign-in links mailed to one association per window; more requests get the same "
            "answer and no mail (nobody can flood an association's mailbox)."
        ),
    )
    signin_window_seconds: int = Field(
        default=3600,
        ge=1,
        le=86_400,
        description="Window of the two sign-in limits (seconds, at most a day).",
    )
