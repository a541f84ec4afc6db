"""Valid parameters of each lending mail (``pret-*``), as the ressources service would send
them, for the courrier's tests."""

from __future__ import annotations

from typing import Any

from vieasso.common.messages.courrier import Template

NAME = "Les Amis de Battant"
CITY_LINK = "https://ressources.exemple.fr/espace-ville/prets/p-123"
MINE = "https://ressources.exemple.fr/espace-association/reservations"
PLACE = "Magasin municipal, 12 rue de l’Exemple"
ASKED = [{"label": "Barnum 3×3 m", "quantity": 2}, {"label": "Chaise pliante", "quantity": 40}]
DECIDED = [
    {"label": "Barnum 3×3 m", "requested": 2, "granted": 1},
    {"label": "Chaise pliante", "requested": 40, "granted": 40},
]
PERIOD = {"starts_on": "2027-06-12", "ends_on": "2027-06-13"}
ASSOCIATION = {"association_name": NAME, "association_slug": "les-amis-de-battant"}
VALID: dict[Template, dict[str, Any]] = {
    Template.PRET_DEMANDE: {
        **ASSOCIATION, **PERIOD, "lines": ASKED, "link": CITY_LINK,
        "warnings": ["Chevauche un événement municipal : Braderie de Battant"],
    },
    Template.PRET_DECISION: {
        **PERIOD, "decision": "accordee-en-partie", "lines": DECIDED,
        "reason": "Un seul barnum est libre ce week-end.", "place": PLACE,
        "handover": "retrait", "deposit_eur": 1500, "link": MINE,
    },
    Template.PRET_RAPPEL_RETRAIT: {
        "pickup_on": "2027-06-12", "hours": "de 8 h à 11 h 30", "place": PLACE,
        "deposit_eur": 300, "lines": ASKED, "link": MINE,
    },
    Template.PRET_RAPPEL_RETOUR: {
        "return_on": "2027-06-13", "place": PLACE, "lines": ASKED,
        "condition": "Barnums secs et repliés dans leur housse.",
    },
    Template.PRET_RETARD: {
        "due_on": "2027-06-13", "lines": ASKED, "contact": "Service des prêts, 03 81 00 00 00",
        "instructions": "Rapportez le matériel dès lundi.", "link": MINE,
    },
    Template.PRET_ANNULE: {
        **ASSOCIATION, **PERIOD, "lines": ASKED, "link": CITY_LINK,
        "reason": "La fête est reportée.",
    },
}  # fmt: skip
