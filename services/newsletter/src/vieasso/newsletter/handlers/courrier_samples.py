"""Sample parameters of the lending mails (``pret-*``), as the ressources service sends
them, for the city's previews (`/espace-ville/courriers`): a neighbourhood party four weeks
ahead (a Saturday and Sunday),
for the sample association."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from vieasso.common.messages.courrier import Template

ASSOCIATION = {"association_name": "Les Amis de Battant", "association_slug": "les-amis-de-battant"}
PLACE = "Magasin municipal du matériel, 12 rue de l’Exemple, 25000 Besançon"
LINES = [
    ("Barnum 3×3 m", 2, 1),
    ("Table pliante 180 cm", 10, 10),
    ("Chaise pliante", 40, 40),
    ("Sono portable", 1, 0),
]


def lending_samples(today: date, ressources_url: str) -> dict[Template, dict[str, Any]]:
    starts = today + timedelta(days=28)
    starts += timedelta(days=(5 - starts.weekday()) % 7)  # a Saturday
    ends = starts + timedelta(days=1)
    period = {"starts_on": starts, "ends_on": ends}
    asked = [{"label": label, "quantity": n} for label, n, _ in LINES]
    granted = [{"label": label, "quantity": g} for label, _, g in LINES if g]
    city = f"{ressources_url}/espace-ville/prets/exemple"
    reservations = f"{ressources_url}/espace-association/reservations"
    return {
        Template.PRET_DEMANDE: {
            **ASSOCIATION, **period, "lines": asked, "link": city,
            "warnings": [
                "Chevauche un événement municipal : Braderie de Battant (barnums demandés).",
                "2ᵉ demande de l’association cette saison (maximum : 3).",
            ],
        },
        Template.PRET_DECISION: {
            **period, "decision": "accordee-en-partie",
            "lines": [{"label": label, "requested": n, "granted": g} for label, n, g in LINES],
            "reason": "Un seul barnum est libre ce week-end : les autres servent à la Braderie."
            "\nLa sono portable est en réparation.",
            "place": PLACE, "handover": "retrait", "deposit_eur": 300, "link": reservations,
        },
        Template.PRET_RAPPEL_RETRAIT: {
            "pickup_on": starts, "hours": "de 8 h à 11 h 30", "place": PLACE,
            "handover": "retrait", "deposit_eur": 300, "lines": granted, "link": reservations,
        },
        Template.PRET_RAPPEL_RETOUR: {
            "return_on": ends, "hours": "de 14 h à 16 h 30", "place": PLACE, "lines": granted,
            "condition": "Barnums secs et repliés dans leur housse, tables et chaises propres.",
            "link": reservations,
        },
        Template.PRET_RETARD: {
            "due_on": ends, "lines": granted,
            "instructions": "Rapportez le matériel au magasin municipal dès que possible, "
            "aux heures d’ouverture.",
            "contact": "Service Vie associative, 03 81 00 00 00", "link": reservations,
        },
        Template.PRET_ANNULE: {
            **ASSOCIATION, **period, "lines": granted, "link": city,
            "reason": "La fête de quartier est reportée à cause de la météo.",
        },
    }  # fmt: skip
