"""Demo annonces (`vieasso-ressources demo`): a dozen offers and needs of the directory's
validated associations, through the same use case as the pages (rules, facts). Loaded once:
when any annonce exists, nothing is added (running the demo twice changes nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from vieasso.common.messages.annonces import AnnonceDirection, AnnonceKind
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.ressources.domain.annonces import Draft, EntraideError
from vieasso.ressources.domain.calendar import local_day
from vieasso.ressources.handlers.annonces import Entraide

OF, B = AnnonceDirection.OFFRE, AnnonceDirection.BESOIN
K = AnnonceKind
# (direction, kind, title, description, days of dates or None: permanent)
ANNONCES: tuple[tuple[AnnonceDirection, AnnonceKind, str, str, int | None], ...] = (
    (
        B,
        K.MATERIEL,
        "Nous cherchons deux barnums pour la fête de quartier",
        "Notre fête de quartier réunit 300 personnes : il nous manque deux barnums 3 × 3 m "
        "et une dizaine de tables pour l'après-midi.",
        2,
    ),
    (
        OF,
        K.COMPETENCE,
        "Aide à la comptabilité associative",
        "Notre trésorier, expert-comptable retraité, peut aider une petite association à "
        "préparer ses comptes annuels et son budget prévisionnel.",
        None,
    ),
    (
        B,
        K.BENEVOLES,
        "Bénévoles pour la buvette du festival",
        "Nous cherchons six bénévoles pour tenir la buvette deux soirs ; en échange, nos "
        "bénévoles peuvent venir renforcer votre prochain événement.",
        3,
    ),
    (
        OF,
        K.LOCAL,
        "Salle disponible le mardi soir",
        "Notre local (30 places, accessible) est libre le mardi de 18 h à 22 h : nous le "
        "partageons volontiers avec une association du quartier.",
        None,
    ),
    (
        OF,
        K.TRANSPORT,
        "Minibus 9 places à partager",
        "Notre minibus est disponible certains week-ends pour des sorties d'associations, "
        "avec un chauffeur bénévole.",
        None,
    ),
    (
        B,
        K.PARTENARIAT,
        "Partenaires pour un projet de fresque participative",
        "Nous montons un projet de fresque avec les habitants ; nous cherchons une "
        "association d'arts plastiques et une maison de quartier partenaires.",
        60,
    ),
    (
        OF,
        K.MECENAT,
        "Mécénat de compétences : développeurs web",
        "Une entreprise bisontine propose, via la Ville, deux jours de développement pour le "
        "site d'une association.",
        30,
    ),
    (
        B,
        K.COMPETENCE,
        "Qui peut nous aider pour les réseaux sociaux ?",
        "Nous aimerions apprendre à publier nos activités sur les réseaux sociaux : une "
        "séance de deux heures nous suffirait.",
        None,
    ),
    (
        OF,
        K.MATERIEL,
        "Prêt de vaisselle pour 100 personnes",
        "Assiettes, couverts et verres réutilisables pour 100 personnes, à retirer à Battant.",
        None,
    ),
    (
        B,
        K.FINANCEMENT,
        "Cofinancement d'un séjour de jeunes",
        "Nous cherchons des partenaires et des pistes de financement pour un séjour de "
        "quinze jeunes du quartier cet été.",
        7,
    ),
    (
        OF,
        K.BENEVOLES,
        "Des bénévoles formés aux premiers secours",
        "Cinq de nos bénévoles sont formés PSC1 et peuvent renforcer un événement.",
        None,
    ),
    (
        B,
        K.LOCAL,
        "Local de stockage pour le matériel du club",
        "Nous cherchons quelques mètres carrés pour ranger nos tapis et nos costumes.",
        None,
    ),
)


@dataclass
class AnnoncesReport:
    made: int = 0
    already: bool = False
    refused: list[str] = field(default_factory=list)


def _draft(entry: tuple[AnnonceDirection, AnnonceKind, str, str, int | None], index: int,
           asso: AssociationPublic, unit: Entraide) -> Draft:  # fmt: skip
    direction, kind, title, description, days = entry
    first = local_day(unit.clock.now()) + timedelta(days=14 + 3 * index)
    return Draft(
        direction=direction,
        kind=kind,
        title=title,
        description=description,
        themes=asso.themes[:3],
        quartier=asso.quartier,
        starts_on=first if days else None,
        ends_on=first + timedelta(days=days) if days else None,
    )


async def load_demo_annonces(
    unit: Entraide, associations: Sequence[AssociationPublic], *, existing: int
) -> AnnoncesReport:
    report = AnnoncesReport(already=existing > 0)
    validated = [a for a in associations if a.state is AssociationState.VALIDATED]
    if report.already or not validated:
        if not validated:
            report.refused.append("Aucune association validée dans l'annuaire.")
        return report
    for index, entry in enumerate(ANNONCES):
        asso = validated[index % len(validated)]
        try:
            await unit.publish_annonce(asso.slug, _draft(entry, index, asso, unit))
        except EntraideError as exc:
            report.refused.append(f"{entry[2]} : {exc.message}")
            continue
        report.made += 1
    return report
