"""`make run`: nats-server, the SMTP sink (with its web view) and the four services, under honcho.

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
from typing import Any

from honcho.manager import SIGNALS, Manager

from devtools.banner import banner
from devtools.checks import describe_status, wait_healthy
from devtools.console import Console
from devtools.demo import demo_access, load_demo_data
from devtools.processes import (
    BIN,
    INFRASTRUCTURE,
    REPO,
    DevSettings,
    child_env,
    components,
    taken_ports,
)

STOP_WAIT = 4.0
STOPPED_BY_SIGNAL = {info["rc"] for info in SIGNALS.values()}  # Ctrl-C, kill


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
        access = var / "demo-acces.json"
        load_demo_data(console, env, BIN, stop, access)
        if not stop.is_set():
            console.say(banner(settings, demo_access(access)))

    watcher = threading.Thread(target=supervise, name="make-run-health", daemon=True)
    watcher.start()
    manager.loop()
    stop.set()
    watcher.join(timeout=5)
    if outcome.get("failed"):
        return 1
    if manager.returncode in STOPPED_BY_SIGNAL:
        console.say(f"Tout est arrêté ; les données restent dans {settings.dev_var_dir}/.")
        return 0
    console.say(
        f"✗ Un processus s'est arrêté de lui-même (voir ci-dessus, et {var}/log/) : "
        "tout est arrêté."
    )
    return int(manager.returncode or 1)


if __name__ == "__main__":
    sys.exit(main())
