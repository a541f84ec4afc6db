"""Every service as a real process: health follows NATS, SIGTERM stops them cleanly."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.nats_server import NatsServer
from tests.support.processes import free_port
from tests.support.services import SERVICES, ServiceProcess, Services, StartService

pytestmark = pytest.mark.e2e


def _own_nats(workdir: Path) -> NatsServer:
    """A nats-server of the test's own (fixed ports, so a restart comes back at the same URL)."""
    return NatsServer(workdir=workdir, port=free_port(), monitor_port=free_port())


def test_each_service_answers_healthz_200_once_connected(services: Services) -> None:
    for name in SERVICES:
        with urllib.request.urlopen(f"{services.url(name)}/healthz", timeout=5) as response:  # noqa: S310
            body = json.load(response)
            assert response.status == 200
        assert body == {
            "service": name,
            "status": "ok",
            "nats_connected": True,
            "provisioned": True,
            "ready": True,
        }


def test_services_turn_503_without_nats_and_200_when_it_returns_without_restarting(
    start_service: StartService, tmp_path: Path
) -> None:
    server = _own_nats(tmp_path / "nats").start()
    try:
        running = [start_service(name, nats_url=server.url) for name in SERVICES]
        for svc in running:
            svc.wait_healthy()
        pids = [svc.process.popen.pid for svc in running if svc.process.popen]

        server.stop()
        for svc in running:
            svc.wait_health(503, timeout=15)

        server.start()  # same port, same JetStream store
        for svc in running:
            svc.wait_healthy(timeout=30)
        assert [svc.process.popen.pid for svc in running if svc.process.popen] == pids
        assert all(svc.process.running for svc in running)
    finally:
        server.stop()


def test_sigterm_stops_a_connected_service_with_exit_code_0_within_seconds(
    start_service: StartService,
) -> None:
    svc = start_service("agenda").wait_healthy()

    began = time.monotonic()
    code = svc.stop(timeout=15)

    assert code == 0, svc.process.output()[-3000:]
    assert time.monotonic() - began < 8


def test_sigterm_stops_a_service_whose_nats_is_down_with_exit_code_0(
    start_service: StartService, tmp_path: Path
) -> None:
    server = _own_nats(tmp_path / "nats").start()
    svc = start_service("newsletter", nats_url=server.url).wait_healthy()
    server.stop()
    svc.wait_health(503, timeout=15)

    began = time.monotonic()
    code = svc.stop(timeout=15)

    assert code == 0, svc.process.output()[-3000:]
    assert time.monotonic() - began < 8


def test_service_started_before_nats_answers_503_then_200_when_nats_appears(
    start_service: StartService, tmp_path: Path
) -> None:
    server = _own_nats(tmp_path / "nats")  # ports chosen, not started yet
    svc: ServiceProcess = start_service("annuaire", nats_url=server.url)
    svc.wait_health(503, timeout=30)

    server.start()
    try:
        svc.wait_healthy(timeout=30)
    finally:
        server.stop()


def test_service_stopped_while_nats_stops_too_exits_0_without_waiting_the_drain_timeout(
    start_service: StartService, tmp_path: Path
) -> None:
    """`make run`'s Ctrl-C may take NATS away in the middle of a service's drain."""
    server = _own_nats(tmp_path / "nats").start()
    svc = start_service("annuaire", nats_url=server.url).wait_healthy()

    began = time.monotonic()
    assert server.process is not None
    assert server.process.popen is not None
    os.kill(server.process.popen.pid, signal.SIGTERM)  # no wait: both stop at once
    code = svc.stop(timeout=15)
    server.stop()

    assert code == 0, svc.process.output()[-3000:]
    assert time.monotonic() - began < 8
