"""What `make run` checks before and after starting: free ports, then health with a deadline."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from http import HTTPStatus


def port_taken(host: str, port: int) -> bool:
    """True when something already listens on `host:port` (a server we would start could not)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def http_status(url: str, timeout: float = 1.0) -> int | None:
    """HTTP status of GET `url`, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our URLs
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def wait_healthy(
    checks: Mapping[str, str],
    *,
    timeout: float,
    stop: threading.Event | None = None,
    probe: Callable[[str], int | None] = http_status,
    interval: float = 0.25,
) -> dict[str, int | None]:
    """Poll every `name → url` until each answers 200, the deadline passes or `stop` is set.

    Returns the checks still not healthy, with their last status (None: no answer); empty
    means everything is healthy.
    """
    pending: dict[str, int | None] = dict.fromkeys(checks)
    deadline = time.monotonic() + timeout
    while True:
        for name in list(pending):
            status = probe(checks[name])
            if status == HTTPStatus.OK:
                del pending[name]
            else:
                pending[name] = status
        if not pending or time.monotonic() >= deadline:
            return pending
        if stop is None:
            time.sleep(interval)
        elif stop.wait(interval):
            return pending


def describe_status(status: int | None) -> str:
    """French words for a health probe's result."""
    if status is None:
        return "ne répond pas"
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        return "répond 503 (pas prêt : NATS injoignable ou démarrage en cours)"
    return f"répond {status}"
