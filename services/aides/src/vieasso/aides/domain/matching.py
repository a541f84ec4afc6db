"""Which aids an association may apply for, why, and what is missing to be sure.

Pure: from the association's directory record (themes, quartier, `employs_staff`, founding
date) and its answers (budget range, volunteers, project dates), each published scheme
gets a verdict — eligible, to check (something unknown or borderline), not eligible — with
the criteria that matched, failed or are missing, each said in French. Listed most urgent
deadline first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from vieasso.aides.domain.deadlines import Ongoing, Status, Window, status_of
from vieasso.aides.domain.follows import Answers
from vieasso.aides.domain.schemes import AidKind, AidScheme, Eligibility, SchemeState, StaffRule

PROJECT_KINDS = frozenset({AidKind.PROJECT_GRANT, AidKind.CALL_FOR_PROJECTS})


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    TO_CHECK = "a-verifier"
    NOT_ELIGIBLE = "non-eligible"


@dataclass(frozen=True, slots=True)
class Profile:
    """What matching knows of one association."""

    themes: frozenset[str] = frozenset()
    quartier: str | None = None
    employs_staff: bool | None = None
    founded_on: date | None = None
    answers: Answers = field(default_factory=Answers)


@dataclass(frozen=True, slots=True)
class Reason:
    """`text` is French, for the association; written when read (`template` filled with
    `args`): a long list is matched without formatting the reasons nobody reads (B9)."""

    criterion: str  # `theme`, `quartier`, `staff`, `age`, `budget`, `volunteers`, `dates`…
    template: str
    args: tuple[object, ...] = ()

    @property
    def text(self) -> str:
        return self.template.format(*self.args) if self.args else self.template


@dataclass(slots=True)
class Match:
    scheme: AidScheme
    status: Status
    next_closing: date | None
    matched: list[Reason] = field(default_factory=list)
    failed: list[Reason] = field(default_factory=list)
    missing: list[Reason] = field(default_factory=list)

    def reasons(self) -> list[Reason]:
        return [*self.matched, *self.failed, *self.missing]

    @property
    def verdict(self) -> Verdict:
        if self.failed:
            return Verdict.NOT_ELIGIBLE
        return Verdict.TO_CHECK if self.missing else Verdict.ELIGIBLE


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (0 if `end` is before)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (end.day < start.day))


def euros(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f") + " €"


@dataclass(frozen=True, slots=True)
class _Euros:
    """An amount, written « 10 000 € » when a reason is read."""

    value: int

    def __format__(self, spec: str) -> str:
        return euros(self.value)


@dataclass(frozen=True, slots=True)
class _Names:
    """Codes named by their labels (the code when unknown), written when a reason is read."""

    codes: Iterable[str]
    names: Mapping[str, str]

    def __format__(self, spec: str) -> str:
        return ", ".join(self.names.get(c, c) for c in self.codes)


def match(
    profile: Profile, scheme: AidScheme, today: date, labels: Mapping[str, str] | None = None
) -> Match:
    """The verdict of one scheme for one association; `labels` names themes and quartiers
    by their codes (the code itself when missing)."""
    names = labels or {}
    rule = scheme.eligibility
    window = scheme.deadlines.next_window(today)
    state = status_of(scheme.deadlines, window, today)
    found = Match(scheme, state, window.closes if window else None)
    if found.status is Status.CLOSED:
        found.failed.append(Reason("dates", "L'appel est clos."))
    _themes(found, scheme.themes, profile.themes, names)
    _quartier(found, rule, profile.quartier, names)
    _staff(found, rule.employs_staff, profile.employs_staff)
    _age(found, rule.min_age_months, profile.founded_on, today)
    _budget(found, rule, profile.answers)
    _volunteers(found, rule, profile.answers.volunteers)
    if PROJECT_KINDS.intersection(scheme.kinds) and not isinstance(scheme.deadlines, Ongoing):
        _project(found, window, profile.answers, today)
    return found


def _themes(
    found: Match, wanted: tuple[str, ...], themes: frozenset[str], names: Mapping[str, str]
) -> None:
    if not wanted:
        found.matched.append(Reason("theme", "Ouvert à tous les thèmes."))
    elif not themes:
        found.missing.append(Reason("theme", "Vos thèmes ne sont pas renseignés dans l'annuaire."))
    elif common := sorted(themes.intersection(wanted)):
        found.matched.append(Reason("theme", "Thème : {}.", (_Names(common, names),)))
    else:
        found.failed.append(Reason("theme", "Réservé à d'autres thèmes que les vôtres."))


def _quartier(
    found: Match, rule: Eligibility, quartier: str | None, names: Mapping[str, str]
) -> None:
    if not rule.quartiers:
        return
    if quartier is None:
        found.missing.append(Reason("quartier", "Votre quartier n'est pas renseigné."))
    elif quartier in rule.quartiers:
        text = "Votre quartier ({}) est concerné."
        found.matched.append(Reason("quartier", text, (_Names((quartier,), names),)))
    else:
        found.failed.append(Reason("quartier", "Réservé à d'autres quartiers que le vôtre."))


def _staff(found: Match, rule: StaffRule, employs: bool | None) -> None:
    if rule is StaffRule.ANY:
        return
    if employs is None:
        text = "Indiquez dans l'annuaire si l'association emploie des salariés."
        found.missing.append(Reason("staff", text))
    elif employs == (rule is StaffRule.EMPLOYER):
        text = "Association employeuse." if employs else "Association sans salarié."
        found.matched.append(Reason("staff", text))
    else:
        text = (
            "Réservé aux associations employeuses."
            if rule is StaffRule.EMPLOYER
            else ("Réservé aux associations sans salarié.")
        )
        found.failed.append(Reason("staff", text))


def _age(found: Match, minimum: int | None, founded_on: date | None, today: date) -> None:
    if minimum is None:
        return
    if founded_on is None:
        text = "Votre date de création n'est pas renseignée dans l'annuaire."
        found.missing.append(Reason("age", text))
    elif (age := months_between(founded_on, today)) >= minimum:
        found.matched.append(Reason("age", "Créée depuis au moins {} mois.", (minimum,)))
    else:
        text = "Il faut {} mois d'existence ; l'association en a {}."
        found.failed.append(Reason("age", text, (minimum, age)))


def _budget(found: Match, rule: Eligibility, answers: Answers) -> None:
    if rule.budget_min is None and rule.budget_max is None:
        return
    if answers.budget is None:
        found.missing.append(Reason("budget", "Indiquez votre budget annuel."))
        return
    low, high = answers.budget.bounds  # [low, high)
    top = rule.budget_max
    if top is not None and low > top:
        found.failed.append(Reason("budget", "Budget annuel plafonné à {}.", (_Euros(top),)))
    elif top is not None and (high is None or high - 1 > top):
        text = "À vérifier : budget plafonné à {}."
        found.missing.append(Reason("budget", text, (_Euros(top),)))
    bottom = rule.budget_min
    if bottom is not None and high is not None and high <= bottom:
        text = "Il faut un budget d'au moins {}."
        found.failed.append(Reason("budget", text, (_Euros(bottom),)))
    elif bottom is not None and low < bottom:
        text = "À vérifier : il faut un budget d'au moins {}."
        found.missing.append(Reason("budget", text, (_Euros(bottom),)))
    if not any(r.criterion == "budget" for r in (*found.failed, *found.missing)):
        found.matched.append(Reason("budget", "Votre budget correspond."))


def _volunteers(found: Match, rule: Eligibility, count: int | None) -> None:
    if rule.min_volunteers is None and rule.max_volunteers is None:
        return
    if count is None:
        found.missing.append(Reason("volunteers", "Indiquez votre nombre de bénévoles."))
    elif rule.min_volunteers is not None and count < rule.min_volunteers:
        text = "Il faut au moins {} bénévoles."
        found.failed.append(Reason("volunteers", text, (rule.min_volunteers,)))
    elif rule.max_volunteers is not None and count > rule.max_volunteers:
        text = "Réservé aux associations d'au plus {} bénévoles."
        found.failed.append(Reason("volunteers", text, (rule.max_volunteers,)))
    else:
        found.matched.append(Reason("volunteers", "Votre nombre de bénévoles correspond."))


def _project(found: Match, window: Window | None, answers: Answers, today: date) -> None:
    """A project aid is asked for before the project starts."""
    if window is None:
        return  # closed: said already
    start = answers.project_start
    if start is None:
        found.missing.append(Reason("dates", "Indiquez les dates de votre projet."))
    elif max(window.opens or today, today) > start:
        found.failed.append(
            Reason("dates", "Le prochain dépôt s'ouvre après le début de votre projet.")
        )
    else:
        last = min(window.closes, start)
        text = "Dépôt possible avant le début de votre projet (jusqu'au {:%d/%m/%Y})."
        found.matched.append(Reason("dates", text, (last,)))


def plainly_excluded(profile: Profile, scheme: AidScheme) -> bool:
    """A cheap look at what most often excludes an aid (theme, quartier, staff), so that a
    long list is not reasoned about in full; `match` says the same, with its reasons."""
    if scheme.themes and profile.themes and profile.themes.isdisjoint(scheme.themes):
        return True
    rule = scheme.eligibility
    if rule.quartiers and profile.quartier is not None and profile.quartier not in rule.quartiers:
        return True
    staff = rule.employs_staff
    return (
        staff is not StaffRule.ANY
        and profile.employs_staff is not None
        and (profile.employs_staff != (staff is StaffRule.EMPLOYER))
    )


def _urgency(found: Match) -> tuple[date, str]:
    return (found.next_closing or date.max, found.scheme.name.casefold())


def matches(
    profile: Profile,
    schemes: Iterable[AidScheme],
    today: date,
    labels: Mapping[str, str] | None = None,
    *,
    everything: bool = False,
) -> list[Match]:
    """The published schemes an association may apply for (or must check), most urgent
    deadline first; `everything`: the non-eligible ones too, after them."""
    published = SchemeState.PUBLISHED  # `AidScheme.published`, without a call per scheme
    found = [
        match(profile, s, today, labels)
        for s in schemes
        if s.state is published and (everything or not plainly_excluded(profile, s))
    ]
    kept = [m for m in found if m.verdict is not Verdict.NOT_ELIGIBLE]
    kept.sort(key=_urgency)
    if everything:
        kept += sorted((m for m in found if m.verdict is Verdict.NOT_ELIGIBLE), key=_urgency)
    return kept
