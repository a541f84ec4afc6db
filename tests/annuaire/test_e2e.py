"""The annuaire as a real process: the demo command writes from another process, the running
service picks it up from NATS, and the directory and exports are browsable over HTTP."""

from __future__ import annotations

import os
import secrets
import subprocess

import httpx
import pytest

from tests.support.nats_server import NatsServer
from tests.support.processes import VENV_BIN, wait_until
from tests.support.services import StartService
from vieasso.annuaire.adapters import demo_data

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


def test_demo_loaded_by_the_cli_is_browsable_and_exported(
    start_service: StartService, own_nats: NatsServer
) -> None:
    token = secrets.token_urlsafe(24)
    service = start_service("annuaire", nats_url=own_nats.url, admin_token=token).wait_healthy()
    seed = 1
    env = {**os.environ, "VIEASSO_NATS_URL": own_nats.url}
    demo = subprocess.run(
        [str(VENV_BIN / "vieasso-annuaire"), "demo", "--count", "6", "--missions", "4",
         "--seed", str(seed)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "6 associations validées" in demo.stdout
    first = demo_data.associations(6, seed)[0]

    def listed() -> bool:
        response = httpx.get(f"{service.url}/api/associations/{first.slug}")
        return response.status_code == 200

    wait_until(listed, timeout=10, what="the demo association served by the running annuaire")
    detail = httpx.get(f"{service.url}/api/associations/{first.slug}").json()
    assert detail["state"] == "validated"
    assert "private_contact" not in detail
    export = httpx.get(f"{service.url}/export/associations.csv")
    assert export.status_code == 200
    assert first.slug in export.text
    assert first.contact.email not in export.text
    missions = httpx.get(f"{service.url}/api/missions", params={"association": first.slug})
    assert missions.json()["total"] == 1
    admin = {"Authorization": f"Bearer {token}"}
    archived = httpx.post(f"{service.url}/api/associations/{first.slug}/archive", headers=admin)
    assert archived.status_code == 200
    assert service.stop() == 0
