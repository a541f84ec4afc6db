"""Raw HTTP/1.1 requests with bodies an ordinary client will not send: a `Content-Length`
larger (or smaller) than what follows, a chunked body with none. The sender stops as soon as
the server answers, the way a well-behaved client does when it gets an early 413."""

from __future__ import annotations

import http.client
import select
import socket
from dataclasses import dataclass

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int
    """body bytes written before the server answered or closed"""


def post(
    port: int,
    path: str,
    *,
    size: int,
    declared: int | None = None,
    chunked: bool = False,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    timeout: float = 30.0,
) -> Answer:
    """Send `size` bytes of body to 127.0.0.1:`port` (`declared` as Content-Length unless
    `chunked`; `declared=None` declares the truth) and return the answer."""
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {declared or size}")
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        sent = _send_body(sock, size, chunked=chunked)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return Answer(response.status, dict(response.getheaders()), response.read(), sent)
    finally:
        sock.close()


def _send_body(sock: socket.socket, size: int, *, chunked: bool) -> int:
    sent = 0
    payload = b"x" * CHUNK
    try:
        while sent < size:
            if select.select([sock], [], [], 0)[0]:  # answered (or closed): stop sending
                return sent
            piece = payload[: min(CHUNK, size - sent)]
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent
