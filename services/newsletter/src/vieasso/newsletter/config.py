"""Settings of the newsletter service (``VIEASSO_*`` environment variables)."""

from __future__ import annotations

import re
from datetime import time
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator

from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.settings import Settings

_ADDRESS = re.compile(r"[^@\s<>,]+@[^@\s<>,]+")
DEV_TOKEN_SECRET = "dev-newsletter-secret-change-me"  # noqa: S105 - development default


class NewsletterSettings(Settings):
    """Newsletter settings: SMTP relay, sender identity, tokens, schedule, abuse limits."""

    development_secrets: ClassVar[dict[str, str]] = {
        **Settings.development_secrets,
        "token_secret": DEV_TOKEN_SECRET,
    }

    smtp_host: str = Field(default="127.0.0.1", description="SMTP relay (the `make run` sink).")
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(default=False, description="Upgrade with STARTTLS after EHLO.")
    smtp_tls: bool = Field(default=False, description="Implicit TLS (port 465).")
    smtp_timeout: float = Field(default=30.0, gt=0, description="Seconds per SMTP command.")
    smtp_pool_size: int = Field(default=8, ge=1, le=128, description="SMTP connections.")
    send_rate: float = Field(
        default=0.0, ge=0, description="Global limit in mails per second (0: no limit)."
    )
    send_max_attempts: int = Field(
        default=8, ge=1, description="Attempts on 4xx answers and connection errors."
    )
    send_retry_base: float = Field(
        default=30.0, gt=0, description="First retry delay in seconds, doubled each time."
    )
    send_ack_wait: float = Field(
        default=60.0, gt=0, description="Seconds before a batch held by a dead sender returns."
    )
    send_retry_max: float = Field(default=3600.0, gt=0, description="Longest retry delay (s).")

    mail_from_address: str = "lettre@vie-associative.besancon.fr"
    mail_from_name: str = "Vie associative Besançon"
    list_id: str = Field(
        default="lettre.vie-associative.besancon.fr", description="List-Id of the digest."
    )
    unsubscribe_mailto: str | None = Field(
        default=None, description="Optional mailto: address also offered in List-Unsubscribe."
    )

    token_secret: SecretStr = Field(
        default=SecretStr(DEV_TOKEN_SECRET), description="HMAC key of the links in mails."
    )
    confirm_token_hours: int = Field(default=72, ge=1, description="Confirmation link lifetime.")
    manage_token_days: int = Field(
        default=365, ge=1, description="Lifetime of preferences/export/erase links in mails."
    )
    form_version: str = Field(default="2026-11", description="Version of the consent wording.")
    subscribe_limit_per_ip: int = Field(
        default=10, ge=1, description="Subscription requests per IP per window."
    )
    subscribe_window_seconds: int = Field(
        default=600,
        ge=1,
        le=86_400,  # the TTL of the bucket `newsletter_limits`
        description="Window of subscribe_limit_per_ip (seconds, at most a day).",
    )
    confirmation_interval_seconds: int = Field(
        default=3600,
        ge=0,
        description="At most one confirmation mail per address in this many seconds.",
    )
    subscribe_queue: int = Field(
        default=1000,
        ge=1,
        description="Subscription requests taken but not yet handled, beyond which 503.",
    )
    subscribe_recover_after_seconds: int = Field(
        default=300,
        ge=5,
        le=43_200,  # well within the day `newsletter_requests` keeps a request
        description=(
            "A subscription request still waiting this many seconds after it was taken was "
            "left behind (its replica died): one replica handles it (lease "
            "`newsletter.requests`), looking every half of this."
        ),
    )

    digest_weekday: int = Field(default=0, ge=0, le=6, description="0 = Monday.")
    digest_time: time = Field(default=time(8, 0), description="Local time of the weekly run.")
    digest_timezone: str = "Europe/Paris"
    digest_schedule: bool = Field(default=True, description="Run editions on the schedule.")
    digest_event_days: int = Field(default=21, ge=1, description="Events of the coming N days.")
    digest_max_items: int = Field(
        default=8, ge=1, description="Items per section in one subscriber's mail."
    )
    default_frequency: Frequency = Frequency.HEBDOMADAIRE

    letter_list_id: str = Field(
        default="associations.lettre.vie-associative.besancon.fr",
        description="List-Id of the associations' letter (distinct from the digest's).",
    )
    letter_weekday: int = Field(
        default=0, ge=0, le=6, description="Associations' letter: first such day of the month."
    )
    letter_time: time = Field(
        default=time(8, 0), description="Local time of the associations' letter (monthly)."
    )
    letter_event_days: int = Field(
        default=42, ge=1, description="Associations' letter: events of the coming N days."
    )

    courrier_city_teams: dict[str, list[str]] = Field(
        default={
            "vie-associative": ["vie-associative@ville.localhost"],
            "prets": ["prets@ville.localhost"],
        },
        description=(
            'Teams of the city that services may mail (`{"city": team}`): team code → '
            "addresses, as JSON (`prets`: the lending team, told of new loan requests and "
            "cancellations). The default suits development only."
        ),
    )

    @field_validator("courrier_city_teams")
    @classmethod
    def _teams_have_addresses(cls, teams: dict[str, list[str]]) -> dict[str, list[str]]:
        for team, addresses in teams.items():
            if not re.fullmatch(SLUG_PATTERN, team):
                raise ValueError(f"team code {team!r}: lower-case words joined by hyphens")
            if not addresses or not all(_ADDRESS.fullmatch(a) for a in addresses):
                raise ValueError(f"team {team!r}: one or more email addresses")
        return teams

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.digest_timezone)

    @property
    def base_url(self) -> str:
        return self.public_url("newsletter")
