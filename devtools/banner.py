"""What `make run` prints once everything is up: what runs where, in French, for people."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from devtools.processes import DevSettings
    from vieasso.annuaire.handlers.demo import DemoAccess

_RULE = "─" * 72
PARIS = "Europe/Paris"
_DEFAULT_TOKEN = "dev-admin-token"  # noqa: S105 - the public development default


def try_publishing(
    annuaire: str, agenda: str, access: Sequence[DemoAccess], today: date
) -> list[str]:
    """How to sign in as a demo association and publish an event with its demo token."""
    if not access:
        return []
    first = access[0]
    paris = ZoneInfo(PARIS)
    day = today + timedelta(days=7)
    event = {
        "event_id": "essai-make-run",
        "title": "Atelier découverte",
        "start": datetime.combine(day, time(18, 0), paris).isoformat(),
        "end": datetime.combine(day, time(20, 0), paris).isoformat(),
        "place": {"name": "Maison de quartier", "address": "Rue de Vesoul", "postal_code": "25000"},
    }
    lines = [
        " Essayer l'espace association (jetons de DÉMONSTRATION, jamais en production) :",
        f"   Se connecter                {annuaire}/espace-association/connexion",
    ]
    lines += [f"   {a.name} — identifiant {a.slug}, jeton {a.token}" for a in access]
    lines += [
        "   Publier un événement par l'API de l'agenda (réponse 202) :",
        f"   curl -X POST '{agenda}/api/associations/{first.slug}/events' \\",
        f"     -H 'Authorization: Bearer {first.token}' -H 'Content-Type: application/json' \\",
        f"     -d '{json.dumps(event, ensure_ascii=False)}'",
        "",
    ]
    return lines


def banner(
    settings: DevSettings, access: Sequence[DemoAccess] = (), today: date | None = None
) -> str:
    annuaire, agenda, newsletter, ressources, aides = (
        settings.service_url(name)
        for name in ("annuaire", "agenda", "newsletter", "ressources", "aides")
    )
    feeds = f"{agenda}/feeds/agenda"
    webcal = feeds.replace("http://", "webcal://", 1).replace("https://", "webcal://", 1)
    host = settings.local_host
    var = settings.dev_var_dir
    token = settings.admin_token.get_secret_value()
    token_line = (
        f"« Authorization: Bearer {_DEFAULT_TOKEN} » (défaut de développement)"
        if token == _DEFAULT_TOKEN
        else "« Authorization: Bearer » + votre VIEASSO_ADMIN_TOKEN"
    )
    lines = [
        _RULE,
        " Vie associative Besançon — tout est prêt.  Ctrl-C arrête tout (les données restent).",
        _RULE,
        f" Site (page d'accueil, liens vers toutes les pages)   {annuaire}/",
        "",
        " Documentation des API (à ouvrir dans le navigateur) :",
        f"   Annuaire des associations   {annuaire}/docs",
        f"   Agenda des événements       {agenda}/docs",
        f"   Lettre d'information        {newsletter}/docs",
        f"   Matériel et salles          {ressources}/docs",
        f"   Aides aux associations      {aides}/docs",
        "",
        " Flux de l'agenda, pour s'abonner :",
        f"   Agenda (iCalendar)          {feeds}.ics",
        f"   … en un clic (webcal)       {webcal}.ics",
        f"   RSS                         {feeds}.rss",
        f"   Atom                        {feeds}.atom",
        f"   JSON-LD (schema.org)        {feeds}.jsonld",
        "",
        *try_publishing(annuaire, agenda, access, today or datetime.now(ZoneInfo(PARIS)).date()),
        f" S'abonner à la lettre          {newsletter}/abonnement",
        f" Matériel et salles de la Ville {ressources}/materiel   ·   {ressources}/salles",
        f" Aides aux associations         {aides}/aides",
        f" Écrans de la Ville (démo)      {agenda}/ecran/hall-de-la-mairie"
        f"   ·   {agenda}/ecran/kursaal-accueil   (gestion : {agenda}/ecrans)",
        f" Courriels envoyés (test)       http://{host}:{settings.mail_viewer_port}/"
        f"   (SMTP {settings.smtp_host}:{settings.smtp_port}, fichiers .eml dans {var}/mail/)",
        f" NATS                           nats://127.0.0.1:{settings.nats_port}"
        f"   (supervision http://127.0.0.1:{settings.nats_monitor_port}/)",
        f" Santé des services             {annuaire}/healthz  {agenda}/healthz",
        f"                                {newsletter}/healthz  {ressources}/healthz",
        f"                                {aides}/healthz",
        f" Actions d'administration       {token_line}",
        f" Journaux                       {var}/log/<nom>.log  ·  données NATS : {var}/nats/",
        _RULE,
    ]
    return "\n".join(lines)
