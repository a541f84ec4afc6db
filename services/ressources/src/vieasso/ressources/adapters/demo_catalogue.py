"""The demo catalogue: what a French city lends its associations (about twenty models) and
five rooms in venues of the directory's reference data (`vieasso.common.reference`).

Stocks, deposits and rules are plausible, not the city's: the city enters its own through
the city space or `PUT /api/catalogue/...`.
"""

from __future__ import annotations

from typing import Any

CTM = "Centre technique municipal, magasin du matériel festif (rue Pierre-Vernotte)"
MDA = "Réserve du Service Vie associative (Kursaal, 2 place du Théâtre)"
DELIVERY = "retrait-ou-livraison"


def _model(
    entry_id: str,
    name: str,
    category: str,
    stock: int,
    description: str,
    **rules: Any,
) -> dict[str, Any]:
    base: dict[str, Any] = {"storage_place": CTM, "deposit_eur": 0, "damage_fee_eur": 0}
    return (
        {
            "id": entry_id,
            "name": name,
            "category": category,
            "stock": stock,
            "description": description,
        }
        | base
        | rules
    )


MODELS: tuple[dict[str, Any], ...] = (
    _model("barnum-3x3", "Barnum 3 × 3 m", "barnums", 12,
           "Structure acier et bâche blanche, quatre côtés amovibles ; montage à deux personnes.",
           deposit_eur=300, damage_fee_eur=150, max_loan_days=4, handover=DELIVERY),
    _model("barnum-3x6", "Barnum 3 × 6 m", "barnums", 6,
           "Pour une buvette ou un stand d'accueil ; livré et monté par les agents sur demande.",
           deposit_eur=500, damage_fee_eur=250, max_loan_days=4, handover=DELIVERY,
           notice={"min_days": 28, "max_days": 92}),
    _model("tonnelle-pliante", "Tonnelle pliante 3 × 3 m", "barnums", 20,
           "Tonnelle en accordéon, montage en cinq minutes ; housse de transport fournie.",
           deposit_eur=150, damage_fee_eur=80, max_loan_days=4),
    _model("lests-barnum", "Lests pour barnum (lot de 4 × 15 kg)", "barnums", 30,
           "Obligatoires dès que le vent dépasse 40 km/h.", max_loan_days=4),
    _model("sono-portable", "Sonorisation portable (enceinte 300 W sur batterie)", "sonorisation",
           6, "Enceinte amplifiée avec lecteur Bluetooth et deux entrées micro.",
           deposit_eur=400, damage_fee_eur=300, max_loan_days=3, storage_place=MDA,
           notice={"min_days": 14, "max_days": 92}),
    _model("sono-complete", "Sonorisation complète (2 enceintes, table 8 voies)", "sonorisation",
           2, "Pour un concert en plein air ; une personne formée doit être présente.",
           deposit_eur=800, damage_fee_eur=600, max_loan_days=3, handover=DELIVERY),
    _model("micro-hf", "Micro sans fil HF (micro main)", "sonorisation", 10,
           "Se branche sur les sonorisations de la Ville ; piles fournies.",
           deposit_eur=150, damage_fee_eur=120, max_loan_days=3, storage_place=MDA),
    _model("pupitre", "Pupitre d'orateur", "sonorisation", 3,
           "Pupitre en bois avec col de cygne pour un micro.", max_loan_days=3, storage_place=MDA),
    _model("grille-exposition", "Grille d'exposition (2 × 1 m, avec pieds)", "exposition", 60,
           "Grilles à crochets pour accrocher affiches et tableaux.",
           deposit_eur=20, damage_fee_eur=40, max_loan_days=14),
    _model("panneau-affichage", "Panneau d'affichage double face", "exposition", 10,
           "Panneau liège 120 × 80 cm sur chevalet.", max_loan_days=14, storage_place=MDA),
    _model("table-pliante", "Table pliante 180 × 75 cm", "mobilier", 120,
           "Huit personnes assises ; transport par chariot de 10.",
           damage_fee_eur=60, max_loan_days=5, handover=DELIVERY),
    _model("chaise-pliante", "Chaise pliante", "mobilier", 400,
           "Chaise coque empilable, par chariots de 50.", damage_fee_eur=25, max_loan_days=5,
           handover=DELIVERY),
    _model("banc-bois", "Banc en bois 2 m", "mobilier", 80,
           "Banc de brasserie, quatre places.", damage_fee_eur=40, max_loan_days=5,
           handover=DELIVERY),
    _model("vaisselle-lot-50", "Vaisselle réutilisable (lot de 50 couverts)", "vaisselle", 20,
           "Assiettes, verres et couverts pour 50 personnes, rendus lavés.",
           deposit_eur=100, damage_fee_eur=100, max_loan_days=5, buffer_days=2),
    _model("gobelets-lot-50", "Gobelets réutilisables 25 cl (lot de 50)", "vaisselle", 60,
           "Gobelets à l'effigie de la Ville ; le lavage peut être fait par la Ville.",
           deposit_eur=50, damage_fee_eur=50, max_loan_days=5, buffer_days=2),
    _model("percolateur", "Percolateur 100 tasses", "vaisselle", 4,
           "Machine à café de 15 litres pour les buvettes.",
           deposit_eur=80, damage_fee_eur=80, max_loan_days=5, storage_place=MDA),
    _model("rallonge-25m", "Rallonge électrique 25 m", "electricite", 30,
           "Enrouleur 3 prises, câble pour l'extérieur.", deposit_eur=20, damage_fee_eur=30,
           max_loan_days=5),
    _model("coffret-electrique", "Coffret de distribution électrique (prises 16 A)",
           "electricite", 6, "Branché par les agents de la Ville sur une borne de la place.",
           deposit_eur=200, damage_fee_eur=200, max_loan_days=3, handover=DELIVERY,
           notice={"min_days": 28, "max_days": 92}),
    _model("projecteur-led", "Projecteur d'éclairage LED sur pied", "electricite", 12,
           "Projecteur 50 W étanche, pied réglable jusqu'à 2,5 m.", deposit_eur=60,
           damage_fee_eur=60, max_loan_days=5),
    _model("videoprojecteur", "Vidéoprojecteur (4 000 lumens, HDMI)", "video", 4,
           "Avec câble HDMI de 10 m et télécommande.", deposit_eur=500, damage_fee_eur=400,
           max_loan_days=3, storage_place=MDA),
    _model("ecran-projection", "Écran de projection sur pied (2,4 m)", "video", 4,
           "Écran blanc mat 16:9 déroulant.", deposit_eur=100, damage_fee_eur=100,
           max_loan_days=3, storage_place=MDA),
    _model("podium-modulaire", "Podium modulaire (élément de 2 × 1 m)", "scene", 24,
           "Éléments réglables de 40 à 100 cm, livrés et montés par les agents.",
           deposit_eur=100, damage_fee_eur=150, max_loan_days=4, handover=DELIVERY,
           notice={"min_days": 35, "max_days": 92}),
    _model("barriere-police", "Barrière de police (2 m)", "securite", 100,
           "Pour délimiter un parcours ou une file ; livrées par lots de 10.",
           damage_fee_eur=50, max_loan_days=5, handover=DELIVERY),
)  # fmt: skip

_WEEK = {str(d): ["matin", "apres-midi"] for d in range(1, 6)}
_WEEK_AND_SATURDAY = _WEEK | {"6": ["matin", "apres-midi"]}

ROOMS: tuple[dict[str, Any], ...] = (
    {"id": "salle-proudhon", "name": "Salle Proudhon", "venue_id": "kursaal-salle-proudhon",
     "capacity": 80, "opening": _WEEK_AND_SATURDAY,
     "description": "Salle de réunion et de conférence dans l'ancienne brasserie du Kursaal.",
     "equipment_notes": "Tables et chaises pour 80, écran, sonorisation sur demande."},
    {"id": "battant-salle-polyvalente", "name": "Salle polyvalente des Bains-Douches",
     "venue_id": "maison-de-quartier-battant", "capacity": 60, "opening": _WEEK_AND_SATURDAY,
     "description": "Pour une assemblée générale, un atelier ou un repas de quartier.",
     "equipment_notes": "Office avec réfrigérateur, 10 tables, 60 chaises."},
    {"id": "planoise-salle-reunion", "name": "Salle de réunion Nelson-Mandela",
     "venue_id": "maison-de-quartier-planoise", "capacity": 25, "opening": _WEEK,
     "description": "Petite salle au calme pour un bureau ou un conseil d'administration.",
     "equipment_notes": "Écran mural, tableau blanc."},
    {"id": "grette-salle-activites", "name": "Salle d'activités de Grette",
     "venue_id": "maison-de-quartier-grette", "capacity": 40, "opening": _WEEK_AND_SATURDAY,
     "description": "Salle lumineuse au rez-de-chaussée, parquet : danse, gym douce, ateliers."},
    {"id": "montrapon-salle-coubertin", "name": "Salle Pierre-de-Coubertin",
     "venue_id": "maison-de-quartier-montrapon", "capacity": 50, "opening": _WEEK,
     "description": "Salle de réunion du centre Pierre-de-Coubertin.",
     "equipment_notes": "Vidéoprojecteur fixe, 50 chaises."},
)  # fmt: skip
