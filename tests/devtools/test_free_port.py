"""The test harness's ports: `free_port` never hands out one port twice.

The kernel does repeat itself: 10 of 20,000 consecutive `bind(0)` here got a port given in
the 5 binds before, and a service binds its port a moment after the harness chose it."""

from __future__ import annotations

import socket

import pytest

from tests.support import processes


def test_a_port_the_kernel_gives_again_is_not_handed_out_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kernel = iter([41000, 41000, 41001])  # the kernel gives 41000 twice in a row
    monkeypatch.setattr(processes, "_kernel_port", lambda: next(kernel))
    monkeypatch.setattr(processes, "_GIVEN", set())
    assert [processes.free_port(), processes.free_port()] == [41000, 41001]


def test_real_ports_are_free_and_distinct() -> None:
    ports = [processes.free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[-1]))  # free: nothing holds it
