"""An Aides-territoires record (`GET /api/aids/`) read and mapped onto an `AidScheme`.

The field names are those the API sends (MTES-MCT/aides-territoires-symfony,
`src/Controller/Api/Aid/AidController.php`, `getResultsSpe`); docs/aides.md lists them. The
API sends display names, not slugs, for `recurrence` ("Ponctuelle", "Permanente",
"Récurrente") and `aid_types` ("Subvention", "Ingénierie technique"…); both are accepted.
Pure: the caller gives the time and the site's address. A record that cannot be read raises
`MalformedRecord` with a French reason (the city reads it in the sync's report).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from vieasso.aides.domain.deadlines import OneDate, Ongoing, YearlyWindow
from vieasso.aides.domain.schemes import (
    MAX_EUROS,
    AidKind,
    AidScheme,
    Amounts,
    Application,
    Eligibility,
    SchemeOrigin,
    SchemeState,
    Source,
)

LICENCE = "Licence Ouverte 2.0 (Etalab) — données Aides-territoires"
ID_PREFIX = "at-"
MAX_DESCRIPTION = 10_000
SHORT = 300
SHORTEST_SENTENCE = 40
_KINDS = {
    "subvention": AidKind.PROJECT_GRANT, "grant": AidKind.PROJECT_GRANT,
    "prêt": AidKind.PROJECT_GRANT, "loan": AidKind.PROJECT_GRANT,
    "avance récupérable": AidKind.PROJECT_GRANT, "recoverable-advance": AidKind.PROJECT_GRANT,
    "recoverable_advance": AidKind.PROJECT_GRANT, "autre aide financière": AidKind.PROJECT_GRANT,
    "other": AidKind.PROJECT_GRANT, "cee": AidKind.PROJECT_GRANT,
    "certificat d'économie d'énergie (cee)": AidKind.PROJECT_GRANT,
    "ingénierie technique": AidKind.SUPPORT, "technical-engineering": AidKind.SUPPORT,
    "ingénierie financière": AidKind.SUPPORT, "financial-engineering": AidKind.SUPPORT,
    "ingénierie juridique / administrative": AidKind.SUPPORT,
    "legal-engineering": AidKind.SUPPORT,
}  # fmt: skip
OPERATING = "dépenses de fonctionnement"  # a `destinations` value: the aid pays running costs
# Aides-territoires categories ("<thème> / <catégorie>") → the directory's theme codes; the
# category names are those of the public source (ImportFlux/datas/*categories_mapping.csv).
_THEMES = {
    "sports et loisirs": ("sport", "loisirs"), "spectacle vivant": ("culture",),
    "arts plastiques et photographie": ("culture",), "bibliothèques et livres": ("culture",),
    "culture et identité collective": ("culture",), "médias et communication": ("culture",),
    "patrimoine et monuments historiques": ("patrimoine",), "citoyenneté": ("citoyennete",),
    "cohésion sociale et inclusion": ("solidarite",), "lutte contre la précarité": ("solidarite",),
    "santé": ("sante",), "jeunesse": ("jeunesse",), "emploi": ("economie-sociale-solidaire",),
    "education et renforcement des compétences": ("education",),
    "formation professionnelle": ("education",), "biodiversité": ("environnement",),
    "forêts": ("environnement",), "risques naturels": ("environnement",),
    "technologies numériques et numérisation": ("numerique",),
    "international": ("international",),
}  # fmt: skip
_THEME_NAMES = {"nature / environnement": ("environnement",)}  # a whole theme, any category
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class MalformedRecord(ValueError):
    """A record the sync skips; `reason` is French, for the city's report."""

    def __init__(self, reason: str, source_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source_id = source_id


class AtAid(BaseModel):
    """The fields of an `/api/aids/` result the sync reads (the others are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    name: str
    url: str | None = None
    short_title: str | None = None
    financers: list[str] = []
    instructors: list[str] = []
    description: str | None = None
    eligibility: str | None = None
    perimeter: str | None = None
    categories: list[str] = []
    is_call_for_project: bool | None = None
    application_url: str | None = None
    origin_url: str | None = None
    aid_types: list[str] = []
    destinations: list[str] = []
    start_date: date | None = None
    submission_deadline: date | None = None
    subvention_rate_lower_bound: int | None = None
    subvention_rate_upper_bound: int | None = None
    subvention_comment: str | None = None
    loan_amount: int | None = None
    recoverable_advance_amount: int | None = None
    recurrence: str | None = None
    date_updated: AwareDatetime | None = None
    is_live: bool | None = None

    @property
    def scheme_id(self) -> str:
        return f"{ID_PREFIX}{self.id}"

    @property
    def state(self) -> SchemeState:
        return SchemeState.WITHDRAWN if self.is_live is False else SchemeState.PUBLISHED


def read(raw: object) -> AtAid:
    """The record's fields checked; `MalformedRecord` with what is wrong."""
    source_id = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") is not None else None
    if not isinstance(raw, dict):
        raise MalformedRecord("l'enregistrement n'est pas un objet JSON")
    try:
        return AtAid.model_validate(raw)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "?" for e in exc.errors()})
        raise MalformedRecord(f"champ(s) illisible(s) : {', '.join(fields)}", source_id) from exc


def to_scheme(aid: AtAid, *, site: str, now: datetime) -> AidScheme:
    """The scheme this record describes (`site`: the Aides-territoires address, for links)."""
    description = plain_text(aid.description)
    eligibility = plain_text(aid.eligibility)
    data: dict[str, Any] = {
        "id": aid.scheme_id,
        "name": _one_line(aid.name)[:200],
        "short_description": _short(description) or _one_line(aid.short_title or aid.name),
        "description": "\n\n".join(p for p in (description, eligibility) if p)[:MAX_DESCRIPTION],
        "funders": _funders(aid),
        "kinds": kinds(aid),
        "themes": themes(aid.categories),
        "perimeter": _one_line(aid.perimeter or "France")[:120],
        "eligibility": Eligibility(conditions=_conditions(eligibility)),
        "amounts": _amounts(aid),
        "deadlines": deadlines(aid),
        "application": Application(url=_link(aid.application_url or aid.origin_url)),
        "source": Source(
            origin=SchemeOrigin.AIDES_TERRITOIRES,
            source_id=str(aid.id),
            source_url=_link(f"{site.rstrip('/')}{aid.url}" if aid.url else None),
            date_updated=aid.date_updated,
            licence=LICENCE,
        ),
        "state": aid.state,
        "created_at": now,
        "updated_at": now,
    }
    try:
        return AidScheme.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise MalformedRecord(f"fiche incomplète : {', '.join(fields)}", str(aid.id)) from exc


def kinds(aid: AtAid) -> tuple[AidKind, ...]:
    found = {_KINDS[t.strip().casefold()] for t in aid.aid_types if t.strip().casefold() in _KINDS}
    if any(d.strip().casefold() == OPERATING for d in aid.destinations):
        found.add(AidKind.OPERATING_GRANT)
    if aid.is_call_for_project:
        found.add(AidKind.CALL_FOR_PROJECTS)
    return tuple(k for k in AidKind if k in found) or (AidKind.PROJECT_GRANT,)


def themes(categories: list[str]) -> tuple[str, ...]:
    """Theme codes of the categories (a category is sent as « thème / catégorie »)."""
    codes: set[str] = set()
    for category in categories:
        text = category.replace("|", " / ").casefold()
        for name, mapped in _THEMES.items():
            if text.endswith(name):
                codes.update(mapped)
        for name, mapped in _THEME_NAMES.items():
            if text.startswith(name):
                codes.update(mapped)
    return tuple(sorted(codes))


def deadlines(aid: AtAid) -> OneDate | YearlyWindow | Ongoing:
    """`recurrence`: one-off → its date; recurring → the same window every year; ongoing →
    at any time. Missing dates fall back as docs/aides.md says."""
    recurrence = (aid.recurrence or "").strip().casefold()
    closes, opens = aid.submission_deadline, aid.start_date
    if recurrence in {"permanente", "ongoing"} or closes is None:
        return Ongoing()
    if recurrence in {"récurrente", "recurring"} and opens is not None:
        return YearlyWindow(
            opens_month=opens.month, opens_day=min(opens.day, _last_day(opens)),
            closes_month=closes.month, closes_day=min(closes.day, _last_day(closes)),
        )  # fmt: skip
    return OneDate(deadline=closes, opens_on=opens if opens and opens <= closes else None)


def _last_day(day: date) -> int:
    return 28 if (day.month, day.day) == (2, 29) else day.day


def _funders(aid: AtAid) -> tuple[str, ...]:
    names = [_one_line(n)[:200] for n in (aid.financers or aid.instructors) if n.strip()]
    if not names:
        raise MalformedRecord("aucun porteur ni instructeur", str(aid.id))
    return tuple(dict.fromkeys(names))[:20]


def _amounts(aid: AtAid) -> Amounts:
    low, high = aid.subvention_rate_lower_bound, aid.subvention_rate_upper_bound
    low, high = _percent(low), _percent(high)
    if low is not None and high is not None and low > high:
        low, high = high, low
    ceiling = max((a for a in (aid.loan_amount, aid.recoverable_advance_amount) if a), default=None)
    note = _one_line(plain_text(aid.subvention_comment))[:300] or None
    return Amounts(
        rate_min_percent=low,
        rate_max_percent=high,
        max_eur=ceiling if ceiling is not None and 0 < ceiling <= MAX_EUROS else None,
        note=note,
    )


def _percent(value: int | None) -> int | None:
    return value if value is not None and 1 <= value <= 100 else None  # noqa: PLR2004


def _conditions(eligibility: str) -> tuple[str, ...]:
    lines = [_one_line(line)[:300] for line in eligibility.splitlines() if line.strip()]
    return tuple(lines[:20])


def _short(description: str) -> str:
    text = _one_line(description)
    if len(text) <= SHORT:
        return text
    end = text.find(". ", 0, SHORT)
    return text[: end + 1] if end > SHORTEST_SENTENCE else text[:SHORT].rsplit(" ", 1)[0] + "…"


def _link(url: str | None) -> str | None:
    return url.strip() if url and url.strip().startswith(("https://", "http://")) else None


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", " ".join(text.split())).strip()


class _Text(HTMLParser):
    BREAKS = frozenset({"p", "br", "li", "div", "h1", "h2", "h3", "h4", "tr", "ul", "ol"})
    HIDDEN = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n- " if tag == "li" else "\n")
        self.hidden += tag in self.HIDDEN

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")
        self.hidden -= tag in self.HIDDEN and self.hidden > 0

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def plain_text(html: str | None) -> str:
    """The text of an HTML fragment: paragraphs kept as lines, tags and controls dropped."""
    if not html:
        return ""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\r", "")
    text = "".join(c for c in text if c == "\n" or (c >= " " and c != "\x7f"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
