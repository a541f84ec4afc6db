"""Loads the demo data once every service is healthy: `vieasso-annuaire demo`, then agenda's
and newsletter's (demo subscribers).

The commands are idempotent (running `make run` twice changes nothing). A service that has
no `demo` command yet is skipped with a note.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from devtools.console import Console

DEMO_SERVICES = ("annuaire", "agenda", "newsletter")
DEMO_TIMEOUT = 300.0
TYPER_USAGE_ERROR = 2


def load_demo_data(
    console: Console, env: dict[str, str], bin_dir: Path, stop: threading.Event
) -> None:
    for service in DEMO_SERVICES:
        if stop.is_set():
            return
        argv = [str(bin_dir / f"vieasso-{service}"), "demo"]
        console.say(f"→ données de démonstration : vieasso-{service} demo")
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv
                argv, env=env, capture_output=True, text=True, timeout=DEMO_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            console.say(
                f"  ✗ vieasso-{service} demo n'a pas fini en {DEMO_TIMEOUT:.0f} s ; ignoré."
            )
            continue
        output = (done.stdout + done.stderr).strip()
        if done.returncode == TYPER_USAGE_ERROR and "No such command" in output:
            console.say(f"  (vieasso-{service} n'a pas encore de commande demo : ignoré)")
        elif done.returncode == 0:
            for line in output.splitlines()[-5:]:
                console.say(f"  {line}")
        else:
            console.say(f"  ✗ vieasso-{service} demo a échoué (code {done.returncode}) :")
            for line in output.splitlines()[-15:]:
                console.say(f"    {line}")
