"""The association space's aids (`/espace-association/aides`): the questions matching needs
besides the directory's record, the aids it may apply for with the reasons, most urgent
deadline first, and the aids it follows (follow and stop following here or on an aid's
page)."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.aides.domain.calendar import local_day
from vieasso.aides.domain.errors import AidesError, InvalidInput
from vieasso.aides.domain.follows import Answers, AssociationFile
from vieasso.aides.domain.matching import Profile, Verdict, matches
from vieasso.aides.entrypoints.pages_support import ASSOCIATION, Pages
from vieasso.aides.entrypoints.scheme_view import scheme_view
from vieasso.aides.handlers.follows import follow, save_answers, unfollow
from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.annuaire import AssociationPublic
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.web import form_errors

IdPath = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
ANSWERS = ("budget", "volunteers", "project_start", "project_end")
NOTICES = {
    "reponses": "Vos réponses sont enregistrées : la liste des aides en tient compte.",
    "suivie": "Vous suivez cette aide : ses échéances sont dans votre calendrier des aides.",
    "plus-suivie": "Vous ne suivez plus cette aide.",
}


def profile_of(association: AssociationPublic | None, answers: Answers) -> Profile:
    if association is None:
        return Profile(answers=answers)
    return Profile(
        themes=frozenset(association.themes),
        quartier=association.quartier,
        employs_staff=association.employs_staff,
        founded_on=association.founded_on,
        answers=answers,
    )


def _back(form: dict[str, Any], scheme_id: str, done: str) -> str:
    """Where a follow button sends back: the aid's public page or the space (never
    elsewhere: the value comes from the form)."""
    if form.get("retour") == "aide":
        return f"/aides/{scheme_id}"
    return f"{ASSOCIATION}?ok={done}#{scheme_id}"


class CalendarAddresses(Protocol):
    async def address(self, slug: str) -> str | None: ...


def build_router(pages: Pages, addresses: CalendarAddresses) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    source = pages.source

    async def space(
        request: Request,
        slug: str,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        everything: bool = False,
        notice: str | None = None,
    ) -> Response:
        found = source.follows.get(slug)
        file = found.value if found else AssociationFile(slug=slug, updated_at=source.clock.now())
        association = source.directory.association(slug)
        today = local_day(source.clock.now())
        labels = pages.theme_labels() | pages.quartier_labels()
        schemes = source.schemes()
        listed = matches(
            profile_of(association, file.answers), schemes.published(), today, labels,
            everything=everything,
        )  # fmt: skip
        followed = [
            scheme_view(s.value, today) for f in file.follows
            if (s := schemes.store.get(f.scheme_id)) is not None and s.value.published
        ]  # fmt: skip
        context = {
            "association": association,
            "file": file,
            "values": values or file.answers.model_dump(mode="json"),
            "errors": errors or {},
            "matches": listed,
            "views": {m.scheme.id: scheme_view(m.scheme, today) for m in listed},
            "followed": followed,
            "everything": everything,
            "notice": notice,
            "calendar_url": await addresses.address(slug),
            "verdicts": {Verdict.ELIGIBLE: "Éligible", Verdict.TO_CHECK: "À vérifier",
                         Verdict.NOT_ELIGIBLE: "Non éligible"},
        }  # fmt: skip
        status = 422 if errors else 200
        return pages.render(request, "aides_espace.html.j2", context, status=status, private=True)

    @router.get(ASSOCIATION)
    async def dashboard(request: Request, ok: str = "", tout: str = "") -> Response:
        slug = await pages.association(request)
        if isinstance(slug, Response):
            return slug
        return await space(request, slug, everything=bool(tout), notice=NOTICES.get(ok))

    @router.post(f"{ASSOCIATION}/reponses")
    async def answers(request: Request) -> Response:
        slug = await pages.association(request)
        if isinstance(slug, Response):
            return slug
        form = await bounded_form(request)
        values = {name: str(form.get(name, "")).strip() for name in ANSWERS}
        try:
            data = {k: v for k, v in values.items() if v}
            await save_answers(source.follows, source.clock, slug, data)
        except InvalidInput as exc:
            return await space(request, slug, values=values, errors=form_errors(exc))
        return RedirectResponse(f"{ASSOCIATION}?ok=reponses", status_code=303)

    @router.post(ASSOCIATION + "/{scheme_id}/suivre")
    async def start_following(request: Request, scheme_id: IdPath) -> Response:
        slug = await pages.association(request)
        if isinstance(slug, Response):
            return slug
        form = dict(await bounded_form(request))

        def published(scheme_id: str) -> bool:
            found = source.schemes().store.get(scheme_id)
            return found is not None and found.value.published

        try:
            await follow(source.follows, source.clock, slug, scheme_id, published)
        except AidesError as exc:
            back = (ASSOCIATION, "Retour à vos aides")
            return pages.message(request, 404, "Impossible de suivre", exc.message, link=back)
        return RedirectResponse(_back(form, scheme_id, "suivie"), status_code=303)

    @router.post(ASSOCIATION + "/{scheme_id}/ne-plus-suivre")
    async def stop_following(request: Request, scheme_id: IdPath) -> Response:
        slug = await pages.association(request)
        if isinstance(slug, Response):
            return slug
        form = dict(await bounded_form(request))
        await unfollow(source.follows, source.clock, slug, scheme_id)
        return RedirectResponse(_back(form, scheme_id, "plus-suivie"), status_code=303)

    return router
