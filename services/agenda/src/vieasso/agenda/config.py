"""Settings of the agenda service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from vieasso.common.settings import Settings


class AgendaSettings(Settings):
    """Agenda settings: ``VIEASSO_*`` like the rest of the platform."""

    agenda_batch_size: int = Field(
        default=500, ge=1, le=5000, description="Submissions fetched per pull request."
    )
    agenda_consumer: str = Field(
        default="agenda-submissions",
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Durable consumer of `agenda.submissions.*`.",
    )
    agenda_feed_max_events: int = Field(
        default=1000, ge=1, description="At most this many events per feed (Google's limit)."
    )
    agenda_cache_dir: Path | None = Field(
        default=None,
        description=(
            "Directory of the catalog snapshot that makes restarts fast (a cache: deleting it "
            "only slows the next start). Unset: every start reads all events from NATS."
        ),
    )
    agenda_snapshot_interval: float = Field(
        default=300.0, gt=0, description="Seconds between snapshots while events change."
    )
