"""Platform settings, read from ``VIEASSO_*`` environment variables (and a ``.env`` file)."""

from __future__ import annotations

import ipaddress
from functools import cached_property
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vieasso.common.http.client import Network, parse_networks


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host).geturl()


# The compose network of the proxy and the services (docker-compose.yml pins its subnet).
COMPOSE_SUBNET = "172.30.80.0/24"
DEV_ADMIN_TOKEN = "dev-admin-token"  # noqa: S105 - the development default, refused in production
MIN_SECRET_LENGTH = 24
# Every service of the platform, each on its own `<name>_port` (SPEC §2, §8): the one list
# that make run, the docs, the pages' origins and the tests iterate over.
SERVICES = ("annuaire", "agenda", "newsletter", "ressources", "aides")


class Settings(BaseSettings):
    """Settings every service reads; each service subclasses it for its own."""

    # hide_input_in_errors: a refused setting must not print the secrets beside it.
    model_config = SettingsConfigDict(
        env_prefix="VIEASSO_", env_file=".env", extra="ignore", frozen=True,
        hide_input_in_errors=True,
    )  # fmt: skip

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
    lease_ttl_seconds: int = Field(
        default=10,
        ge=2,
        le=600,
        description=(
            "Seconds a background job's lease lasts unless renewed (every third of it): a "
            "job that must run once runs in the replica holding its lease, and another "
            "replica takes it over this long after its holder died (docs/deploy.md, "
            "'Tâches uniques / leases')."
        ),
    )
    starting_hold_seconds: float = Field(
        default=20.0,
        ge=0,
        le=60,
        description=(
            "While the service starts for the first time (NATS, indexes), a request waits "
            "this long for it to be ready before the « service démarre » 503: a replica "
            "restarted before the proxy's next health check serves the requests it gets "
            "(docs/deploy.md, 'Two replicas of each service'). /healthz never waits."
        ),
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
    ressources_port: int = 8004
    aides_port: int = 8005
    trusted_proxies: str = Field(
        default=f"127.0.0.0/8,::1/128,{COMPOSE_SUBNET}",
        description=(
            "Comma-separated networks of the reverse proxies whose X-Forwarded-For is believed "
            "(docs/deploy.md, 'Behind the proxy'): loopback and the compose network by default."
        ),
    )
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

    development_secrets: ClassVar[dict[str, str]] = {"admin_token": DEV_ADMIN_TOKEN}
    """Secret fields with a development default (field name → that default): a subclass
    adds its own, and `unsafe_secrets` checks them all."""

    def unsafe_secrets(self) -> list[str]:
        """Variables of the secrets still at their development default or too short."""
        unsafe = []
        for name, development_value in self.development_secrets.items():
            value: SecretStr = getattr(self, name)
            secret = value.get_secret_value()
            if secret == development_value or len(secret) < MIN_SECRET_LENGTH:
                unsafe.append(f"VIEASSO_{name.upper()}")
        return unsafe

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)  # ValueError names the bad entry
        return value

    @cached_property
    def trusted_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        """Behind a public URL, a development secret would open admin routes or forge links."""
        if self.public_base_url is not None and (unsafe := self.unsafe_secrets()):
            raise ValueError(
                f"{', '.join(unsafe)} must be set to a random secret of at least "
                f"{MIN_SECRET_LENGTH} characters when VIEASSO_PUBLIC_BASE_URL is set"
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
            "ressources": self.ressources_port,
            "aides": self.aides_port,
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


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the server on this machine (`localhost`, 127.0.0.0/8,
    ::1). Anything else — all interfaces (`0.0.0.0`, `::`, empty), a LAN address, a host
    name that may resolve to one — is reachable from elsewhere."""
    host = host.strip().removeprefix("[").removesuffix("]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
