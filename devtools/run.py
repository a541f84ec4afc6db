"""`make run`: nats-server, the SMTP sink (with its web view) and the three services, under honcho.

honcho starts every process in its own session, prefixes and colours their output, and on
Ctrl-C (or when one process dies) sends SIGTERM to all of them. Each process's output is
also appended to ``var/log/<name>.log``. Once every ``/healthz`` answers 200, the demo data
is loaded (idempotent commands) and what runs where is printed. Data stays under ``var/``.
"""

from __future__ import annotations

import os
import shlex
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from honcho.manager import Manager
from pydantic import Field

from devtools.banner import banner
from devtools.checks import describe_status, port_taken, wait_healthy
from devtools.console import Console
from devtools.demo import load_demo_data
from vieasso.common.settings import Settings

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SERVICES = ("annuaire", "agenda", "newsletter")
INFRASTRUCTURE = ("nats", "mail")
STOP_WAIT = 4.0
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
    return env


class _Manager(Manager):  # type: ignore[misc] # honcho is untyped
    """honcho's Manager with two tweaks (on its internals, honcho 2.0 is pinned in uv.lock).

    - `started` is set once every process is forked: our health thread starts after that,
      so no fork happens while it runs.
    - On stop, the services get SIGTERM first and NATS and the mail sink only once the
      services have exited (or after STOP_WAIT s), so the services drain their NATS
      connection instead of losing it mid-shutdown. SIGKILL still comes after honcho's 5 s.
    """

    def __init__(self, printer: Any) -> None:
        super().__init__(printer)
        self.started = threading.Event()

    def _start(self) -> None:
        super()._start()
        self.started.set()

    def _killall(self, force: bool = False) -> None:
        if force:
            super()._killall(force=True)
            return
        self._sigterm([name for name in self._processes if name not in INFRASTRUCTURE])
        threading.Thread(target=self._stop_infrastructure, daemon=True).start()

    def _stop_infrastructure(self) -> None:
        deadline = time.monotonic() + STOP_WAIT
        while time.monotonic() < deadline and any(
            "returncode" not in self._processes[name]
            for name in self._processes
            if name not in INFRASTRUCTURE
        ):
            time.sleep(0.05)
        self._sigterm(list(INFRASTRUCTURE))

    def _sigterm(self, names: list[str]) -> None:
        for name in names:
            process = self._processes[name]
            if "returncode" not in process and "pid" in process:
                self._system_print(f"sending SIGTERM to {name} (pid {process['pid']})\n")
                self._procmgr.terminate(process["pid"])


def taken_ports(parts: list[Component], settings: DevSettings) -> list[str]:
    taken = [(part.name, part.host, part.port) for part in parts]
    taken += [("mail", settings.smtp_host, settings.mail_viewer_port)]
    taken += [("nats", "127.0.0.1", settings.nats_monitor_port)]
    return [f"{host}:{port} ({name})" for name, host, port in taken if port_taken(host, port)]


def main() -> int:

    settings = DevSettings()
    var = REPO / settings.dev_var_dir  # an absolute dev_var_dir stays as it is
    console = Console(sys.stdout, var / "log")
    parts = components(settings)
    busy = taken_ports(parts, settings)
    if busy:
        console.say(
            "✗ Port(s) déjà utilisé(s) : " + ", ".join(busy) + ".\n"
            "  Un autre `make run` tourne peut-être encore (vérifiez avec `ss -ltnp`).\n"
            "  Arrêtez-le, ou choisissez d'autres ports : VIEASSO_NATS_URL, "
            "VIEASSO_ANNUAIRE_PORT, VIEASSO_AGENDA_PORT, VIEASSO_NEWSLETTER_PORT, "
            "VIEASSO_SMTP_PORT, VIEASSO_MAIL_VIEWER_PORT, VIEASSO_NATS_MONITOR_PORT."
        )
        return 1
    (var / "nats").mkdir(parents=True, exist_ok=True)
    env = child_env(settings, dict(os.environ))
    manager = _Manager(console.printer)
    for part in parts:
        manager.add_process(part.name, "exec " + shlex.join(part.argv), env=env, cwd=str(REPO))
    outcome: dict[str, bool] = {}
    stop = threading.Event()

    def supervise() -> None:
        manager.started.wait()
        checks = {part.name: part.health_url for part in parts}
        pending = wait_healthy(checks, timeout=settings.dev_health_timeout, stop=stop)
        if stop.is_set():
            return
        if pending:
            outcome["failed"] = True
            console.say(f"✗ Pas prêt après {settings.dev_health_timeout:.0f} s :")
            for name, status in pending.items():
                console.say(
                    f"  - {name} : {checks[name]} {describe_status(status)} ; "
                    f"journal : {console.log_path(name)}"
                )
            console.say("  Tout est arrêté.")
            manager.terminate()
            return
        load_demo_data(console, env, BIN, stop)
        if not stop.is_set():
            console.say(banner(settings))

    watcher = threading.Thread(target=supervise, name="make-run-health", daemon=True)
    watcher.start()
    manager.loop()
    stop.set()
    watcher.join(timeout=5)
    if outcome.get("failed"):
        return 1
    if manager.returncode in (130, 143):
        console.say(f"Tout est arrêté ; les données restent dans {settings.dev_var_dir}/.")
        return 0
    console.say(
        f"✗ Un processus s'est arrêté de lui-même (voir ci-dessus, et {var}/log/) : "
        "tout est arrêté."
    )
    return int(manager.returncode or 1)


if __name__ == "__main__":
    sys.exit(main())
