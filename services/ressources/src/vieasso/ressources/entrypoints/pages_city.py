"""The city space's catalogue: list, add, change, archive and restore the equipment models
(`/espace-ville/materiel`) and the rooms (`/espace-ville/salles`).

The city signs in on the annuaire; its session (vieasso.common.web.session) is checked on
every request, and the cross-origin guard refuses a form posted from another site. Forms go
through the same use case as the JSON API (`handlers.catalogue.save_entry`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.common.http.limits import bounded_form
from vieasso.common.images import ImageRejected
from vieasso.common.images.pictures import PREVIEW_VARIANT, image_url
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.messages.images import IMAGE_ID_PATTERN
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.validation import ascii_digits
from vieasso.ressources.domain.catalogue import EntryState, Handover
from vieasso.ressources.domain.catalogue_errors import (
    CatalogueError,
    EntryConflict,
    InvalidEntry,
    field_error,
)
from vieasso.ressources.entrypoints.pages_city_form import (
    FormValues,
    entry_data,
    errors_of,
    read_form,
    slug_of,
    values_of,
)
from vieasso.ressources.entrypoints.pages_support import Pages
from vieasso.ressources.handlers.catalogue import (
    NOT_FOUND,
    Catalogue,
    save_entry,
    set_state,
    upload_photo,
)

IdPath = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
NEW = "nouveau"
NOTICES = {
    "ajoute": "La fiche est ajoutée au catalogue.",
    "modifie": "La fiche est enregistrée.",
    "archive": "La fiche est archivée : elle n'est plus proposée (les prêts accordés restent).",
    "remis": "La fiche est de nouveau proposée au prêt.",
}


@dataclass(frozen=True)
class Space:
    kind: ResourceKind
    path: str
    title: str


SPACES = (
    Space(ResourceKind.EQUIPMENT, "/espace-ville/materiel", "Matériel prêté"),
    Space(ResourceKind.ROOM, "/espace-ville/salles", "Salles"),
)
DEFAULTS: FormValues = {
    "notice.min_days": 21,
    "notice.max_days": 92,
    "max_loan_days": 7,
    "buffer_days": 1,
    "deposit_eur": 0,
    "damage_fee_eur": 0,
    "handover": Handover.PICKUP.value,
    "opening": [f"{d}:{h}" for d in range(1, 7) for h in ("matin", "apres-midi")],
}


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for space in SPACES:
        _form_routes(router, pages, space)
        _state_routes(router, pages, space)
    return router


def _form_page(
    request: Request,
    pages: Pages,
    space: Space,
    values: FormValues,
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    cat = pages.source.catalogue()
    directory = cat.directory
    venues = sorted(
        (v for v in directory.venues() if not v.archived), key=lambda v: (v.name.casefold(), v.id)
    )
    context: dict[str, Any] = {
        "space": space,
        "kind": space.kind.value,
        "values": values,
        "errors": errors,
        "summary": {k: v for k, v in errors.items() if k != "__root__"},
        "new": "revision" not in values,
        "venues": [(v.id, v.name) for v in venues],
        "photo_preview": _preview(cat, values),
    }
    return pages.render(
        request, "catalogue_ville_fiche.html.j2", context, status=status, private=True
    )


def _preview(cat: Catalogue, values: FormValues) -> str | None:
    """The small variant of the photo the form holds (an id the rules check on save)."""
    image_id = str(values.get("image_id", ""))
    if not re.fullmatch(IMAGE_ID_PATTERN, image_id):
        return None
    return image_url(cat.images_url, image_id, PREVIEW_VARIANT)


async def _photo_refused(cat: Catalogue, values: FormValues, photo: bytes | None) -> str | None:
    """Stores the chosen photo first (so it is kept, by its id, if the rest has errors);
    why it was refused, in French."""
    if photo is None:
        return None
    try:
        stored = await upload_photo(cat, photo)
    except ImageRejected as exc:
        return exc.message
    values["image_id"] = stored.id
    return None


def _missing(request: Request, pages: Pages, space: Space, text: str | None = None) -> Response:
    text = text or NOT_FOUND[space.kind]
    return pages.message(request, 404, "Introuvable", text, link=(space.path, "Retour"))


def _new_id(values: FormValues) -> str:
    """The typed id, or one made from the name; `nouveau` names the creation form."""
    entry_id = str(values.get("id", "")).strip() or slug_of(str(values.get("name", "")))
    if entry_id == NEW:
        message = "Cet identifiant est réservé : choisissez-en un autre."
        raise InvalidEntry([field_error("id", message, "reserved")])
    return entry_id


def _form_routes(router: APIRouter, pages: Pages, space: Space) -> None:
    source = pages.source
    kind = space.kind

    @router.get(space.path)
    async def listing(request: Request, ok: str = "") -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        store = source.catalogue().store
        entries: list[Any] = (
            store.models(archived=True)
            if kind is ResourceKind.EQUIPMENT
            else store.rooms(archived=True)
        )
        context = {
            "space": space,
            "kind": kind.value,
            "entries": entries,
            "notice": NOTICES.get(ok),
        }
        return pages.render(request, "catalogue_ville.html.j2", context, private=True)

    @router.get(f"{space.path}/{NEW}")
    async def new_form(request: Request) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        return _form_page(request, pages, space, dict(DEFAULTS), {})

    @router.post(f"{space.path}/{NEW}")
    async def create(request: Request) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        values, photo = await read_form(request)
        if (refused := await _photo_refused(source.catalogue(), values, photo)) is not None:
            return _form_page(request, pages, space, values, {"photo": refused}, status=422)
        data = entry_data(kind, values)
        try:
            await save_entry(source.catalogue(), kind, _new_id(values), data, new=True)
        except InvalidEntry as exc:
            errors = errors_of(exc, values)
            if "name" in errors and not str(values.get("id", "")).strip():
                errors.pop("id", None)  # made from the name: the name's error says it all
            return _form_page(request, pages, space, values, errors, status=422)
        return RedirectResponse(f"{space.path}?ok=ajoute", status_code=303)

    @router.get(space.path + "/{entry_id}")
    async def edit_form(request: Request, entry_id: IdPath) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        found = source.catalogue().store.get(kind, entry_id)
        if found is None:
            return _missing(request, pages, space)
        values = values_of(found.value) | {"revision": found.revision}
        return _form_page(request, pages, space, values, {})

    @router.post(space.path + "/{entry_id}")
    async def save(request: Request, entry_id: IdPath) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        cat = source.catalogue()
        if cat.store.get(kind, entry_id) is None:
            return _missing(request, pages, space)
        values, photo = await read_form(request)
        values["id"] = entry_id
        if (refused := await _photo_refused(cat, values, photo)) is not None:
            return _form_page(request, pages, space, values, {"photo": refused}, status=422)
        typed = str(values.get("revision", ""))
        revision = int(typed) if ascii_digits(typed) else 0
        try:
            await save_entry(cat, kind, entry_id, entry_data(kind, values), revision=revision)
        except InvalidEntry as exc:
            errors = errors_of(exc, values)
            return _form_page(request, pages, space, values, errors, status=422)
        except EntryConflict as exc:
            errors = {"__root__": exc.message}
            return _form_page(request, pages, space, values, errors, status=409)
        return RedirectResponse(f"{space.path}?ok=modifie", status_code=303)


def _state_routes(router: APIRouter, pages: Pages, space: Space) -> None:
    source = pages.source
    kind = space.kind

    async def change(request: Request, entry_id: str, state: EntryState, done: str) -> Response:
        try:
            await set_state(source.catalogue(), kind, entry_id, state)
        except InvalidEntry as exc:
            text = " ".join(e.message for e in exc.errors)
            return pages.message(request, 409, "Impossible", text, link=(space.path, "Retour"))
        except CatalogueError as exc:
            return _missing(request, pages, space, exc.message)
        return RedirectResponse(f"{space.path}?ok={done}", status_code=303)

    @router.post(space.path + "/{entry_id}/archiver")
    async def archive(request: Request, entry_id: IdPath) -> Response:
        """Asks first (no script needed: the confirmation page posts again)."""
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        found = source.catalogue().store.get(kind, entry_id)
        if found is None:
            return _missing(request, pages, space)
        if (await bounded_form(request)).get("confirmation") != "oui":
            context = {"entry": found.value, "space": space, "action": request.url.path}
            return pages.render(request, "catalogue_confirmer.html.j2", context, private=True)
        return await change(request, entry_id, EntryState.ARCHIVED, "archive")

    @router.post(space.path + "/{entry_id}/remettre")
    async def restore(request: Request, entry_id: IdPath) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        return await change(request, entry_id, EntryState.ACTIVE, "remis")
