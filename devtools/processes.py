"""What `make run` starts, on which ports, with which environment (from ``VIEASSO_*``)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field

from devtools.checks import port_taken
from vieasso.common.settings import SERVICES, Settings

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INFRASTRUCTURE = ("nats", "mail")
DEFAULT_VAR = Path("var")
NATS_DEV_CONF = Path("deploy/nats/dev.conf")


class DevSettings(Settings):
    """`make run` settings: the platform's ``VIEASSO_*`` plus the local tools' ports."""

    nats_monitor_port: int = 8222
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_viewer_port: int = 1080
    dev_var_dir: Path = Field(
        default=DEFAULT_VAR, description="Where `make run` keeps NATS data, mails and logs."
    )
    dev_health_timeout: float = Field(
        default=60.0, gt=0, description="Seconds `make run` waits for every /healthz."
    )

    @property
    def local_host(self) -> str:
        """Where a browser on this machine reaches what we bind on `http_host`."""
        return "127.0.0.1" if self.http_host in ("0.0.0.0", "", "::") else self.http_host  # noqa: S104

    @property
    def nats_port(self) -> int:
        return urlsplit(self.nats_servers[0]).port or 4222

    def service_port(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port

    def service_url(self, service: str) -> str:
        return f"http://{self.local_host}:{self.service_port(service)}"


@dataclass(frozen=True)
class Component:
    """One process of `make run`: its command, the port it must own, its health URL."""

    name: str
    argv: list[str]
    host: str
    port: int
    health_url: str


def nats_config(var: Path) -> Path:
    """deploy/nats/dev.conf, or a copy storing under `var`/nats when var/ is elsewhere.

    (nats-server refuses `-sd` next to the config's own `store_dir`.)
    """
    if var == DEFAULT_VAR:
        return NATS_DEV_CONF
    text = (REPO / NATS_DEV_CONF).read_text()
    store = f'store_dir: "{DEFAULT_VAR}/nats"'
    if store not in text:
        raise RuntimeError(f"{NATS_DEV_CONF} no longer has {store}")
    derived = REPO / var / "nats-dev.conf"
    derived.parent.mkdir(parents=True, exist_ok=True)
    derived.write_text(text.replace(store, f'store_dir: "{REPO / var / "nats"}"'))
    return derived


def components(settings: DevSettings) -> list[Component]:
    monitor = f"http://127.0.0.1:{settings.nats_monitor_port}"
    var = settings.dev_var_dir
    nats_argv = [str(BIN / "nats-server"), "-c", str(nats_config(var))]
    nats_argv += ["-a", "127.0.0.1", "-p", str(settings.nats_port)]
    nats_argv += ["-m", str(settings.nats_monitor_port)]
    mail_argv = [sys.executable, "-m", "devtools.mailsink", "--host", settings.smtp_host]
    mail_argv += ["--port", str(settings.smtp_port), "--maildir", str(var / "mail")]
    mail_argv += ["--web-port", str(settings.mail_viewer_port)]
    result = [
        Component("nats", nats_argv, "127.0.0.1", settings.nats_port, f"{monitor}/healthz"),
        Component(
            "mail", mail_argv, settings.smtp_host, settings.smtp_port,
            f"http://{settings.smtp_host}:{settings.mail_viewer_port}/",
        ),
    ]  # fmt: skip
    for service in SERVICES:
        argv = [str(BIN / f"vieasso-{service}"), "serve"]
        port = settings.service_port(service)
        health = f"{settings.service_url(service)}/healthz"
        result.append(Component(service, argv, settings.http_host, port, health))
    return result


def child_env(settings: DevSettings, base: dict[str, str]) -> dict[str, str]:
    """Environment of every process: the same NATS and SMTP for all, readable logs."""
    env = {**base, "PYTHONUNBUFFERED": "1"}
    env["VIEASSO_NATS_URL"] = f"nats://127.0.0.1:{settings.nats_port}"
    env["VIEASSO_SMTP_HOST"] = settings.smtp_host
    env["VIEASSO_SMTP_PORT"] = str(settings.smtp_port)
    env.setdefault("VIEASSO_LOG_JSON", "false")
    # The agenda's catalog snapshot (fast restarts), beside the rest of the local data.
    cache = REPO / settings.dev_var_dir / "cache" / "agenda"
    env.setdefault("VIEASSO_AGENDA_CACHE_DIR", str(cache))
    return env


def taken_ports(parts: list[Component], settings: DevSettings) -> list[str]:
    """`host:port (name)` of every port `make run` needs that something already listens on."""
    taken = [(part.name, part.host, part.port) for part in parts]
    taken += [("mail", settings.smtp_host, settings.mail_viewer_port)]
    taken += [("nats", "127.0.0.1", settings.nats_monitor_port)]
    return [f"{host}:{port} ({name})" for name, host, port in taken if port_taken(host, port)]
