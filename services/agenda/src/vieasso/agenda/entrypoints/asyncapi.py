"""AsyncAPI document of the agenda service (`make docs`, `faststream docs gen`)."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from vieasso.agenda.bootstrap import build_runtime
from vieasso.agenda.config import AgendaSettings
from vieasso.agenda.entrypoints.nats import document_router


def create() -> FastStream:
    settings = AgendaSettings()
    runtime, _ = build_runtime(settings)
    runtime.broker.include_router(document_router(settings.agenda_consumer))  # never started
    spec = AsyncAPI(
        runtime.broker,
        title="Agenda — Vie associative Besançon",
        version="1.0.0",
        description="Event submissions, facts and rejections on the AGENDA stream (SPEC §3).",
    )
    return FastStream(runtime.broker, specification=spec)
