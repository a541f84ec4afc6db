"""Platform settings, read from ``VIEASSO_*`` environment variables (and a ``.env`` file)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host).geturl()


DEV_ADMIN_TOKEN = "dev-admin-token"  # noqa: S105 - the development default, refused in production
MIN_ADMIN_TOKEN_LENGTH = 24


class Settings(BaseSettings):
    """Settings every service reads; each service subclasses it for its own."""

    model_config = SettingsConfigDict(
        env_prefix="VIEASSO_", env_file=".env", extra="ignore", frozen=True
    )

    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        description="NATS server(s), comma-separated for a cluster.",
    )
    nats_user: str | None = Field(
        default=None,
        description=(
            "NATS user of this service (deploy/nats/accounts.conf); a user in the URL works too."
        ),
    )
    nats_password: SecretStr | None = Field(default=None, description="Password of nats_user.")
    nats_replicas: int = Field(
        default=1,
        ge=1,
        le=5,
        description="Replicas of every stream and KV bucket (3 in production).",
    )
    nats_publish_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for JetStream's publish acknowledgement."
    )
    admin_token: SecretStr = Field(
        default=SecretStr(DEV_ADMIN_TOKEN),
        description="Bearer token of the city's Service Vie Associative.",
    )
    public_base_url: AnyHttpUrl | None = Field(
        default=None,
        description=(
            "Public URL of the platform behind the reverse proxy (links in feeds, pages and "
            "mails). Unset in development: each service is then reached on its own port."
        ),
    )
    domain: str = Field(
        default="vie-associative.besancon.fr",
        description="Domain used in iCalendar UIDs and Message-IDs.",
    )
    http_host: str = Field(default="127.0.0.1", description="Address the HTTP server binds.")
    annuaire_port: int = 8001
    agenda_port: int = 8002
    newsletter_port: int = 8003
    log_level: str = "INFO"
    log_json: bool = Field(default=True, description="JSON log lines (one object per line).")
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description=(
            "Largest request body a service reads (bytes; 413 beyond). A route that needs more "
            "(image uploads) gets its own limit in code: `build_app(body_limits=...)`."
        ),
    )
    frame_ancestors: str = Field(
        default="'none'",
        pattern=r"^[A-Za-z0-9'*:/.\- ]+$",
        description=(
            "CSP frame-ancestors: who may show the pages in a frame ('none'; 'self'; or "
            "origins separated by spaces, for the embeds to come)."
        ),
    )

    @field_validator("frame_ancestors")
    @classmethod
    def _keywords_quoted(cls, value: str) -> str:
        """`none`/`self` written without their quotes (an env file ate them) mean the keywords."""
        return " ".join(f"'{t}'" if t in {"none", "self"} else t for t in value.split())

    @model_validator(mode="after")
    def _production_needs_a_real_admin_token(self) -> Settings:
        """Behind a public URL, the development token or a short one would open admin routes."""
        if self.public_base_url is not None:
            token = self.admin_token.get_secret_value()
            if token == DEV_ADMIN_TOKEN or len(token) < MIN_ADMIN_TOKEN_LENGTH:
                raise ValueError(
                    "VIEASSO_ADMIN_TOKEN must be set to a random secret of at least "
                    f"{MIN_ADMIN_TOKEN_LENGTH} characters when VIEASSO_PUBLIC_BASE_URL is set"
                )
        return self

    def public_url(self, service: str) -> str:
        """Base URL (no trailing slash) at which people reach `service`'s pages and feeds."""
        if self.public_base_url is not None:
            return str(self.public_base_url).rstrip("/")
        return f"http://{self.http_host}:{self.port_of(service)}"

    def port_of(self, service: str) -> int:
        """The HTTP port `service` listens on (KeyError for an unknown service)."""
        ports = {
            "annuaire": self.annuaire_port,
            "agenda": self.agenda_port,
            "newsletter": self.newsletter_port,
        }
        return ports[service]

    @property
    def nats_servers_for_logs(self) -> list[str]:
        """The servers without any user or password they may carry (safe to log)."""
        return [_without_credentials(url) for url in self.nats_servers]

    @property
    def nats_user_name(self) -> str | None:
        """The NATS user this service connects as (setting, else the first URL's user)."""
        if self.nats_user:
            return self.nats_user
        users = (urlsplit(url).username for url in self.nats_servers)
        return next((user for user in users if user), None)

    @property
    def nats_servers(self) -> list[str]:
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]
