"""The courrier's mails: ``templates/courrier/<template>.mjml.j2`` (compiled by mjml-python)
and ``.txt.j2`` (the plain-text part), on the digest's look (`courrier/_layout.*`).

The Jinja2 environment is the digest's (`rendering.environment`): autoescape on for MJML,
so every parameter is escaped in the HTML; the text part is plain text. Dates are French,
in the newsletter's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from mjml import mjml2html
from pydantic import BaseModel

from vieasso.common.messages.courrier import Template
from vieasso.newsletter.adapters.rendering import LOCALE, environment
from vieasso.newsletter.domain import courrier as rules


@dataclass(frozen=True)
class CourrierMail:
    subject: str
    html: str
    text: str


class CourrierRenderer:
    def __init__(self, *, zone: ZoneInfo, site: str) -> None:
        self._env = environment()
        self._env.filters["euros"] = euros
        self._zone = zone
        self._site = site

    def render(self, template: Template, params: BaseModel, name: str | None) -> CourrierMail:
        """The mail of `template` with `params` (already checked), greeting `name` (the
        association's name; None for a team of the city)."""
        subject = rules.subject(template, params)
        data = {
            "subject": subject,
            "name": name,
            "site": self._site,
            "params": params,
            "dates": {f: self._date(value) for f, value in params if isinstance(value, date)},
        }
        mjml = self._env.get_template(f"courrier/{template.value}.mjml.j2").render(data)
        text = self._env.get_template(f"courrier/{template.value}.txt.j2").render(data)
        return CourrierMail(subject=subject, html=mjml2html(mjml), text=text)

    def _date(self, at: date) -> str:
        """« lundi 7 décembre 2026 à 8h30 », or « lundi 7 décembre 2026 » for a day."""
        if not isinstance(at, datetime):
            return format_date(at, "EEEE d MMMM y", locale=LOCALE)
        return format_datetime(at, "EEEE d MMMM y 'à' H'h'mm", tzinfo=self._zone, locale=LOCALE)


def euros(amount: int) -> str:
    """« 1 500 € »: whole euros, French grouping, a no-break space before the sign."""
    return f"{format_decimal(amount, locale=LOCALE)}\N{NO-BREAK SPACE}€"
