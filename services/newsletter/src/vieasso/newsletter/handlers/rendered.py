"""Each edition rendered once per process: fragments, sender headers, per-content bodies."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babel.dates import format_date

from vieasso.common.messages.newsletter import Frequency, LetterAudience
from vieasso.newsletter.adapters.editions import EditionStore
from vieasso.newsletter.adapters.mime import Sender, compose
from vieasso.newsletter.adapters.rendering import (
    LOCALE,
    PREFERENCES,
    UNSUBSCRIBE,
    RenderedEdition,
    Renderer,
)
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.content import EditionContent
from vieasso.newsletter.domain.edition import Edition, Series
from vieasso.newsletter.domain.letter import LETTER_HEADINGS
from vieasso.newsletter.handlers.links import Links

TITLE = "La lettre de la vie associative"
LETTER_TITLE = "La lettre des associations"
LETTER_FOOTER = (
    "Votre association reçoit cette lettre parce qu’elle est inscrite dans l’annuaire de {site}.",
    "Gérer l’abonnement dans l’espace association",
)
BODIES_CACHED = 4096


@dataclass
class EditionMail:
    """What every mail of one edition shares; each distinct content is joined once."""

    edition: Edition
    content: EditionContent
    rendered: RenderedEdition
    sender: Sender
    _prefixes: OrderedDict[tuple[int, ...], tuple[bytes, bytes]] = field(
        default_factory=OrderedDict
    )

    def bodies(self, items: tuple[int, ...], links: Mapping[str, str]) -> tuple[bytes, bytes]:
        """HTML and text parts (quoted-printable) for these items and these links."""
        found = self._prefixes.get(items)
        if found is None:
            found = (
                self.rendered.html_qp.prefix(self.content, items),
                self.rendered.text_qp.prefix(self.content, items),
            )
            self._prefixes[items] = found
            if len(self._prefixes) > BODIES_CACHED:
                self._prefixes.popitem(last=False)
        return (
            self.rendered.html_qp.finish(found[0], links),
            self.rendered.text_qp.finish(found[1], links),
        )

    def compose(
        self,
        settings: NewsletterSettings,
        recipient_id: str,
        email: str,
        items: tuple[int, ...],
        *,
        links: Mapping[str, str],
        date: datetime,
    ) -> bytes:
        """The raw mail of one recipient (`links[UNSUBSCRIBE]` is also List-Unsubscribe)."""
        html, text = self.bodies(items, links)
        return compose(
            self.sender,
            to=email,
            message_id=f"{self.edition.id}.{recipient_id}@{settings.domain}",
            date=date,
            html=html,
            text=text,
            unsubscribe=links[UNSUBSCRIBE],
            unsubscribe_mailto=settings.unsubscribe_mailto,
        )


class EditionMails:
    def __init__(
        self, store: EditionStore, renderer: Renderer, links: Links, settings: NewsletterSettings
    ) -> None:
        self._store = store
        self._renderer = renderer
        self._links = links
        self._settings = settings
        self._cache: dict[str, EditionMail] = {}

    def subject(self, which: Frequency | Series, end: datetime) -> str:
        series = Series.of(which)
        title = _title(series.audience)
        day = end.astimezone(self._settings.zone).date()
        if series.frequency is Frequency.MENSUELLE:
            return f"{title} — {format_date(day, 'MMMM y', locale=LOCALE)}"
        monday = day - timedelta(days=day.weekday())
        return f"{title} — semaine du {format_date(monday, 'd MMMM y', locale=LOCALE)}"

    def render(self, edition: Edition, content: EditionContent) -> RenderedEdition:
        title = _title(edition.audience)
        period = edition.subject.removeprefix(f"{title} — ")
        if edition.audience is LetterAudience.ASSOCIATIONS:
            return self._renderer.edition(
                content,
                title=title,
                period=period,
                archive_url=self._links.letter_archive(edition.id),
                headings=LETTER_HEADINGS,
                footer=LETTER_FOOTER,
            )
        return self._renderer.edition(
            content, title=title, period=period, archive_url=self._links.archive(edition.id)
        )

    def sender(self, edition: Edition) -> Sender:
        s = self._settings
        list_id = s.letter_list_id if edition.audience is LetterAudience.ASSOCIATIONS else None
        return Sender.of(
            s.mail_from_name, s.mail_from_address, edition.subject, list_id or s.list_id
        )

    async def mail(self, edition_id: str) -> EditionMail | None:
        found = self._cache.get(edition_id)
        if found is not None:
            return found
        record = await self._store.get(edition_id)
        content = await self._store.content(edition_id)
        if record is None or content is None:
            return None
        edition = record[0]
        found = EditionMail(
            edition=edition,
            content=content,
            rendered=self.render(edition, content),
            sender=self.sender(edition),
        )
        self._cache = {edition_id: found} | {
            k: v for k, v in list(self._cache.items())[-3:] if k != edition_id
        }
        return found

    async def archive(self, edition_id: str) -> str | None:
        """The generic version of an edition (every item, no personal link)."""
        mail = await self.mail(edition_id)
        if mail is None:
            return None
        html = mail.rendered.html_for(mail.content, range(len(mail.content.items)))
        subscribe = f"{self._links.base}/abonnement"
        if mail.edition.audience is LetterAudience.ASSOCIATIONS:
            subscribe = self.association_space
        return html.replace(PREFERENCES, subscribe).replace(UNSUBSCRIBE, subscribe)

    @property
    def association_space(self) -> str:
        """Where an association chooses to receive its letter or not (the annuaire)."""
        return f"{self._settings.public_url('annuaire')}/espace-association"


def _title(audience: LetterAudience) -> str:
    return LETTER_TITLE if audience is LetterAudience.ASSOCIATIONS else TITLE
