"""The demo schemes of `vieasso-aides demo`: the kinds of aid a French city of Besançon's
size offers its associations (operating grants, project aids, the Fonds de participation
des habitants of the priority neighbourhoods, rooms and equipment lent, tickets given,
support). Names, windows and amounts are plausible, not the city's own figures: the city
enters its schemes in its space (/espace-ville/aides).
"""

from __future__ import annotations

from typing import Any

CITY = "Ville de Besançon"
GBM = "Grand Besançon Métropole"
COMPTE_ASSO = "https://lecompteasso.associations.gouv.fr/"
SVA = "Service Vie associative, Ville de Besançon — 03 81 61 50 50"
QPV = (
    "planoise-chateaufarine", "clairs-soleils-vareilles", "orchamps-palente-saragosse",
    "montrapon-fontaine-ecu-montboucons", "butte-grette",
)  # fmt: skip
BASICS = ("Statuts à jour", "Numéro RNA et SIRET", "RIB au nom de l'association")
ACCOUNTS = ("Derniers comptes approuvés", "Rapport d'activité de l'année passée")


def _window(opens: tuple[int, int], closes: tuple[int, int]) -> dict[str, Any]:
    (od, om), (cd, cm) = opens, closes
    return {"kind": "annuel", "opens_day": od, "opens_month": om,
            "closes_day": cd, "closes_month": cm}  # fmt: skip


ONGOING: dict[str, Any] = {"kind": "permanent"}


def _scheme(
    scheme_id: str,
    name: str,
    short: str,
    kinds: tuple[str, ...],
    deadlines: dict[str, Any],
    *,
    documents: tuple[str, ...] = BASICS,
    funders: tuple[str, ...] = (CITY,),
    url: str | None = COMPTE_ASSO,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "id": scheme_id,
        "name": name,
        "short_description": short,
        "funders": funders,
        "kinds": kinds,
        "deadlines": deadlines,
        "application": {"url": url, "documents": documents, "contact": SVA},
        **fields,
    }


SCHEMES: tuple[dict[str, Any], ...] = (
    _scheme(
        "subvention-fonctionnement",
        "Subvention de fonctionnement aux associations",
        "Une aide annuelle au fonctionnement courant des associations bisontines.",
        ("subvention-fonctionnement",),
        _window((1, 9), (31, 10)),
        documents=(*BASICS, *ACCOUNTS, "Budget prévisionnel de l'année à venir"),
        eligibility={"min_age_months": 12, "conditions": ("Siège ou activité à Besançon",)},
        amounts={"min_eur": 300, "max_eur": 15_000, "note": "Selon le budget et l'activité"},
        description="Demande à déposer sur Le Compte Asso à l'automne pour l'année suivante. "
        "La Ville examine les demandes au premier trimestre ; le versement suit le vote du "
        "conseil municipal.",
    ),
    _scheme(
        "aide-projet-associatif",
        "Aide au projet associatif",
        "Un coup de pouce pour un projet ponctuel ouvert aux Bisontins.",
        ("aide-projet",),
        ONGOING,
        documents=(*BASICS, "Budget du projet", "Présentation du projet en une page"),
        amounts={"max_eur": 5_000, "rate_max_percent": 50},
        eligibility={"conditions": ("Demande au moins trois mois avant le début du projet",)},
    ),
    _scheme(
        "fonds-participation-habitants",
        "Fonds de participation des habitants (FPH)",
        "Des petits projets d'habitants et d'associations de proximité dans les quartiers "
        "prioritaires, décidés par un comité d'habitants.",
        ("aide-projet",),
        ONGOING,
        themes=("vie-de-quartier", "citoyennete", "solidarite"),
        funders=(CITY, "État (Politique de la ville)"),
        url=None,
        documents=("Fiche projet du FPH", "Budget du projet"),
        eligibility={"quartiers": QPV, "budget_max": 20_000},
        amounts={"max_eur": 1_500, "note": "Le comité d'habitants se réunit chaque mois"},
    ),
    _scheme(
        "appel-projets-contrat-de-ville",
        "Appel à projets du contrat de ville",
        "Des actions pour les habitants des quartiers prioritaires : éducation, emploi, "
        "santé, cadre de vie, lien social.",
        ("appel-a-projets",),
        _window((15, 10), (15, 12)),
        funders=(CITY, GBM, "État (ANCT)"),
        themes=("solidarite", "education", "vie-de-quartier"),
        documents=(*BASICS, *ACCOUNTS, "Fiche action", "Budget de l'action"),
        eligibility={"quartiers": QPV},
        amounts={"min_eur": 1_000, "max_eur": 30_000, "rate_max_percent": 80},
    ),
    _scheme(
        "pret-salles-municipales",
        "Prêt gratuit de salles municipales",
        "Des salles de réunion et d'activité prêtées gratuitement aux associations.",
        ("pret-salle-materiel",),
        ONGOING,
        url=None,
        documents=("Attestation d'assurance",),
        description="La réservation se fait dans l'espace association, page « Réservations », "
        "au moins trois semaines à l'avance.",
    ),
    _scheme(
        "pret-materiel-festif",
        "Prêt de matériel pour les manifestations",
        "Barnums, tables, chaises, sonorisation et barrières prêtés pour vos événements.",
        ("pret-salle-materiel", "aide-en-nature"),
        ONGOING,
        url=None,
        documents=("Attestation d'assurance", "Chèque de caution selon le matériel"),
    ),
    _scheme(
        "tickets-culture-sport",
        "Tickets Culture-Sport solidaires",
        "Des places de spectacles, de concerts et de matchs offertes aux associations "
        "solidaires pour les personnes qu'elles accompagnent.",
        ("aide-en-nature",),
        _window((1, 1), (15, 2)),
        themes=("solidarite", "culture", "sport", "handicap", "seniors"),
        documents=(*BASICS, "Nombre de personnes accompagnées"),
        eligibility={"conditions": ("Accompagner des publics éloignés de la culture ou du sport",)},
    ),
    _scheme(
        "manifestations-sportives",
        "Aide aux manifestations sportives",
        "Pour une compétition ou un événement sportif ouvert au public à Besançon.",
        ("aide-projet",),
        _window((1, 11), (31, 1)),
        themes=("sport",),
        documents=(*BASICS, "Budget de la manifestation", "Programme"),
        amounts={"max_eur": 8_000, "rate_max_percent": 30},
    ),
    _scheme(
        "clubs-sportifs-fonctionnement",
        "Soutien au fonctionnement des clubs sportifs",
        "Une aide annuelle aux clubs selon leurs licenciés, leurs jeunes et leur encadrement.",
        ("subvention-fonctionnement",),
        _window((1, 4), (31, 5)),
        themes=("sport",),
        documents=(*BASICS, *ACCOUNTS, "Nombre de licenciés par catégorie d'âge"),
        eligibility={"min_age_months": 12, "min_volunteers": 5},
        amounts={"min_eur": 500, "max_eur": 40_000},
    ),
    _scheme(
        "fonds-initiatives-jeunes",
        "Fonds d'initiatives jeunes",
        "Un projet porté par des jeunes de 16 à 30 ans : culture, solidarité, environnement.",
        ("aide-projet",),
        ONGOING,
        themes=("jeunesse",),
        documents=("Présentation du projet", "Budget du projet"),
        eligibility={"conditions": ("Projet porté par des jeunes de 16 à 30 ans",)},
        amounts={"max_eur": 1_000},
    ),
    _scheme(
        "appel-projets-transition-ecologique",
        "Appel à projets Transition écologique et alimentation durable",
        "Jardins partagés, réemploi, sobriété, alimentation locale : des projets "
        "d'associations pour la transition.",
        ("appel-a-projets",),
        {"kind": "date", "opens_on": "2027-01-15", "deadline": "2027-03-31"},
        funders=(CITY, GBM),
        themes=("environnement",),
        documents=(*BASICS, "Dossier de candidature", "Budget du projet"),
        amounts={"max_eur": 10_000, "rate_max_percent": 70},
    ),
    _scheme(
        "accompagnement-vie-associative",
        "Accompagnement des associations",
        "Conseils et formations gratuits : comptabilité, statuts, emploi, recherche de "
        "financements, bénévolat.",
        ("accompagnement",),
        ONGOING,
        url=None,
        documents=(),
        description="Sur rendez-vous au Service Vie associative, et des formations collectives "
        "chaque trimestre avec le Point d'appui à la vie associative (PAVA).",
    ),
    _scheme(
        "premier-emploi-associatif",
        "Aide à la création d'un premier emploi associatif",
        "Un soutien dégressif sur trois ans pour le premier salarié d'une association.",
        ("subvention-fonctionnement",),
        _window((1, 2), (30, 4)),
        funders=(CITY, GBM),
        documents=(*BASICS, *ACCOUNTS, "Fiche de poste", "Plan de financement sur trois ans"),
        eligibility={
            "employs_staff": "non-employeuse",
            "min_age_months": 24,
            "budget_min": 20_000,
        },
        amounts={"max_eur": 12_000, "note": "Sur trois ans, dégressif"},
    ),
    _scheme(
        "animations-de-quartier",
        "Fêtes et animations de quartier",
        "Pour une fête de quartier, un vide-grenier ou un repas partagé ouverts à tous.",
        ("aide-projet", "pret-salle-materiel"),
        _window((1, 2), (31, 3)),
        themes=("vie-de-quartier", "loisirs"),
        documents=(*BASICS, "Budget de l'animation"),
        amounts={"max_eur": 800},
        eligibility={"budget_max": 50_000},
    ),
    _scheme(
        "reprographie-municipale",
        "Impression d'affiches et de documents",
        "L'imprimerie municipale imprime gratuitement affiches et flyers des associations, "
        "dans la limite d'un quota annuel.",
        ("aide-en-nature",),
        ONGOING,
        url=None,
        documents=("Fichier PDF prêt à imprimer",),
        eligibility={"conditions": ("Quota de 500 impressions A3 par an et par association",)},
    ),
    _scheme(
        "solidarite-internationale",
        "Soutien aux projets de solidarité internationale",
        "Pour un projet avec les villes jumelles de Besançon ou un partenaire à l'étranger.",
        ("aide-projet",),
        _window((1, 1), (31, 3)),
        themes=("international", "solidarite"),
        documents=(*BASICS, "Présentation du partenaire", "Budget du projet"),
        amounts={"max_eur": 4_000, "rate_max_percent": 50},
        eligibility={"min_age_months": 12},
    ),
)
