"""The parameters of each lending mail (`vieasso.common.messages.courrier_prets`), made
from the stored loan and the catalogue as it is now: names, storage places, deposits.

A catalogue entry removed since the request is shown by its id; a place the catalogue no
longer gives is left to the lending team to tell (`UNKNOWN_PLACE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vieasso.common.directory import DirectoryView
from vieasso.common.messages.courrier_prets import LoanDecision
from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.loans import Loan, LoanLine, LoanState

CITY_SPACE = "/espace-ville/prets"
RESERVATIONS = "/espace-association/reservations"
PARTIAL_REASON = (
    "Le stock de la Ville ne permet pas de prêter toutes les unités demandées pour ces dates."
)
UNKNOWN_PLACE = "Lieu précisé par le service des prêts de la Ville"
MAX_PLACE, MAX_WARNING, MAX_WARNINGS = 300, 300, 10

Entry = EquipmentModel | Room


@dataclass(frozen=True)
class Context:
    """What a mail about `loan` shows besides the loan: the entries of its lines (None: no
    longer in the catalogue), the directory, the service's public address."""

    loan: Loan
    entries: dict[str, Entry | None]
    directory: DirectoryView
    base_url: str

    def label(self, line: LoanLine) -> str:
        entry = self.entries.get(line.resource_id)
        return entry.name if entry is not None else line.resource_id

    def association(self) -> dict[str, Any]:
        slug = self.loan.association_slug
        known = self.directory.association(slug)
        return {"association_name": known.name if known else slug, "association_slug": slug}

    def period(self) -> dict[str, Any]:
        return {"starts_on": self.loan.period.starts_on, "ends_on": self.loan.period.ends_on}

    def city_link(self) -> str:
        return f"{self.base_url}{CITY_SPACE}#{self.loan.id}"

    def own_link(self) -> str:
        return f"{self.base_url}{RESERVATIONS}"

    def held(self, *, equipment_only: bool = False) -> list[LoanLine]:
        """Lines with units granted (equipment only: what is picked up and brought back)."""
        return [
            line
            for line in self.loan.lines
            if line.granted and not (equipment_only and line.kind is ResourceKind.ROOM)
        ]

    def place(self, lines: list[LoanLine]) -> str:
        places: list[str] = []
        for line in lines:
            entry = self.entries.get(line.resource_id)
            if isinstance(entry, EquipmentModel):
                places.append(entry.storage_place)
            elif isinstance(entry, Room):
                venue = self.directory.venue(entry.venue_id)
                places.append(f"{entry.name}, {venue.name}" if venue else entry.name)
        return _cut(" ; ".join(dict.fromkeys(places)) or UNKNOWN_PLACE, MAX_PLACE)

    def deposit(self, lines: list[LoanLine]) -> int:
        return sum(
            entry.deposit_eur * (line.granted or 0)
            for line in lines
            if isinstance(entry := self.entries.get(line.resource_id), EquipmentModel)
        )

    def units(self, lines: list[LoanLine], *, granted: bool) -> list[dict[str, Any]]:
        return [
            {"label": self.label(line), "quantity": line.granted if granted else line.requested}
            for line in lines
        ]


def demande(ctx: Context) -> dict[str, Any]:
    warnings = [_cut(w, MAX_WARNING) for w in ctx.loan.warnings]
    return {
        **ctx.association(),
        **ctx.period(),
        "lines": ctx.units(list(ctx.loan.lines), granted=False),
        "link": ctx.city_link(),
        "warnings": warnings[:MAX_WARNINGS],
    }


def annule(ctx: Context, reason: str | None) -> dict[str, Any]:
    lines = ctx.held() or list(ctx.loan.lines)
    return {
        **ctx.association(),
        **ctx.period(),
        "lines": ctx.units(lines, granted=bool(ctx.held())),
        "link": ctx.city_link(),
        "reason": reason,
    }


def decision(ctx: Context, state: LoanState, reason: str | None) -> dict[str, Any]:
    refused = state is LoanState.REFUSED
    lines = [
        {
            "label": ctx.label(line),
            "requested": line.requested,
            "granted": 0 if refused else line.granted or 0,
        }
        for line in ctx.loan.lines
    ]
    full = all(line["granted"] == line["requested"] for line in lines)
    verdict = LoanDecision.REFUSED if refused else (
        LoanDecision.APPROVED if full else LoanDecision.PARTIAL
    )  # fmt: skip
    params: dict[str, Any] = {**ctx.period(), "decision": verdict, "lines": lines}
    params["link"] = ctx.own_link()
    if verdict is LoanDecision.PARTIAL:
        params["reason"] = reason or PARTIAL_REASON
    elif verdict is LoanDecision.REFUSED:
        params["reason"] = reason
    if not refused:
        held = ctx.held()
        # the loan does not record a delivery asked for: the team arranges one by phone
        params |= {"place": ctx.place(held), "handover": "retrait"}
        params["deposit_eur"] = ctx.deposit(held)
    return params


def rappel_retrait(ctx: Context) -> dict[str, Any]:
    held = ctx.held(equipment_only=True)
    return {
        "pickup_on": ctx.loan.period.starts_on,
        "place": ctx.place(held),
        "handover": "retrait",
        "deposit_eur": ctx.deposit(held),
        "lines": ctx.units(held, granted=True),
        "link": ctx.own_link(),
    }


def rappel_retour(ctx: Context) -> dict[str, Any]:
    held = ctx.held(equipment_only=True)
    return {
        "return_on": ctx.loan.period.ends_on,
        "place": ctx.place(held),
        "lines": ctx.units(held, granted=True),
        "link": ctx.own_link(),
    }


def retard(ctx: Context) -> dict[str, Any]:
    return {
        "due_on": ctx.loan.period.ends_on,
        "lines": ctx.units(ctx.held() or list(ctx.loan.lines), granted=bool(ctx.held())),
        "link": ctx.own_link(),
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
