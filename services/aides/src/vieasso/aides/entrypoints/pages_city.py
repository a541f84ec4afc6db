"""The city space's aid schemes (`/espace-ville/aides`): list, create, change, preview,
publish and withdraw the city's own schemes; synced schemes are listed, read-only.

The city signs in on the annuaire; its session is checked on every request, and the
cross-origin guard refuses a form posted from another site. Every write goes through
`handlers.schemes` (compare-and-set, then the fact).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.aides.domain.calendar import local_day
from vieasso.aides.domain.errors import (
    AidesError,
    InvalidInput,
    NotEditable,
    SchemeNotFound,
    StaleRecord,
    field_error,
)
from vieasso.aides.domain.schemes import AidScheme, SchemeState
from vieasso.aides.entrypoints.pages_city_form import (
    FormValues,
    errors_of,
    read_form,
    scheme_data,
    slug_of,
    values_of,
)
from vieasso.aides.entrypoints.pages_support import CITY, Pages
from vieasso.aides.entrypoints.scheme_view import scheme_view
from vieasso.aides.handlers.schemes import save_city_scheme, set_state
from vieasso.common.messages.aides import SchemeOrigin
from vieasso.common.messages.base import SLUG_PATTERN

IdPath = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
NEW = "nouveau"
RESERVED = frozenset({NEW, "attributions", "synchronisation"})  # pages under the city space
NOTICES = {
    "ajoute": "Le dispositif est enregistré en brouillon : prévisualisez-le, puis publiez-le.",
    "modifie": "Le dispositif est enregistré.",
    "publie": "Le dispositif est publié : il apparaît sur la page publique des aides.",
    "retire": "Le dispositif est retiré : il n'apparaît plus sur la page publique.",
}
DEFAULTS: FormValues = {
    "funders": "Ville de Besançon",
    "perimeter": "Besançon",
    "eligibility.employs_staff": "indifferent",
    "deadlines.kind": "annuel",
    "kinds": [],
    "themes": [],
    "eligibility.quartiers": [],
}


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    _list_routes(router, pages)
    _form_routes(router, pages)
    _state_routes(router, pages)
    return router


def _form_page(
    request: Request, pages: Pages, values: FormValues, errors: dict[str, str], *, status: int = 200
) -> Response:
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "summary": {k: v for k, v in errors.items() if k != "__root__"},
        "new": "revision" not in values,
    }
    return pages.render(request, "aides_ville_fiche.html.j2", context, status=status, private=True)


def _missing(request: Request, pages: Pages, text: str | None = None) -> Response:
    text = text or SchemeNotFound().message
    return pages.message(request, 404, "Introuvable", text, link=(CITY, "Retour"))


def _new_id(values: FormValues) -> str:
    scheme_id = str(values.get("id", "")).strip() or slug_of(str(values.get("name", "")))
    if scheme_id in RESERVED:
        message = "Cet identifiant est réservé : choisissez-en un autre."
        raise InvalidInput([field_error("id", message, "reserved")])
    return scheme_id


def _list_routes(router: APIRouter, pages: Pages) -> None:
    source = pages.source

    @router.get(CITY)
    async def listing(request: Request, ok: str = "") -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        schemes = sorted(source.schemes().store.values(), key=lambda s: s.name.casefold())
        context = {
            "city": [s for s in schemes if s.source.origin is SchemeOrigin.CITY],
            "synced": [s for s in schemes if s.source.origin is not SchemeOrigin.CITY],
            "notice": NOTICES.get(ok),
        }
        return pages.render(request, "aides_ville.html.j2", context, private=True)

    @router.get(CITY + "/{scheme_id}/apercu")
    async def preview(request: Request, scheme_id: IdPath, ok: str = "") -> Response:
        """The public page as it will look (a draft or withdrawn scheme too)."""
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        found = source.schemes().store.get(scheme_id)
        if found is None:
            return _missing(request, pages)
        today = local_day(source.clock.now())
        context = {
            "view": scheme_view(found.value, today),
            "preview": True,
            "revision": found.revision,
            "notice": NOTICES.get(ok),
        }
        return pages.render(request, "aide.html.j2", context, private=True)


def _form_routes(router: APIRouter, pages: Pages) -> None:
    source = pages.source

    @router.get(f"{CITY}/{NEW}")
    async def new_form(request: Request) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        return _form_page(request, pages, dict(DEFAULTS), {})

    @router.post(f"{CITY}/{NEW}")
    async def create(request: Request) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        values = await read_form(request)
        try:
            scheme_id = _new_id(values)
            scheme = await save_city_scheme(
                source.schemes(), scheme_id, scheme_data(values), new=True
            )
        except InvalidInput as exc:
            errors = errors_of(exc, values)
            if "name" in errors and not str(values.get("id", "")).strip():
                errors.pop("id", None)  # made from the name: the name's error says it all
            return _form_page(request, pages, values, errors, status=422)
        return RedirectResponse(f"{CITY}/{scheme.id}/apercu?ok=ajoute", status_code=303)

    @router.get(CITY + "/{scheme_id}")
    async def edit_form(request: Request, scheme_id: IdPath) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        found = source.schemes().store.get(scheme_id)
        if found is None:
            return _missing(request, pages)
        if not found.value.editable_by_city:
            return _missing(request, pages, NotEditable().message)
        values = values_of(found.value) | {"revision": found.revision}
        return _form_page(request, pages, values, {})

    @router.post(CITY + "/{scheme_id}")
    async def save(request: Request, scheme_id: IdPath) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        values = await read_form(request) | {"id": scheme_id}
        typed = str(values.get("revision", ""))
        try:
            await save_city_scheme(
                source.schemes(),
                scheme_id,
                scheme_data(values),
                revision=int(typed) if typed.isdigit() else 0,
            )
        except InvalidInput as exc:
            return _form_page(request, pages, values, errors_of(exc, values), status=422)
        except StaleRecord as exc:
            return _form_page(request, pages, values, {"__root__": exc.message}, status=409)
        except (SchemeNotFound, NotEditable) as exc:
            return _missing(request, pages, exc.message)
        return RedirectResponse(f"{CITY}?ok=modifie", status_code=303)


def _state_routes(router: APIRouter, pages: Pages) -> None:
    source = pages.source

    async def change(request: Request, scheme_id: str, state: SchemeState, done: str) -> Response:
        form = await read_form(request)
        typed = str(form.get("revision", ""))
        try:
            scheme: AidScheme = await set_state(
                source.schemes(),
                scheme_id,
                state,
                revision=int(typed) if typed.isdigit() else None,
            )
        except InvalidInput as exc:
            text = " ".join(e.message for e in exc.errors)
            back = (f"{CITY}/{scheme_id}", "Modifier le dispositif")
            return pages.message(request, 409, "Impossible de publier", text, link=back)
        except StaleRecord as exc:
            back = (f"{CITY}/{scheme_id}/apercu", "Revoir le dispositif")
            return pages.message(request, 409, "Modifié entre-temps", exc.message, link=back)
        except AidesError as exc:
            return _missing(request, pages, exc.message)
        return RedirectResponse(f"{CITY}?ok={done}#{scheme.id}", status_code=303)

    @router.post(CITY + "/{scheme_id}/publier")
    async def publish(request: Request, scheme_id: IdPath) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        return await change(request, scheme_id, SchemeState.PUBLISHED, "publie")

    @router.post(CITY + "/{scheme_id}/retirer")
    async def withdraw(request: Request, scheme_id: IdPath) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        return await change(request, scheme_id, SchemeState.WITHDRAWN, "retire")
