"""`make run`'s checks: ports already taken, health polled with a deadline."""

from __future__ import annotations

import socket
import threading
import time

from devtools.checks import describe_status, port_taken, wait_healthy
from tests.support.processes import free_port


def test_wait_healthy_returns_nothing_pending_once_every_check_answers_200() -> None:
    calls: dict[str, int] = {}

    def probe(url: str) -> int | None:
        calls[url] = calls.get(url, 0) + 1
        return 200 if calls[url] >= 3 else 503  # healthy on the third poll

    pending = wait_healthy({"a": "u1", "b": "u2"}, timeout=5, probe=probe, interval=0.01)

    assert pending == {}
    assert calls == {"u1": 3, "u2": 3}


def test_wait_healthy_names_what_is_still_unhealthy_with_its_last_status_at_the_deadline() -> None:
    statuses = {"u-nats": 200, "u-agenda": 503, "u-mail": None}

    began = time.monotonic()
    pending = wait_healthy(
        {"nats": "u-nats", "agenda": "u-agenda", "mail": "u-mail"},
        timeout=0.3,
        probe=statuses.__getitem__,
        interval=0.01,
    )

    assert pending == {"agenda": 503, "mail": None}
    assert 0.3 <= time.monotonic() - began < 2


def test_wait_healthy_gives_up_at_once_when_told_to_stop() -> None:
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()

    began = time.monotonic()
    pending = wait_healthy({"agenda": "u"}, timeout=30, stop=stop, probe=lambda _: None)

    assert pending == {"agenda": None}
    assert time.monotonic() - began < 5


def test_port_taken_sees_a_listening_socket_and_not_a_free_port() -> None:
    port = free_port()
    assert not port_taken("127.0.0.1", port)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        assert port_taken("127.0.0.1", port)


def test_health_statuses_are_described_in_french() -> None:
    assert describe_status(None) == "ne répond pas"
    assert "NATS" in describe_status(503)
    assert describe_status(500) == "répond 500"
