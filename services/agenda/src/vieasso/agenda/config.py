"""Settings of the agenda service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

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
    agenda_embed_ancestors: str = Field(
        default="*",
        pattern=r"^[A-Za-z0-9'*:/.\- ]+$",
        description=(
            "CSP frame-ancestors of the embeddable agenda `/embed/agenda` only: the sites that "
            "may show it in a frame (origins separated by spaces; `*`: any site, the default, "
            "as associations' sites are many and the page has no cookie, form nor action). "
            "The rest of the site keeps VIEASSO_FRAME_ANCESTORS."
        ),
    )

    @field_validator("agenda_embed_ancestors")
    @classmethod
    def _embed_keywords_quoted(cls, value: str) -> str:
        """`none`/`self` without their quotes mean the keywords (as `frame_ancestors`)."""
        return " ".join(f"'{t}'" if t in {"none", "self"} else t for t in value.split())

    def embed_ancestors(self) -> str:
        """The embed's frame-ancestors: the setting, with the agenda itself (`/integrer`
        shows a preview); `'none'` leaves only the agenda."""
        sources = self.agenda_embed_ancestors.split()
        if "'none'" in sources:
            return "'self'"
        if "*" in sources or "'self'" in sources:
            return " ".join(sources)
        return " ".join(["'self'", *sources])
