"""French labels of the agenda's codes, for the pages' forms and listings."""

from __future__ import annotations

from collections.abc import Iterable

AUDIENCES = {
    "tout_public": "Tout public",
    "jeune_public": "Jeune public",
    "adultes": "Adultes",
    "seniors": "Seniors",
    "familles": "Familles",
    "associations": "Associations (réunions, formations, forum)",
}
ATTENDANCE = {"offline": "Sur place", "online": "En ligne", "mixed": "Sur place et en ligne"}
STATUSES = {"scheduled": "Prévu", "postponed": "Reporté", "full": "Complet"}
DISABILITIES = {
    "motor": "moteur",
    "hearing": "auditif",
    "visual": "visuel",
    "mental": "mental ou psychique",
}
"""The kind of disability each accessibility flag is about (`handicap moteur`…)."""
ACCESSIBILITY = {flag: f"Handicap {kind}" for flag, kind in DISABILITIES.items()}
REPEATS = {"": "Ne se répète pas", "WEEKLY": "Chaque semaine", "MONTHLY": "Chaque mois"}


def by_label(
    options: Iterable[tuple[str, str]], *, casefold: bool = False
) -> list[tuple[str, str]]:
    """(code, label) options by label, then code: two of one label (two venues, or two
    associations, of one name) keep one order whatever order they were held in, so every
    replica renders the same page."""
    if casefold:
        return sorted(options, key=lambda option: (option[1].casefold(), option[0]))
    return sorted(options, key=lambda option: (option[1], option[0]))
