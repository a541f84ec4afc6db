"""The least an ASGI app can do on granian: answer every request with the bytes of the file
named by `VIEASSO_BENCH_BODY`. B3 serves the agenda's feed with it, as the ceiling of the
server the agenda runs on (granian copies each response body out of Python)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BODY = Path(os.environ["VIEASSO_BENCH_BODY"]).read_bytes()
START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"text/calendar; charset=utf-8"),
        (b"content-length", str(len(BODY)).encode()),
    ],
}
WHOLE = {"type": "http.response.body", "body": BODY}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(START)
    await send(WHOLE)
