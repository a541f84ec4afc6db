"""The filters of the agenda's listings, read once for the feeds and the `/agenda` page.

Both build the same `FeedQuery` and let `Catalog.select` choose the events: one definition
of what `theme`, `quartier`, `venue`, `association`, `audience`, `accessibilite`, `from` and
`to` mean.
"""

from __future__ import annotations

from datetime import date, timedelta

from vieasso.agenda.domain.accessibility import Need, flags_of
from vieasso.agenda.domain.feeds import FeedQuery
from vieasso.common.messages.agenda import Audience
from vieasso.common.messages.base import FieldError

MAX_RANGE = timedelta(days=731)

ACCESSIBILITY_FILTER = (
    "Accessible aux personnes en situation de handicap : `moteur`, `auditif`, `visuel`, "
    "`mental` (mental ou psychique). Répétable : l'événement doit l'être pour chacun. Un "
    "événement l'est quand l'association l'indique ou quand son lieu l'est dans l'annuaire."
)

AUDIENCE_FILTER = (
    "Événements pour ce public. `associations` : les événements destinés aux associations "
    "(rencontres type Blablasso, Forum des associations, formations des bénévoles), que "
    "choisit aussi la lettre des associations."
)

RANGE_ERROR = FieldError(
    field="to",
    message="La période doit finir après son début et ne pas dépasser deux ans.",
    code="invalid_range",
)


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
"""The days a filter may name: beyond, the window's instants overflow (`from=0001-01-01`
made a 500) and no event of the agenda can be there anyway."""


def out_of_years(field: str) -> FieldError:
    return FieldError(
        field=field,
        message="Choisissez une date entre le 1er janvier 2000 et le 31 décembre 2099.",
        code="out_of_range",
    )


class RangeError(ValueError):
    """`to` before `from`, a period longer than two years, or a day out of 2000–2099:
    `error` says which, for its field."""

    def __init__(self, error: FieldError = RANGE_ERROR) -> None:
        super().__init__(error.message)
        self.error = error


def feed_query(
    *,
    associations: list[str],
    theme: str | None,
    quartier: str | None,
    venue: str | None,
    audience: Audience | None,
    accessibility: list[Need],
    start: date | None,
    end: date | None,
    limit: int,
) -> FeedQuery:
    for name, day in (("from", start), ("to", end)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise RangeError(out_of_years(name))
    if start is not None and end is not None and (end < start or end - start > MAX_RANGE):
        raise RangeError
    return FeedQuery(
        associations=tuple(sorted(set(associations))),
        theme=theme,
        quartier=quartier,
        venue=venue,
        audience=audience.value if audience is not None else None,
        accessibility=flags_of(accessibility),
        start=start,
        end=end,
        limit=limit,
    )
