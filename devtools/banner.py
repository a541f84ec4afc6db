"""What `make run` prints once everything is up: what runs where, in French, for people."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devtools.processes import DevSettings

_RULE = "─" * 72
_DEFAULT_TOKEN = "dev-admin-token"  # noqa: S105 - the public development default


def banner(settings: DevSettings) -> str:
    annuaire, agenda, newsletter = (
        settings.service_url(name) for name in ("annuaire", "agenda", "newsletter")
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
        "",
        " Flux de l'agenda, pour s'abonner :",
        f"   Agenda (iCalendar)          {feeds}.ics",
        f"   … en un clic (webcal)       {webcal}.ics",
        f"   RSS                         {feeds}.rss",
        f"   Atom                        {feeds}.atom",
        f"   JSON-LD (schema.org)        {feeds}.jsonld",
        "",
        f" S'abonner à la lettre          {newsletter}/abonnement",
        f" Courriels envoyés (test)       http://{host}:{settings.mail_viewer_port}/"
        f"   (SMTP {settings.smtp_host}:{settings.smtp_port}, fichiers .eml dans {var}/mail/)",
        f" NATS                           nats://127.0.0.1:{settings.nats_port}"
        f"   (supervision http://127.0.0.1:{settings.nats_monitor_port}/)",
        f" Santé des services             {annuaire}/healthz  {agenda}/healthz",
        f"                                {newsletter}/healthz",
        f" Actions d'administration       {token_line}",
        f" Journaux                       {var}/log/<nom>.log  ·  données NATS : {var}/nats/",
        _RULE,
    ]
    return "\n".join(lines)
