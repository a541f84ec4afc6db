"""`vieasso-<service> serve` refuses a port another process already listens on.

Granian binds with SO_REUSEPORT: without the check, a second server on a served port starts
without an error and the kernel shares the connections between the two (a fresh-clone run
once had the annuaire and the newsletter on one port, each answering half the requests).
"""

from __future__ import annotations

import socket

import pytest

from tests.support.processes import free_port
from tests.support.services import StartService

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


def test_a_service_started_on_a_port_already_served_exits_saying_so(
    start_service: StartService,
) -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # as granian binds
        other.bind(("127.0.0.1", port))
        other.listen()
        agenda = start_service("agenda", port=port)
        assert agenda.wait_exit() == 2  # without the check: serving, the port shared
    output = agenda.process.output()
    assert f"refusing to serve on 127.0.0.1:{port}: another process already listens" in output
    assert "VIEASSO_AGENDA_PORT" in output
    assert "Traceback" not in output
