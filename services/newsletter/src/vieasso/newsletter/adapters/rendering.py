"""Mail rendering: MJML (compiled with mjml-python) and Jinja2 (autoescape) for the data.

A digest's MJML is compiled **once per edition**, with every item of the edition in it and a
marker before each section heading, item, section end and the footer (items are rows of one
column per section, so any subset of them still makes valid tables). The compiled HTML (and the text
part, made the same way) is cut at the markers into fragments; a subscriber's mail is the
head, the headings and items they get, and the footer — a join, not a compilation — in
which only their own links are substituted (`PREFERENCES`, `UNSUBSCRIBE`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from mjml import mjml2html

from vieasso.newsletter.adapters.mime import SOFT_BREAK, QpBody, qp
from vieasso.newsletter.domain.content import EditionContent, Item
from vieasso.newsletter.domain.subscriber import Topic

PREFERENCES = "__VIEASSO_PREFERENCES__"
UNSUBSCRIBE = "__VIEASSO_UNSUBSCRIBE__"
CONFIRM = "__VIEASSO_CONFIRM__"
SLOTS = (PREFERENCES, UNSUBSCRIBE)
LOCALE = "fr_FR"
HEADINGS = {
    Topic.ASSOCIATIONS: "Nouvelles associations",
    Topic.MISSIONS: "Missions de bénévolat",
    Topic.EVENEMENTS: "Événements à venir",
}
RESIDENTS_FOOTER = (
    "Vous recevez cette lettre parce que vous vous y êtes abonné·e sur {site}.",
    "Modifier mes préférences",
)
_HTML_CUT = re.compile(r"<!--@@cut:([a-z0-9:]+)@@-->")
_TEXT_CUT = re.compile(r"^@@cut:([a-z0-9:]+)@@\n", re.MULTILINE)


def environment() -> Environment:
    return Environment(
        loader=PackageLoader("vieasso.newsletter", "templates"),
        autoescape=select_autoescape(["html", "mjml.j2", "html.j2"], default=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


def when_fr(item: Item, zone: ZoneInfo) -> str:
    """« samedi 5 décembre 2026 à 14 h 30 », or the day only for all-day events."""
    if item.topic is not Topic.EVENEMENTS:
        return ""
    if item.all_day:
        return format_date(item.when.astimezone(zone).date(), "EEEE d MMMM y", locale=LOCALE)
    return format_datetime(item.when, "EEEE d MMMM y 'à' H'h'mm", tzinfo=zone, locale=LOCALE)


def day_fr(at: datetime, zone: ZoneInfo) -> str:
    return format_date(at.astimezone(zone).date(), "d MMMM y", locale=LOCALE)


@dataclass(frozen=True)
class Fragments:
    """A compiled document cut into its pieces."""

    head: str
    headings: dict[Topic, str]
    items: dict[int, str]
    ends: dict[Topic, str]
    footer: str

    def assemble(self, content: EditionContent, indexes: Sequence[int]) -> str:
        parts = [self.head]
        topic: Topic | None = None
        for index in indexes:
            item_topic = content.items[index].topic
            if item_topic is not topic:
                if topic is not None:
                    parts.append(self.ends[topic])
                topic = item_topic
                parts.append(self.headings[topic])
            parts.append(self.items[index])
        if topic is not None:
            parts.append(self.ends[topic])
        parts.append(self.footer)
        return "".join(parts)


def _cut(document: str, pattern: re.Pattern[str]) -> Fragments:
    pieces = pattern.split(document)
    head, rest = pieces[0], pieces[1:]
    headings: dict[Topic, str] = {}
    ends: dict[Topic, str] = {}
    items: dict[int, str] = {}
    footer = ""
    for label, text in zip(rest[::2], rest[1::2], strict=True):
        if label == "footer":
            footer = text
        elif label.startswith("h:"):
            headings[Topic(label[2:])] = text
        elif label.startswith("e:"):
            ends[Topic(label[2:])] = text
        else:
            items[int(label[2:])] = text
    return Fragments(head, headings, items, ends, footer)


@dataclass(frozen=True)
class EncodedFragments:
    """`Fragments` quoted-printable-encoded once each, joined with soft line breaks; the
    footer keeps slots for the personal links. A mail is then a join of bytes."""

    head: bytes
    headings: dict[Topic, bytes]
    items: dict[int, bytes]
    ends: dict[Topic, bytes]
    footer: QpBody

    @classmethod
    def of(cls, fragments: Fragments) -> EncodedFragments:
        return cls(
            head=qp(fragments.head),
            headings={k: qp(v) for k, v in fragments.headings.items()},
            items={k: qp(v) for k, v in fragments.items.items()},
            ends={k: qp(v) for k, v in fragments.ends.items()},
            footer=QpBody(fragments.footer, SLOTS),
        )

    def prefix(self, content: EditionContent, indexes: Sequence[int]) -> bytes:
        """Everything before the footer (no personal data in it)."""
        parts = [self.head]
        topic: Topic | None = None
        for index in indexes:
            item_topic = content.items[index].topic
            if item_topic is not topic:
                if topic is not None:
                    parts.append(self.ends[topic])
                topic = item_topic
                parts.append(self.headings[topic])
            parts.append(self.items[index])
        if topic is not None:
            parts.append(self.ends[topic])
        return SOFT_BREAK.join(parts)

    def finish(self, prefix: bytes, links: Mapping[str, str]) -> bytes:
        return prefix + SOFT_BREAK + self.footer.fill(links)


@dataclass(frozen=True)
class RenderedEdition:
    subject: str
    html: Fragments
    text: Fragments
    html_qp: EncodedFragments
    text_qp: EncodedFragments

    def html_for(self, content: EditionContent, indexes: Sequence[int]) -> str:
        return self.html.assemble(content, indexes)

    def text_for(self, content: EditionContent, indexes: Sequence[int]) -> str:
        return self.text.assemble(content, indexes)


class Renderer:
    def __init__(self, *, zone: ZoneInfo, site: str, labels: dict[str, str]) -> None:
        self._env = environment()
        self._zone = zone
        self._site = site
        self._labels = labels  # theme and quartier codes → French labels

    def edition(
        self,
        content: EditionContent,
        *,
        title: str,
        period: str,
        archive_url: str,
        headings: Mapping[Topic, str] = HEADINGS,
        footer: tuple[str, str] = RESIDENTS_FOOTER,
    ) -> RenderedEdition:
        """`footer`: why the reader gets the letter (``{site}`` filled in) and the label of
        the `PREFERENCES` link."""
        sections = []
        index = 0
        for topic, items in (
            (Topic.ASSOCIATIONS, content.associations),
            (Topic.MISSIONS, content.missions),
            (Topic.EVENEMENTS, content.events),
        ):
            entries = []
            for item in items:
                entries.append(self._entry(index, item))
                index += 1
            if entries:
                sections.append(
                    {"topic": topic.value, "heading": headings[topic], "entries": entries}
                )
        data = {
            "title": title,
            "period": period,
            "preview": f"{title} — {period}",
            "sections": sections,
            "site": self._site,
            "archive_url": archive_url,
            "reason": footer[0].format(site=self._site),
            "preferences_label": footer[1],
        }
        mjml = self._env.get_template("digest.mjml.j2").render(data)
        html = mjml2html(mjml)
        text = self._env.get_template("digest.txt.j2").render(data)
        html_fragments, text_fragments = _cut(html, _HTML_CUT), _cut(text, _TEXT_CUT)
        return RenderedEdition(
            subject=f"{title} — {period}",
            html=html_fragments,
            text=text_fragments,
            html_qp=EncodedFragments.of(html_fragments),
            text_qp=EncodedFragments.of(text_fragments),
        )

    def _entry(self, index: int, item: Item) -> dict[str, object]:
        return {
            "index": index,
            "item": item,
            "when": when_fr(item, self._zone),
            "quartier": self._labels.get(f"quartier.{item.quartier}", "") if item.quartier else "",
            "themes": ", ".join(sorted(self._labels.get(f"theme.{t}", t) for t in item.themes)),
        }

    def confirmation(self, hours: int) -> tuple[str, str]:
        """HTML and text of the confirmation mail, with the `CONFIRM` placeholder."""
        html = mjml2html(self._env.get_template("confirm.mjml.j2").render(hours=hours))
        text = self._env.get_template("confirm.txt.j2").render(hours=hours)
        return html, text
