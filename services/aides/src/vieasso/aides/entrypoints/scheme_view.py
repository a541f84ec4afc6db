"""A scheme as the pages say it, in French: when to apply, how much, for whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from vieasso.aides.domain.deadlines import OneDate, Ongoing, Status, YearlyWindow, status
from vieasso.aides.domain.schemes import AidScheme, Amounts, Eligibility, StaffRule
from vieasso.common.web.dates import date_fr

MONTH_NAMES = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
STATUS = {Status.OPEN: "Ouvert", Status.UPCOMING: "Pas encore ouvert", Status.CLOSED: "Clos"}


@dataclass(frozen=True)
class SchemeView:
    scheme: AidScheme
    calendar: str  # « Chaque année, du 1er septembre au 15 octobre »
    status: Status
    status_label: str
    next_closing: date | None
    amounts: str | None
    eligibility: list[str]


def day_month(day: int, month: int) -> str:
    return f"{'1er' if day == 1 else day} {MONTH_NAMES[month - 1]}"


def euros(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f") + " €"


def calendar_text(rule: OneDate | YearlyWindow | Ongoing) -> str:
    if isinstance(rule, Ongoing):
        return "Demandes possibles toute l'année, sans date limite"
    if isinstance(rule, YearlyWindow):
        opens = day_month(rule.opens_day, rule.opens_month)
        closes = day_month(rule.closes_day, rule.closes_month)
        return f"Chaque année, du {opens} au {closes}"
    if rule.opens_on is not None:
        return f"Du {date_fr(rule.opens_on)} au {date_fr(rule.deadline)}"
    return f"Jusqu'au {date_fr(rule.deadline)}"


def amounts_text(amounts: Amounts) -> str | None:
    parts = []
    low, high = amounts.min_eur, amounts.max_eur
    if low is not None and high is not None:
        parts.append(f"de {euros(low)} à {euros(high)}")
    elif high is not None:
        parts.append(f"jusqu'à {euros(high)}")
    elif low is not None:
        parts.append(f"à partir de {euros(low)}")
    rate_low, rate_high = amounts.rate_min_percent, amounts.rate_max_percent
    if rate_high is not None:
        rate = f"{rate_low} à {rate_high} %" if rate_low is not None else f"{rate_high} %"
        parts.append(f"jusqu'à {rate} du budget" if rate_low is None else f"{rate} du budget")
    elif rate_low is not None:
        parts.append(f"au moins {rate_low} % du budget")
    if amounts.note:
        parts.append(amounts.note)
    return " ; ".join(parts).capitalize() if parts else None


def eligibility_lines(rule: Eligibility, quartiers: dict[str, str]) -> list[str]:
    lines = []
    if rule.employs_staff is StaffRule.EMPLOYER:
        lines.append("Associations employeuses")
    elif rule.employs_staff is StaffRule.NON_EMPLOYER:
        lines.append("Associations sans salarié")
    if rule.quartiers:
        names = ", ".join(quartiers.get(q, q) for q in rule.quartiers)
        lines.append(f"Quartiers : {names}")
    if rule.min_age_months:
        years, months = divmod(rule.min_age_months, 12)
        plural = "s" if years > 1 else ""
        age = f"{rule.min_age_months} mois" if months else f"{years} an{plural}"
        lines.append(f"Association créée depuis au moins {age}")
    if rule.budget_max is not None:
        lines.append(f"Budget annuel d'au plus {euros(rule.budget_max)}")
    if rule.budget_min is not None:
        lines.append(f"Budget annuel d'au moins {euros(rule.budget_min)}")
    if rule.min_volunteers is not None:
        lines.append(f"Au moins {rule.min_volunteers} bénévoles")
    if rule.max_volunteers is not None:
        lines.append(f"Au plus {rule.max_volunteers} bénévoles")
    lines.extend(rule.conditions)
    return lines


def scheme_view(
    scheme: AidScheme, today: date, quartiers: dict[str, str] | None = None
) -> SchemeView:
    state = status(scheme.deadlines, today)
    window = scheme.deadlines.next_window(today)
    return SchemeView(
        scheme=scheme,
        calendar=calendar_text(scheme.deadlines),
        status=state,
        status_label=STATUS[state],
        next_closing=window.closes if window else None,
        amounts=amounts_text(scheme.amounts),
        eligibility=eligibility_lines(scheme.eligibility, quartiers or {}),
    )
