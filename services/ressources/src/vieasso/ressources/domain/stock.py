"""How far a model's stock may be lowered: never below the units already approved on a day
to come (pure; the allocations are those of its availability record)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from vieasso.ressources.domain.periods import Allocation, Slot

SHOWN_DAYS = 8


def days_over(allocations: Iterable[Allocation], stock: int, today: date) -> list[tuple[date, int]]:
    """(day, units held) for every day from `today` on whose busiest half-day holds more
    than `stock` units, in order."""
    start = 2 * today.toordinal()
    use: dict[int, int] = {}
    for a in allocations:
        for ordinal in range(max(a.first.ordinal, start), a.last.ordinal + 1):
            use[ordinal] = use.get(ordinal, 0) + a.quantity
    by_day: dict[date, int] = {}
    for ordinal, units in use.items():
        day = Slot.of(ordinal).day
        by_day[day] = max(by_day.get(day, 0), units)
    return sorted((day, units) for day, units in by_day.items() if units > stock)


def stock_refusal(name: str, stock: int, over: list[tuple[date, int]]) -> str:
    """The French reason for refusing a stock of `stock` (`over`: `days_over`, not empty)."""
    listed = ", ".join(f"{units} le {day:%d/%m/%Y}" for day, units in over[:SHOWN_DAYS])
    more = f" et {len(over) - SHOWN_DAYS} autre(s) jour(s)" if len(over) > SHOWN_DAYS else ""
    return (
        f"Impossible de ramener le stock de « {name} » à {stock} : des unités sont déjà "
        f"accordées à des associations, {listed}{more}. Annulez ou réduisez d'abord ces prêts "
        "(espace Ville, Prêts), puis baissez le stock."
    )
