"""AsyncAPI document of the newsletter service (`make docs`, `faststream docs gen`)."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from vieasso.newsletter.bootstrap import build_runtime
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.entrypoints.courrier import document_router


def create() -> FastStream:
    runtime = build_runtime(NewsletterSettings())
    runtime.broker.include_router(document_router())  # never started
    spec = AsyncAPI(
        runtime.broker,
        title="Newsletter — Vie associative Besançon",
        version="1.0.0",
        description=(
            "Digest facts, subscribers' departures and associations' letter choices "
            "(NEWSLETTER stream, no address), the deliveries work queue (SPEC §3), and the "
            "mails other services ask for: requests on the COURRIER work queue, outcomes by "
            "key (SPEC §8)."
        ),
    )
    return FastStream(runtime.broker, specification=spec)
