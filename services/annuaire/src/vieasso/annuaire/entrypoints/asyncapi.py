"""AsyncAPI document of the annuaire service (`make docs`, `faststream docs gen`)."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from vieasso.annuaire.bootstrap import build_runtime
from vieasso.annuaire.config import AnnuaireSettings


def create() -> FastStream:
    runtime = build_runtime(AnnuaireSettings())
    spec = AsyncAPI(
        runtime.broker,
        title="Annuaire — Vie associative Besançon",
        version="1.0.0",
        description="Directory facts on the ANNUAIRE stream (SPEC §3).",
    )
    return FastStream(runtime.broker, specification=spec)
