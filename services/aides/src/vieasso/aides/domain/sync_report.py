"""What one Aides-territoires sync did, kept in ``aides_sync`` (`report.last`) and shown to
the city; and the cursor the next sync starts from (`cursor`). Pure data."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

MAX_SKIPPED = 200  # reasons kept in the report (the count goes on)


class Skipped(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source_id: str | None = Field(default=None, description="The record's id, when readable.")
    reason: str = Field(description="French, for the city.")


class SyncReport(BaseModel):
    """Counts of one run; `error` (French) when it stopped before the last page."""

    model_config = ConfigDict(extra="forbid")

    started_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    full: bool = False
    pages: int = 0
    fetched: int = 0
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    skipped_count: int = 0
    skipped: list[Skipped] = Field(default_factory=list)
    retries: int = 0
    complete: bool = False
    error: str | None = None

    @property
    def duration_seconds(self) -> float:
        if self.finished_at is None:
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()

    def skip(self, source_id: str | None, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_SKIPPED:
            self.skipped.append(Skipped(source_id=source_id, reason=reason))

    def finish(self, at: datetime, *, error: str | None = None) -> SyncReport:
        self.finished_at = at
        self.error = error
        self.complete = error is None
        return self


class SyncCursor(BaseModel):
    """Where the last complete run left off: the newest `date_updated` it read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date_updated: AwareDatetime | None = None
    complete_at: AwareDatetime | None = None
