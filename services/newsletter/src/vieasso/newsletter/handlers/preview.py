"""What the city sees before sending an edition: the edition due now, what it would hold,
how many would get it, and its generic version (every item, no personal link)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vieasso.common.messages.newsletter import Frequency
from vieasso.newsletter.adapters.rendering import PREFERENCES, UNSUBSCRIBE
from vieasso.newsletter.domain.content import EditionContent
from vieasso.newsletter.domain.edition import Edition, EditionState
from vieasso.newsletter.handlers.editions import Editions


@dataclass(frozen=True)
class Preview:
    """The edition of `frequency` due at `end`, as it would be built now."""

    edition_id: str
    frequency: Frequency
    start: datetime
    end: datetime
    content: EditionContent
    recipients: int
    existing: Edition | None  # this period's edition, when already built or being sent

    @property
    def can_send(self) -> bool:
        return self.existing is None and not self.content.empty and self.recipients > 0


async def preview(
    editions: Editions, frequency: Frequency, now: datetime, *, recipients: bool = True
) -> Preview:
    """The edition due `now`; `recipients=False` skips counting them (a pass over every
    subscriber), for the generic version alone."""
    eid, start = await editions.period(frequency, now)
    found = await editions.store.get(eid)
    existing = found[0] if found is not None else None
    if existing is not None and existing.state is EditionState.BUILDING:
        existing = None  # an interrupted build: sending resumes it
    content = editions.content(start, now)
    count = len(editions.plan(frequency, content).deliveries) if recipients else 0
    return Preview(eid, frequency, start, now, content, count, existing)


def generic_html(editions: Editions, found: Preview, subscribe_url: str) -> str:
    """The letter with every item of the preview, personal links pointing to `subscribe_url`."""
    edition = Edition(
        id=found.edition_id,
        frequency=found.frequency,
        state=EditionState.BUILDING,
        period_start=found.start,
        period_end=found.end,
        created_at=found.end,
        subject=editions.mails.subject(found.frequency, found.end),
    )
    rendered = editions.mails.render(edition, found.content)
    html = rendered.html_for(found.content, range(len(found.content.items)))
    return html.replace(PREFERENCES, subscribe_url).replace(UNSUBSCRIBE, subscribe_url)
