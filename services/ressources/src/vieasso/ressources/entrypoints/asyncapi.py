"""AsyncAPI document of the ressources service (`make docs`, `faststream docs gen`)."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from vieasso.ressources.bootstrap import build_runtime
from vieasso.ressources.config import RessourcesSettings


def create() -> FastStream:
    runtime = build_runtime(RessourcesSettings())
    spec = AsyncAPI(
        runtime.broker,
        title="Ressources — Vie associative Besançon",
        version="1.0.0",
        description=(
            "Catalogue and lending facts on the RESSOURCES stream (no personal data), and the "
            "mails the service asks the newsletter for on the COURRIER work queue (SPEC §8)."
        ),
    )
    return FastStream(runtime.broker, specification=spec)
