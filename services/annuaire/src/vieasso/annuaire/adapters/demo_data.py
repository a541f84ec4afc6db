"""Realistic demo associations and missions for Besançon, deterministic for a given seed.

French names built from an activity of the theme and a place of the quartier; public
contacts on `exemple.fr`; RNA ids `W25…` and SIREN numbers with a correct Luhn key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from vieasso.annuaire.domain.commands import AssociationFields, MissionFields, PrivateContact
from vieasso.annuaire.domain.rules import association_slug, luhn_ok, make_slug

ACTIVITIES: dict[str, tuple[str, ...]] = {
    "sport": ("Judo Club", "Tennis de table", "Basket Club", "Handball Club", "Club d'escalade",
              "Randonneurs", "Cyclotouristes", "Badminton Club", "Gymnastique volontaire",
              "Archers", "Roller Club", "Club de yoga", "Aviron", "Pétanque"),
    "culture": ("Chorale", "Compagnie de théâtre", "Harmonie", "Atelier de peinture",
                "Ciné-club", "Compagnie de danse", "Ensemble vocal", "Photo-club",
                "Jazz Club", "Atelier d'écriture", "Orchestre d'accordéons"),
    "solidarite": ("Épicerie solidaire", "Entraide", "Vestiaire solidaire", "Maraude",
                   "Collectif d'accueil", "Alphabétisation", "Aide aux démarches"),
    "environnement": ("Jardins partagés", "Repair café", "Compost collectif",
                      "Atelier vélo", "Amis des haies", "Nettoyons la nature"),
    "jeunesse": ("Foyer des jeunes", "Ludothèque", "Aide aux devoirs", "Club d'échecs",
                 "Scouts et guides", "Accueil de loisirs"),
    "seniors": ("Club de l'amitié", "Université du temps libre", "Aînés en balade",
                "Rencontres intergénérations"),
    "patrimoine": ("Société d'histoire", "Mémoire de quartier", "Amis des orgues",
                   "Amis du patrimoine"),
    "vie-de-quartier": ("Comité de quartier", "Comité des fêtes", "Association des habitants",
                        "Fête de rue"),
    "numerique": ("Club informatique", "Fablab", "Radio associative"),
    "sante": ("Donneurs de sang bénévoles", "Écoute et soutien", "Association de patients"),
    "handicap": ("Sport adapté", "Handi-loisirs", "Lire autrement"),
    "international": ("Comité de jumelage", "Amitiés franco-allemandes", "Échanges solidaires"),
}  # fmt: skip

PLACES: dict[str, tuple[str, ...]] = {
    "battant": ("de Battant", "du quai Vauban"),
    "centre-chapelle-des-buis": ("du Centre", "de la Boucle", "de la Chapelle des Buis"),
    "bregille-pres-de-vaux": ("de Bregille", "des Prés-de-Vaux"),
    "butte-grette": ("de la Butte", "des Grette"),
    "chaprais-cras": ("des Chaprais", "des Cras"),
    "clairs-soleils-vareilles": ("des Clairs-Soleils", "des Vareilles"),
    "montrapon-fontaine-ecu-montboucons": ("de Montrapon", "de Fontaine-Écu"),
    "orchamps-palente-saragosse": ("de Palente", "des Orchamps", "de Saragosse"),
    "planoise-chateaufarine": ("de Planoise", "de Châteaufarine"),
    "saint-claude-torcols-chailluz": ("de Saint-Claude", "des Torcols", "de Chailluz"),
    "saint-ferjeux-rosemont": ("de Saint-Ferjeux", "de Rosemont"),
    "tilleroyes": ("des Tilleroyes",),
    "velotte": ("de Velotte",),
}
STREETS = ("rue Battant", "Grande Rue", "rue de Dole", "avenue de Montrapon", "rue de Vesoul",
           "rue de Belfort", "boulevard Kennedy", "rue Mégevand", "avenue Fontaine-Argent",
           "rue de Chalezeule", "chemin de Velotte", "rue Pasteur", "rue de Besançon",
           "avenue Villarceau", "rue de l'Escale", "rue des Cras")  # fmt: skip
SUFFIXES = ("", " Loisirs", " Avenir", " Passion", " Ensemble", " Nouvelle Vague", " 25")
FIRST_NAMES = ("Camille", "Léa", "Hugo", "Manon", "Louis", "Chloé", "Nathan", "Inès", "Jules",
               "Sarah", "Paul", "Yasmine", "Mathis", "Zoé", "Karim", "Anne", "Odile")  # fmt: skip
LAST_NAMES = ("Martin", "Bernard", "Petit", "Girard", "Faivre", "Cuenot", "Mougin", "Jeannin",
              "Vuillemin", "Pernot", "Bouveret", "Cordier", "Nguyen", "Lambert")  # fmt: skip
MISSION_TITLES = ("Accueil du public le jour de la fête", "Aide à la tenue de la buvette",
                  "Trésorier ou trésorière adjoint(e)", "Animation d'un atelier",
                  "Communication sur les réseaux sociaux", "Accompagnement de sorties",
                  "Montage et démontage du matériel", "Soutien administratif ponctuel",
                  "Encadrement des plus jeunes", "Mise à jour du site web")  # fmt: skip
SKILLS = ("accueil", "bricolage", "comptabilité", "anglais", "graphisme", "cuisine", "animation")
SCHEDULES = ("le mardi soir", "le samedi matin", "un mercredi après-midi sur deux",
             "deux heures par semaine, à votre convenance")  # fmt: skip


@dataclass(frozen=True)
class DemoAssociation:
    fields: AssociationFields
    contact: PrivateContact

    @property
    def slug(self) -> str:
        return association_slug(self.fields.name)


def _siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7, 10**8):08d}"
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def associations(count: int, seed: int) -> list[DemoAssociation]:
    """`count` distinct associations; the same `seed` always gives the same list."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    names: set[str] = set()
    result = []
    themes = sorted(ACTIVITIES)
    for i in range(count):
        theme, quartier = rng.choice(themes), rng.choice(sorted(PLACES))
        place = rng.choice(PLACES[quartier])
        base = f"{rng.choice(ACTIVITIES[theme])} {place}"
        name = next((n for s in SUFFIXES if (n := base + s) not in names), f"{base} {i + 1}")
        names.add(name)
        host = make_slug(name)[:40].strip("-")
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        extra = [t for t in themes if t != theme and rng.random() < 0.08][:1]  # noqa: PLR2004
        fields = AssociationFields.model_validate({
            "name": name,
            "purpose": f"{_purpose(theme)} Ouverte aux habitants {place} et de tout Besançon.",
            "rna_id": f"W25{(seed * 100_003 + i) % 10**7:07d}" if rng.random() < 0.7 else None,  # noqa: PLR2004
            "siren": _siren(rng) if rng.random() < 0.2 else None,  # noqa: PLR2004
            "themes": [theme, *extra],
            "quartier": quartier,
            "address": {"street": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                        "postal_code": "25000"},
            "email": f"contact@{host}.exemple.fr",
            "phone": f"03 81 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            "website": f"https://{host}.exemple.fr/" if rng.random() < 0.5 else None,  # noqa: PLR2004
            "employs_staff": rng.random() < 0.2,  # noqa: PLR2004
            "founded_on": date(rng.randint(1901, 2024), rng.randint(1, 12), rng.randint(1, 28)),
        })  # fmt: skip
        contact = PrivateContact(
            name=f"{first} {last}",
            email=f"{make_slug(first)}.{make_slug(last)}@exemple.fr",
        )
        result.append(DemoAssociation(fields, contact))
    return result


def _purpose(theme: str) -> str:
    return {
        "sport": "Pratique sportive pour tous les âges, en loisir et en compétition.",
        "culture": "Pratique artistique amateur, répétitions et spectacles ouverts à tous.",
        "solidarite": "Aide aux personnes en difficulté, dans le respect et la dignité.",
        "environnement": "Protéger notre cadre de vie et apprendre à réparer, trier, planter.",
        "jeunesse": "Activités éducatives et de loisirs pour les enfants et les jeunes.",
        "seniors": "Rompre l'isolement des aînés par des sorties et des rencontres.",
        "patrimoine": "Faire connaître l'histoire et le patrimoine de Besançon.",
        "vie-de-quartier": "Animer le quartier : fêtes, vide-greniers, rencontres entre voisins.",
        "numerique": "Initiation au numérique et projets collaboratifs.",
        "sante": "Information, prévention et soutien autour de la santé.",
        "handicap": "Loisirs et activités accessibles aux personnes en situation de handicap.",
        "international": "Échanges et amitié entre Besançon et ses villes jumelles.",
    }[theme]


def missions(
    slugs: list[str], count: int, seed: int, today: date
) -> list[tuple[str, MissionFields]]:
    """`count` missions spread over `slugs`, dated from `today` on (deterministic)."""
    rng = random.Random(seed * 7919 + 1)  # noqa: S311
    result = []
    for i in range(count):
        slug, round_ = slugs[i % len(slugs)], i // len(slugs)
        regular = rng.random() < 0.4  # noqa: PLR2004
        start = today + timedelta(days=rng.randint(3, 90))
        data = {
            "title": MISSION_TITLES[(i + 3 * round_) % len(MISSION_TITLES)],
            "description": "Rejoignez une équipe sympathique ! Aucune compétence particulière "
            "n'est demandée : nous vous accompagnons dès le premier jour.",
            "kind": "reguliere" if regular else "ponctuelle",
            "starts_on": None if regular else start,
            "ends_on": None if regular else start + timedelta(days=rng.randint(0, 3)),
            "schedule": rng.choice(SCHEDULES) if regular else None,
            "time_commitment": rng.choice(("2 h", "une demi-journée", "3 h par semaine")),
            "remote": rng.choice(("non", "non", "non", "possible", "total")),
            "open_to_minors": rng.random() < 0.3,  # noqa: PLR2004
            "skills": rng.sample(SKILLS, k=rng.randint(0, 2)),
            "places_available": rng.randint(1, 10),
            "how_to_apply": "Écrivez-nous via le formulaire de contact en précisant vos "
            "disponibilités.",
        }
        result.append((slug, MissionFields.model_validate(data)))
    return result
