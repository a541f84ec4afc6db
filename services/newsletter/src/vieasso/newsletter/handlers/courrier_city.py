"""What the city sees of the courrier (`/espace-ville/courriers`): every template rendered
with sample parameters for a sample association, and the associations whose contact was
refused for good (still the same contact: one changed since is mailed again)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vieasso.common.directory import ContactDirectory
from vieasso.common.messages.courrier import AUDIENCE, Template, ToCity, check_params
from vieasso.newsletter.adapters.courrier_rendering import CourrierMail, CourrierRenderer
from vieasso.newsletter.adapters.courrier_store import CourrierStore
from vieasso.newsletter.domain.courrier import address_hash
from vieasso.newsletter.handlers.courrier_samples import lending_samples

SAMPLE_ASSOCIATION = "Les Amis de Battant"
DESCRIPTIONS: dict[Template, str] = {
    Template.CONNEXION: "Lien de connexion à usage unique, demandé depuis la page de connexion.",
    Template.BIENVENUE: "Inscription validée par la ville, avec un lien de connexion.",
    Template.INSCRIPTION_REFUSEE: "Inscription refusée par la ville, avec la raison.",
    Template.EVENEMENT_MASQUE: "Événement masqué de l’agenda par la ville, avec la raison.",
    Template.MISSION_CLOSE: "Mission de bénévolat close d’office après sa date de fin.",
    Template.JETON_EMIS: "Jeton d’accès à l’API émis (par la ville ou l’association).",
    Template.JETON_REVOQUE: "Jeton d’accès à l’API révoqué (par la ville ou l’association).",
    Template.PRET_DEMANDE: "À l’équipe « prets » de la ville : une association demande un prêt.",
    Template.PRET_DECISION: "Demande de prêt accordée, accordée en partie ou refusée (raison).",
    Template.PRET_RAPPEL_RETRAIT: "La veille du retrait (ou de la livraison) d’un prêt.",
    Template.PRET_RAPPEL_RETOUR: "La veille du retour d’un prêt.",
    Template.PRET_RETARD: "Prêt non rendu à la date prévue.",
    Template.PRET_ANNULE: "À l’équipe « prets » de la ville : un prêt accordé a été annulé.",
    Template.ENTRAIDE_MESSAGE: "Entraide : message d’une association ou de la Ville.",
    Template.ANNONCE_DECISION: "Annonce sur les écrans de la ville acceptée ou refusée (raison).",
    Template.AIDE_ECHEANCE: "30 et 7 jours avant la date limite d’une aide suivie.",
}


def samples(now: datetime, url: Callable[[str], str]) -> dict[Template, dict[str, Any]]:
    """Parameters as the services would send them, for the previews (`url`: a service's
    public base URL)."""
    annuaire_url = url("annuaire")
    link = f"{annuaire_url}/espace-association/connexion/lien?jeton=exemple"
    reason = "Les informations fournies ne permettent pas de vérifier l’adresse du siège."
    return {
        Template.CONNEXION: {"link": link, "valid_minutes": 15},
        Template.BIENVENUE: {"link": link, "valid_until": now + timedelta(days=14)},
        Template.INSCRIPTION_REFUSEE: {"reason": reason},
        Template.EVENEMENT_MASQUE: {
            "event_title": "Vide-grenier de la Boucle",
            "event_start": now + timedelta(days=10),
            "reason": "L’événement annonce une vente d’alcool sans autorisation.\nMerci de "
            "retirer cette mention avant de le republier.",
        },
        Template.MISSION_CLOSE: {
            "mission_title": "Tenir la buvette du forum",
            "mission_url": f"{annuaire_url}/missions/exemple",
        },
        Template.JETON_EMIS: {"by": "ville"},
        Template.JETON_REVOQUE: {"by": "association"},
        Template.ENTRAIDE_MESSAGE: {
            "annonce_title": "Nous cherchons un barnum pour la fête de quartier",
            "from_name": "Jardins partagés de Planoise",
            "from_page": f"{annuaire_url}/associations/jardins-partages-de-planoise",
            "from_phone": "03 81 00 00 00",
            "from_website": None,
            "excerpt": "Bonjour,\nnous avons un barnum 3 × 3 m à prêter le week-end du 12.",
            "thread_url": f"{url('ressources')}/espace-association/entraide/fils/exemple",
        },
        Template.ANNONCE_DECISION: {
            "event_title": "Vide-grenier de la Boucle",
            "approved": False,
            "screens": ["Hall de la mairie", "Médiathèque Pierre-Bayle"],
            "first_day": now.date() + timedelta(days=3),
            "last_day": now.date() + timedelta(days=10),
            "reason": "Les écrans de la mairie sont réservés cette semaine à la campagne "
            "d’inscription sur les listes électorales.",
            "link": f"{url('agenda')}/espace-association/annonces",
        },
        Template.AIDE_ECHEANCE: {
            "scheme_name": "Subvention de fonctionnement aux associations",
            "funders": "Ville de Besançon",
            "deadline": now.date() + timedelta(days=30),
            "days_left": 30,
            "scheme_url": f"{url('aides')}/aides/exemple",
            "application_url": "https://lecompteasso.associations.gouv.fr/",
            "follows_url": f"{url('aides')}/espace-association/aides",
        },
        **lending_samples(now.date(), url("ressources")),
    }


def greeted(template: Template) -> str | None:
    """Whom the preview greets: the sample association, or no one for a city team."""
    return None if AUDIENCE.get(template) is ToCity else SAMPLE_ASSOCIATION


def preview(renderer: CourrierRenderer, template: Template, params: dict[str, Any]) -> CourrierMail:
    return renderer.render(template, check_params(template, params), greeted(template))


@dataclass(frozen=True)
class UndeliverableContact:
    slug: str
    name: str
    at: datetime
    reason: str


async def undeliverable(
    store: CourrierStore, contacts: ContactDirectory, secret: bytes
) -> list[UndeliverableContact]:
    """The associations whose current contact was refused for good, latest first."""
    found = []
    for slug, record in (await store.all_undeliverable()).items():
        contact = contacts.get(slug)
        if contact is None or not contact.email:
            continue
        if address_hash(contact.email, secret) != record.address_hash:
            continue  # changed since: mailed again
        found.append(UndeliverableContact(slug, contact.name, record.at, record.reason))
    return sorted(found, key=lambda u: (u.at, u.slug), reverse=True)
