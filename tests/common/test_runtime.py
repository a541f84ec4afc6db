"""NatsRuntime in-process against a real nats-server: readiness and start-up retries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from nats.js import JetStreamContext

from tests.support.nats_server import NatsServer
from vieasso.common.nats import runtime as runtime_module
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.settings import Settings

pytestmark = pytest.mark.nats


async def _until_ready(runtime: NatsRuntime) -> None:
    async with asyncio.timeout(10):
        await runtime.wait_ready()


async def test_runtime_is_healthy_once_connected_provisioned_and_started(
    settings: Settings,
) -> None:
    runtime = NatsRuntime(settings, service="test")
    assert not runtime.health().ok
    runtime.start_in_background()
    try:
        await _until_ready(runtime)
        health = runtime.health()
        assert health.connected
        assert health.provisioned
        assert health.ready
    finally:
        await runtime.stop()


async def test_a_failing_startup_step_is_retried_until_it_succeeds(settings: Settings) -> None:
    attempts: list[int] = []

    async def flaky_index_rebuild(js: JetStreamContext) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise TimeoutError("index rebuild timed out")
        await js.stream_info("AGENDA")

    runtime = NatsRuntime(settings, service="test")
    runtime.on_startup(flaky_index_rebuild)
    runtime.start_in_background()
    try:
        await _until_ready(runtime)
        assert len(attempts) == 2
        assert runtime.health().ok
    finally:
        await runtime.stop()


async def test_shutdown_steps_run_before_the_broker_stops_last_registered_first(
    settings: Settings,
) -> None:
    seen: list[tuple[str, bool]] = []
    runtime = NatsRuntime(settings, service="test")

    def step(name: str) -> Callable[[], Awaitable[None]]:
        async def stop_part() -> None:
            seen.append((name, runtime.health().connected))

        return stop_part

    runtime.on_shutdown(step("index"))
    runtime.on_shutdown(step("sender"))
    runtime.start_in_background()
    await _until_ready(runtime)
    await runtime.stop()

    assert seen == [("sender", True), ("index", True)]
    assert not runtime.health().connected


async def test_provisioning_that_fails_after_a_reconnection_is_retried_until_health_is_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (found on the 3-node cluster by tests/reliability): one failed check of
    the streams after a reconnection (JetStream busy electing leaders) left /healthz 503."""
    server = NatsServer(workdir=tmp_path / "nats").start()
    runtime = NatsRuntime(Settings(nats_url=server.url, log_json=False), service="test")
    runtime.start_in_background()
    try:
        await _until_ready(runtime)
        calls: list[int] = []

        async def busy_once(js: JetStreamContext, replicas: int, *, service: str) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise TimeoutError("JetStream API did not answer")
            await provision(js, replicas, service=service)

        monkeypatch.setattr(runtime_module, "provision", busy_once)
        await asyncio.to_thread(server.restart)
        async with asyncio.timeout(20):
            while True:
                if len(calls) >= 2 and runtime.health().ok:
                    break
                await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
        server.stop()
