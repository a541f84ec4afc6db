"""Loads the demo data once every service is healthy: `vieasso-annuaire demo`, then agenda's,
newsletter's (demo subscribers), ressources' (catalogue and loans) and aides' (the city's
aid schemes).

The commands are idempotent (running `make run` twice changes nothing). A service that has
no `demo` command yet is skipped with a note. The annuaire's writes the demo associations'
tokens to a file (`--acces`) that `demo_access` reads back for the banner.
"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

from devtools.console import Console
from vieasso.annuaire.handlers.demo import DemoAccess

# The ressources' demo reads the directory's associations and venues: after the annuaire's.
DEMO_SERVICES = ("annuaire", "agenda", "newsletter", "ressources", "aides")
# Commands after `demo` (the aides' recorded sample of Aides-territoires, synced as the job does).
MORE_DEMOS = {"aides": ("demo-aides-territoires",)}
DEMO_TIMEOUT = 300.0
TYPER_USAGE_ERROR = 2


def demo_access(path: Path) -> list[DemoAccess]:
    """What `vieasso-annuaire demo --acces PATH` wrote; nothing if it did not run."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [DemoAccess(r["slug"], r["name"], r["token"]) for r in rows]


def load_demo_data(
    console: Console, env: dict[str, str], bin_dir: Path, stop: threading.Event, access: Path
) -> None:
    access.unlink(missing_ok=True)
    commands = [(s, c) for s in DEMO_SERVICES for c in ("demo", *MORE_DEMOS.get(s, ()))]
    for service, command in commands:
        if stop.is_set():
            return
        argv = [str(bin_dir / f"vieasso-{service}"), command]
        if service == "annuaire":
            argv += ["--acces", str(access)]
        console.say(f"→ données de démonstration : vieasso-{service} {command}")
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv
                argv, env=env, capture_output=True, text=True, timeout=DEMO_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            console.say(
                f"  ✗ vieasso-{service} {command} n'a pas fini en {DEMO_TIMEOUT:.0f} s ; ignoré."
            )
            continue
        output = (done.stdout + done.stderr).strip()
        if done.returncode == TYPER_USAGE_ERROR and "No such command" in output:
            console.say(f"  (vieasso-{service} n'a pas encore de commande {command} : ignoré)")
        elif done.returncode == 0:
            for line in output.splitlines()[-5:]:
                console.say(f"  {line}")
        else:
            console.say(f"  ✗ vieasso-{service} {command} a échoué (code {done.returncode}) :")
            for line in output.splitlines()[-15:]:
                console.say(f"    {line}")
