"""French labels of the agenda's codes, for the pages' forms and listings."""

from __future__ import annotations

AUDIENCES = {
    "tout_public": "Tout public",
    "jeune_public": "Jeune public",
    "adultes": "Adultes",
    "seniors": "Seniors",
    "familles": "Familles",
}
ATTENDANCE = {"offline": "Sur place", "online": "En ligne", "mixed": "Sur place et en ligne"}
STATUSES = {"scheduled": "Prévu", "postponed": "Reporté", "full": "Complet"}
ACCESSIBILITY = {
    "motor": "Handicap moteur",
    "hearing": "Handicap auditif",
    "visual": "Handicap visuel",
    "mental": "Handicap mental ou psychique",
}
REPEATS = {"": "Ne se répète pas", "WEEKLY": "Chaque semaine", "MONTHLY": "Chaque mois"}
