"""AsyncAPI document of the aides service (`make docs`, `faststream docs gen`)."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from vieasso.aides.bootstrap import build_runtime
from vieasso.aides.config import AidesSettings


def create() -> FastStream:
    runtime = build_runtime(AidesSettings())
    spec = AsyncAPI(
        runtime.broker,
        title="Aides — Vie associative Besançon",
        version="1.0.0",
        description=(
            "Aid-scheme facts on the AIDES stream: the city's schemes and those synced from "
            "Aides-territoires, published, updated or withdrawn (no personal data, SPEC §8)."
        ),
    )
    return FastStream(runtime.broker, specification=spec)
