"""What the entraide pages share: the running service they read, labels, the signed-in
association, a draft read from a form, and the models of the catalogue that may serve a
need for equipment."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from vieasso.common.messages.annonces import CITY, CITY_NAME, AnnonceDirection, AnnonceKind
from vieasso.common.settings import Settings
from vieasso.common.web import Sessions, form_errors, site_urls
from vieasso.ressources.domain.annonces import DIRECTIONS, KINDS, Annonce, Draft, fold
from vieasso.ressources.domain.annonces_threads import Thread
from vieasso.ressources.domain.catalogue import EquipmentModel
from vieasso.ressources.entrypoints.pages_support import CATEGORIES, Pages
from vieasso.ressources.handlers.annonces import CITY_SPACE, SPACE, Entraide
from vieasso.ressources.handlers.catalogue import Catalogue

FORM_FIELDS = ("direction", "kind", "title", "description", "quartier", "starts_on", "ends_on")
SUGGESTED = 6
SHORT_WORD = 3  # « de », « des », « pour » say nothing of the equipment
THREAD = "entraide/fil.html.j2"


class EntraideSource(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> Sessions: ...

    def entraide(self) -> Entraide: ...

    def lendable(self) -> Catalogue: ...


def aides_url(settings: Settings) -> str:
    """The aid search (services/aides, SPEC §8: port 8005, `/aides`)."""
    try:
        return f"{settings.public_url('aides')}/aides"
    except KeyError:  # this platform's settings do not know the aides service yet
        if settings.public_base_url is not None:
            return f"{str(settings.public_base_url).rstrip('/')}/aides"
        return f"http://{settings.http_host}:8005/aides"


def could_serve(annonce: Annonce, models: list[EquipmentModel]) -> list[EquipmentModel]:
    """The city's models whose name or category shares a word with a need for equipment
    (whole words, plural or not: « tables » finds « Table pliante », not « Sono portable »)."""
    text = fold(f"{annonce.title} {annonce.description}")
    words = {w.rstrip("s") for w in text.split() if len(w) > SHORT_WORD}
    found = []
    for model in models:
        label = fold(f"{model.name} {CATEGORIES.get(model.category, model.category)}")
        if words & {w.rstrip("s") for w in label.split()}:
            found.append(model)
    return found[:SUGGESTED]


def read_draft(form: FormData) -> tuple[Draft | None, dict[str, str], dict[str, Any]]:
    """The draft of the form, or the French message of each field; the values typed."""
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in FORM_FIELDS}
    values["description"] = str(form.get("description", "")).replace("\r\n", "\n").strip()
    values["themes"] = [str(t) for t in form.getlist("themes")]
    values["expires_on"] = str(form.get("expires_on", "")).strip()
    data = {k: v for k, v in values.items() if v not in ("", [])}
    try:
        return Draft.model_validate(data), {}, values
    except ValidationError as exc:
        return None, form_errors(exc), values


class EntraidePages:
    """The templates and what every entraide page needs to know."""

    def __init__(self, pages: Pages, source: EntraideSource) -> None:
        self.pages = pages
        self.source = source
        urls = site_urls(source.settings)
        self.sign_in = f"{urls.annuaire}/espace-association/connexion"
        self.pages.templates.env.globals.update(
            kinds=[(k.value, v) for k, v in KINDS.items()],
            kind_labels={k.value: v for k, v in KINDS.items()},
            directions=[(d.value, v) for d, v in DIRECTIONS.items()],
            direction_labels={d.value: v for d, v in DIRECTIONS.items()},
            entraide_space=SPACE,
            annuaire_url=urls.annuaire,
            aides_url=aides_url(source.settings),
        )

    def labels(self) -> dict[str, Any]:
        directory = self.source.entraide().directory
        themes = sorted(((t.code, t.label) for t in directory.themes()), key=lambda c: c[1])
        quartiers = sorted(((q.code, q.label) for q in directory.quartiers()), key=lambda c: c[1])
        return {
            "themes": themes,
            "quartiers": quartiers,
            "theme_labels": dict(themes),
            "quartier_labels": dict(quartiers),
        }

    def name(self, slug: str) -> str:
        if slug == CITY:
            return CITY_NAME
        found = self.source.entraide().directory.association(slug)
        return found.name if found is not None else slug

    def public_page(self, slug: str) -> str:
        """Where anyone reads who `slug` is: its directory page, or the directory's home for
        the city."""
        annuaire = site_urls(self.source.settings).annuaire
        return f"{annuaire}/" if slug == CITY else f"{annuaire}/associations/{slug}"

    def thread_page(
        self, request: Request, thread: Thread, annonce: Annonce, reader: str
    ) -> Response:
        """A conversation as `reader` (one of its two sides) sees it, with the form to write."""
        other = thread.other(reader)
        back = SPACE, "← Entraide de votre association"
        if reader == CITY:
            back = CITY_SPACE, "← Entraide, espace Ville"
        context = {
            "slug": reader,
            "thread": thread,
            "a": annonce,
            "other": self.name(other),
            "other_page": self.public_page(other),
            "other_is_city": other == CITY,
            "back": back,
            "name_of": self.name,
            "action": request.url.path,
        }
        return self.pages.render(request, THREAD, context, private=True)

    async def signed_in(self, request: Request, why: str) -> str | Response:
        slug = await self.source.sessions.association(request)
        if slug is not None:
            return slug
        if request.method == "GET":
            return RedirectResponse(self.sign_in, status_code=303)
        link = (self.sign_in, "Se connecter à l'espace association")
        return self.pages.message(request, 401, "Connexion nécessaire", why, link=link)

    def refusal(self, request: Request, status: int, text: str) -> Response:
        title = {404: "Annonce introuvable", 429: "Trop de messages", 403: "Accès refusé"}
        back = ("/entraide", "Toutes les annonces")
        return self.pages.message(
            request, status, title.get(status, "Action impossible"), text, link=back
        )


def direction_of(raw: str) -> AnnonceDirection | None:
    return AnnonceDirection(raw) if raw in set(AnnonceDirection) else None


def kind_of(raw: str) -> AnnonceKind | None:
    return AnnonceKind(raw) if raw in set(AnnonceKind) else None
