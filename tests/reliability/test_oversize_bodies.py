"""Oversize bodies on every write route of every service (the processes of the `services`
fixture): a declared 256 MiB body and a chunked 4 MiB one without Content-Length. Each gets a
413 before its body is read (or, for a page that refuses its visitor before reading anything,
its ordinary answer), never a 5xx; afterwards every service is healthy and has not grown."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.reliability.conftest import Scenario
from tests.support.bodies import post
from tests.support.services import SERVICES, Services, build_app, leaves

pytestmark = [pytest.mark.nats, pytest.mark.e2e, pytest.mark.timeout(600)]

MIB = 1024 * 1024
DECLARED = 256 * MIB
STREAMED = 32 * MIB  # more than loopback socket buffers hold: a sender that finishes was read
GROWTH_BOUND = 64 * MIB  # far less than one streamed body per route, kept
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def write_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path with every parameter set to `x`) of each write route of the app."""
    found = set()
    for route in leaves(app.routes):
        for method in WRITES & set(getattr(route, "methods", None) or ()):
            found.add((method, re.sub(r"\{[^}]+\}", "x", getattr(route, "path", ""))))
    return sorted(found)


def group_rss(pgid: int) -> int:
    """Resident memory (bytes) of every process of the group `pgid` (the server and its worker)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(match.group(1)) * 1024 if match else 0
    return total


def pgid(services: Services, name: str) -> int:
    popen = services.running[name].process.popen
    assert popen is not None
    return popen.pid  # started in its own session: its pid is the group's id


def test_oversize_bodies_get_a_413_and_leave_every_service_healthy_and_small(
    services: Services, scenario: Scenario
) -> None:
    scenario.describe(
        name="oversize bodies",
        load="every write route of every service, one after the other",
        faults=f"a declared {DECLARED // MIB} MiB body (nothing sent); a chunked "
        f"{STREAMED // MIB} MiB body without Content-Length",
        inputs="each POST/PUT/PATCH/DELETE route of the apps, parameters set to `x`",
        checked="413 for every declared body; 413 (or the page's answer when it refuses the "
        "visitor before reading) for every streamed one, never a 5xx, the sender stopped "
        "early; /healthz 200 after; resident memory grown by less than "
        f"{GROWTH_BOUND // MIB} MiB",
    )
    groups = {name: pgid(services, name) for name in SERVICES}
    before = {name: group_rss(group) for name, group in groups.items()}
    statuses: Counter[int] = Counter()
    per_service: Counter[str] = Counter()
    for name in SERVICES:
        port = services.running[name].port
        for method, path in write_routes(build_app(name)):
            per_service[name] += 1
            declared = post(port, path, method=method, size=0, declared=DECLARED)
            assert declared.status == 413, (name, method, path, declared.status)
            streamed = post(
                port,
                path,
                method=method,
                size=STREAMED,
                chunked=True,
                headers={"Content-Type": "application/json", **services.admin_headers},
            )
            statuses[streamed.status] += 1
            assert streamed.status < 500, (name, method, path, streamed.status)
            assert streamed.sent < STREAMED, (name, method, path)
    after = {name: group_rss(group) for name, group in groups.items()}
    for name in SERVICES:
        assert services.running[name].health() == 200, name
        assert after[name] - before[name] < GROWTH_BOUND, (name, before[name], after[name])
    assert httpx.get(services.url("annuaire") + "/api/themes").status_code == 200
    routes = sum(per_service.values())
    assert routes > 30
    scenario.figure("write routes", routes)
    for name in SERVICES:  # 0 for a service without write routes yet (the ressources' own)
        scenario.figure(f"{name} write routes", per_service[name])
    scenario.figure(
        "streamed bodies answered", ", ".join(f"{n}×{s}" for s, n in sorted(statuses.items()))
    )
    for name in SERVICES:
        scenario.figure(f"{name} RSS growth (MiB)", (after[name] - before[name]) / MIB)
